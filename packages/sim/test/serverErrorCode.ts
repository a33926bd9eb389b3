import { ServerError } from '../src/base/errors';

/** The code of the ServerError `fn` throws, or undefined when it returns; anything else thrown propagates. */
export function codeOf(fn: () => unknown): number | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ServerError) return error.code;
    throw error;
  }
  return undefined;
}
