// Driver errors as learners should read them, whatever the lab's plumbing made of them.
import type { MongoServerError } from 'mongodb';

/**
 * The driver reaches sandbox members through the SOCKS bridge, so its network errors come out in
 * the proxy's words ("Socks5 proxy rejected connection - ConnectionRefused"). Learners should
 * read what the driver says when it connects straight to a mongod.
 */
export type NetworkFailure = 'refused' | 'timedOut' | 'closed';

/** What kind of network failure `error` reports, or null when it is not one. */
export function networkFailure(error: unknown): NetworkFailure | null {
  if (!(error instanceof Error)) return null;
  const cause = (error as { cause?: unknown }).cause;
  // mongodb 7.5.0 hands on Node's own socket error when a write waited for 'drain' (cmap/connection.ts
  // writeCommand): EPIPE "This socket has been ended by the other party" (writeAfterFIN) names its
  // code only in `code`, not in the message.
  const codes = [error, cause].map((e) => (e instanceof Error ? String((e as { code?: unknown }).code ?? '') : '')).join(' ');
  const text = `${error.message} ${String(cause ?? '')} ${codes}`;
  if (/ConnectionRefused|ECONNREFUSED|HostUnreachable|NetworkUnreachable/i.test(text)) return 'refused';
  if (/timed out|ETIMEDOUT|TTL ?expired/i.test(text)) return 'timedOut';
  if (/closed|ECONNRESET|reset|EPIPE|ECONNABORTED|socket has been ended/i.test(text)) return 'closed';
  return null;
}

/** The Node driver's wording for a network failure talking to `address`; other errors as they are. */
export function driverNetworkMessage(error: unknown, address: string): string {
  switch (networkFailure(error)) {
    case 'refused':
      return `connect ECONNREFUSED ${address}`;
    case 'timedOut':
      return `connection to ${address} timed out`;
    case 'closed':
      return `connection to ${address} closed`;
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * A server error's code as a number. The clients keep BSON's types (`promoteValues: false`, so
 * that Python prints 1 and 1.0 apart), which leaves the driver's `error.code` an Int32.
 */
export function serverErrorCode(error: MongoServerError): number | undefined {
  const code = Number(error.code);
  return Number.isInteger(code) ? code : undefined;
}
