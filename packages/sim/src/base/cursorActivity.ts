import type { Document } from 'bson';

/**
 * What a member knows of one open cursor, for `$currentOp` (clientcursor.cpp
 * ClientCursor::toGenericCursor). No plan summary: the simulator does not plan queries.
 */
export interface CursorReport {
  readonly id: bigint;
  readonly ns: string;
  /** The session the cursor was opened in. */
  readonly lsid: Document | undefined;
  readonly createdMillis: number;
  /** When a command last finished with the cursor (mongod sets it as the getMore unpins it). */
  readonly lastAccessMillis: number;
  readonly nDocsReturned: number;
  /** Batches returned, the first one included. */
  readonly nBatchesReturned: number;
  readonly noCursorTimeout: boolean;
  readonly tailable: boolean;
  readonly awaitData: boolean;
  /** The find or aggregate that opened the cursor, with its $db. */
  readonly originatingCommand: Document;
}

/** Counts a cursor keeps for its report; the first batch counts. */
export class CursorActivity {
  nDocsReturned: number;
  nBatchesReturned = 1;
  lastAccessMillis: number;

  constructor(
    readonly createdMillis: number,
    firstBatchDocs: number,
  ) {
    this.nDocsReturned = firstBatchDocs;
    this.lastAccessMillis = createdMillis;
  }

  returned(docs: number, nowMillis: number): void {
    this.nDocsReturned += docs;
    this.nBatchesReturned++;
    this.lastAccessMillis = nowMillis;
  }

  /** The report of the cursor these counts belong to. */
  report(cursor: Omit<CursorReport, 'createdMillis' | 'lastAccessMillis' | 'nDocsReturned' | 'nBatchesReturned'>): CursorReport {
    return { ...cursor, createdMillis: this.createdMillis, lastAccessMillis: this.lastAccessMillis, nDocsReturned: this.nDocsReturned, nBatchesReturned: this.nBatchesReturned };
  }
}

/** A command's body as a cursor's originatingCommand: the body with its $db, as mongod stores the request. */
export function originatingCommandOf(db: string, body: Document): Document {
  return { ...body, $db: db };
}
