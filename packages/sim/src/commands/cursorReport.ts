import { Long } from 'bson';
import type { Document } from 'bson';
import type { CursorReport } from '../base/cursorActivity';

/**
 * The `cursor` sub-document of a `$currentOp` entry: db/generic_cursor.idl's fields in its order,
 * less ns, lsid and planSummary, which curop.cpp truncateAndSerializeGenericCursor removes (the entry
 * has them at the top); `operationUsingCursorId` only while a getMore has the cursor pinned.
 */
export function cursorDocument(report: CursorReport, operationUsingCursorId: number | undefined): Document {
  return {
    cursorId: Long.fromBigInt(report.id),
    createdDate: new Date(report.createdMillis),
    lastAccessDate: new Date(report.lastAccessMillis),
    nDocsReturned: Long.fromNumber(report.nDocsReturned),
    nBatchesReturned: Long.fromNumber(report.nBatchesReturned),
    noCursorTimeout: report.noCursorTimeout,
    tailable: report.tailable,
    awaitData: report.awaitData,
    originatingCommand: report.originatingCommand,
    ...(operationUsingCursorId === undefined ? {} : { operationUsingCursorId: Long.fromNumber(operationUsingCursorId) }),
  };
}

/**
 * `$currentOp: {idleCursors: true}`: an open cursor no getMore is using (document_source_current_op.cpp;
 * CommonMongodProcessInterface's idle-cursor report): type, host, ns and lsid at the top, then the cursor.
 */
export function idleCursorDocument(host: string, report: CursorReport): Document {
  return {
    type: 'idleCursor',
    host,
    ns: report.ns,
    ...(report.lsid === undefined ? {} : { lsid: report.lsid }),
    cursor: cursorDocument(report, undefined),
  };
}
