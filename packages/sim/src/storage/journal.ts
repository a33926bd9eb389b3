import * as path from 'node:path';
import { Binary, deserialize, serialize } from 'bson';
import type { Document } from 'bson';
import type { Clock, TimerHandle } from '../clock/clock';
import { LogIds } from '../log/ids';
import type { LogLine } from '../log/ids';
import type { OplogEntry, OplogOp } from './oplog';
import { entriesAfter, entryFromBson, entryToBson } from './oplog';
import type { OpTime } from '../base/optime';
import { NULL_OPTIME, compareOpTime, formatOpTime, isNullOpTime } from '../base/optime';
import { crc32c } from '../base/crc32c';
import type { JournalFileSystem, AppendFile } from './journalFs';
import { Storage, UndoToken } from './storage';
import type { StorageOptions } from './storage';
import type { ConfigCodec, DurableReplState, ReplJournal, RollbackFile } from './replState';
import { newDurableReplState } from './replState';

/**
 * sim-mongod's `--dbpath` persistence: a write-ahead journal plus checkpoints, under
 * `<dbpath>/journal/`.
 *
 * Files: `journal.<generation>` — append-only framed records; `checkpoint` — the whole state at
 * one point, naming the first journal generation that follows it. A frame is
 * `[u32 LE payload length][u32 LE CRC-32C of the length bytes and the payload][payload]`, the
 * payload a BSON document (the checkpoint's storage frame: `Storage.serialize()` bytes).
 *
 * Records: `oplog` (entries appended to the oplog: written here or applied from a sync source),
 * `ops` (writes of a member without replication), `repl` (term, last vote and, when it changed,
 * the config), `rollback` (the oplog cut after a common point, its entries undone).
 *
 * Start-up loads the checkpoint, then replays every journal from its generation on: oplog entries
 * are applied to storage with `applyOps`, which recreates their undo tokens. A frame whose length
 * runs past the end of the file, is over the limit, or whose CRC does not match ends the journal:
 * the file is cut there (truncated) and a line logged — the bytes are never read as data.
 *
 * Durability: every record is handed to the OS at once for term/vote/config/rollback (with an
 * fdatasync before the member acts on it), otherwise at the next group commit. Group commits
 * run every `journalCommitIntervalMillis` (mongod's 100) or at once when an acknowledgement waits
 * (`waitDurable`: `j: true`, w:majority with writeConcernMajorityJournalDefault); one fdatasync
 * covers every record written before it.
 *
 * Checkpoints (compaction): once the journals since the last checkpoint pass
 * `max(checkpointJournalBytesMin, 2 × last checkpoint)`, and on clean shutdown. The storage is
 * saved as it was at the majority commit point (entries after it are undone on a copy with
 * `viewBefore`), so that after a restart those entries are re-applied with undo tokens and can
 * still be rolled back. The journal is rotated at the same instant; older journals are removed
 * once the new checkpoint is durable (renamed into place).
 */

export const JOURNAL_DIR_NAME = 'journal';
export const CHECKPOINT_FILE_NAME = 'checkpoint';
const JOURNAL_FILE_PREFIX = 'journal.';
const JOURNAL_FORMAT = 'rslab-journal';
const CHECKPOINT_FORMAT = 'rslab-checkpoint';
const FORMAT_VERSION = 1;
export const FRAME_HEADER_BYTES = 8;

export interface JournalLimits {
  /** mongod's storage.journal.commitIntervalMs: group commit period for writes that do not wait. */
  journalCommitIntervalMillis: number;
  /** A journal record's payload; larger ones are refused when written and treated as corruption when read. */
  journalRecordBytesMax: number;
  /** Oplog entries per `oplog` record (bigger batches are split). */
  journalRecordEntriesMax: number;
  /**
   * Journal bytes after which a checkpoint is taken (at least; grows with the checkpoint's size).
   * Bounds restart time: replay runs at roughly 100,000 small documents per second.
   */
  checkpointJournalBytesMin: number;
  /** The checkpoint's storage frame. */
  checkpointBytesMax: number;
}

export const DEFAULT_JOURNAL_LIMITS: JournalLimits = {
  journalCommitIntervalMillis: 100,
  journalRecordBytesMax: 64 * 1024 * 1024,
  journalRecordEntriesMax: 1000,
  checkpointJournalBytesMin: 16 * 1024 * 1024,
  checkpointBytesMax: 1024 * 1024 * 1024,
};

/** The journal or checkpoint cannot be used (corrupt where it must not be, wrong format). Start-up stops. */
export class JournalError extends Error {
  override readonly name = 'JournalError';
}

// ---------------------------------------------------------------- framing

export function encodeFrame(payload: Uint8Array): Uint8Array {
  if (payload.length > 0xffffffff) throw new JournalError(`frame payload of ${payload.length} bytes is over 4 GiB`);
  const frame = new Uint8Array(FRAME_HEADER_BYTES + payload.length);
  const view = new DataView(frame.buffer);
  view.setUint32(0, payload.length, true);
  frame.set(payload, FRAME_HEADER_BYTES);
  view.setUint32(4, frameCrc(frame, payload.length), true);
  return frame;
}

/** CRC-32C over the 4 length bytes and the payload (not the CRC field itself). */
function frameCrc(frame: Uint8Array, payloadLength: number): number {
  return crc32c(frame, FRAME_HEADER_BYTES, FRAME_HEADER_BYTES + payloadLength, crc32c(frame, 0, 4));
}

export interface FrameScan {
  /** Payloads of the valid frames, in order (views into the scanned bytes). */
  frames: Uint8Array[];
  /** Bytes up to the end of the last valid frame. */
  validBytes: number;
  /** Set when bytes after `validBytes` are not a valid frame: why. */
  badTail?: string;
}

/** Read frames until the end or the first frame that is cut short, too long or fails its CRC. */
export function scanFrames(bytes: Uint8Array, payloadBytesMax: number): FrameScan {
  const frames: Uint8Array[] = [];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let offset = 0;
  while (offset < bytes.length) {
    if (bytes.length - offset < FRAME_HEADER_BYTES) return { frames, validBytes: offset, badTail: `${bytes.length - offset} bytes, too few for a frame header` };
    const length = view.getUint32(offset, true);
    if (length > payloadBytesMax) return { frames, validBytes: offset, badTail: `frame length ${length} bytes is over the limit of ${payloadBytesMax}` };
    const end = offset + FRAME_HEADER_BYTES + length;
    if (end > bytes.length) return { frames, validBytes: offset, badTail: `frame of ${length} bytes runs past the end of the file` };
    const frame = bytes.subarray(offset, end);
    const expected = view.getUint32(offset + 4, true);
    if (frameCrc(frame, length) !== expected) return { frames, validBytes: offset, badTail: 'checksum mismatch' };
    frames.push(bytes.subarray(offset + FRAME_HEADER_BYTES, end));
    offset = end;
  }
  return { frames, validBytes: offset };
}

// ---------------------------------------------------------------- records

function opTimeDoc(o: OpTime): Document {
  return { ts: o.ts, t: o.t };
}

function opTimeOf(doc: unknown): OpTime {
  const d = doc as { ts?: unknown; t?: unknown } | null;
  if (!d || typeof d.ts !== 'number' || typeof d.t !== 'number') throw new JournalError(`bad optime in journal: ${JSON.stringify(doc)}`);
  return { ts: d.ts, t: d.t };
}

function replRecord<Config>(state: DurableReplState<Config>, withConfig: boolean, codec: ConfigCodec<Config>, oplogReset = false): Document {
  const record: Document = { k: 'repl', term: state.term, lastVote: { ...state.lastVote }, rbid: state.rbid };
  if (state.initialDataOpTime) record.initialData = opTimeDoc(state.initialDataOpTime);
  if (state.initialSyncFlag) record.initialSyncFlag = true;
  // An initial sync (again) starts from an empty oplog: what the journal holds before is gone.
  if (oplogReset) record.oplogReset = true;
  if (state.oplogSizeBytes !== undefined) record.oplogSizeBytes = state.oplogSizeBytes;
  if (withConfig && state.config) record.config = codec.toDocument(state.config);
  if (Object.keys(state.localUuids).length > 0) record.localUuids = { ...state.localUuids };
  return record;
}

/** The `local` collections' UUIDs as a repl record or checkpoint header keeps them. */
function localUuidsOf(doc: unknown): Record<string, Binary> {
  const out: Record<string, Binary> = {};
  for (const [name, value] of Object.entries(doc as Document)) if (value instanceof Binary) out[name] = value;
  return out;
}

function rollbackFileDoc(file: RollbackFile): Document {
  return { atMillis: file.atMillis, commonPoint: opTimeDoc(file.commonPoint), undone: file.undone.map(opTimeDoc), documents: file.documents.map((d) => ({ ns: d.ns, op: d.op, doc: d.doc })) };
}

function rollbackFileOf(doc: Document): RollbackFile {
  return {
    atMillis: Number(doc.atMillis),
    commonPoint: opTimeOf(doc.commonPoint),
    undone: (doc.undone as unknown[]).map(opTimeOf),
    documents: (doc.documents as Document[]).map((d) => ({ ns: String(d.ns), op: d.op as RollbackFile['documents'][number]['op'], doc: (d.doc as Document | null) ?? null })),
  };
}

function decode(payload: Uint8Array, where: string): Document {
  try {
    return deserialize(payload, { promoteLongs: true, promoteValues: true });
  } catch (error) {
    throw new JournalError(`${where}: a frame with a valid checksum holds no valid BSON (${(error as Error).message})`);
  }
}

function journalFileName(generation: number): string {
  return `${JOURNAL_FILE_PREFIX}${String(generation).padStart(10, '0')}`;
}

function journalGenerationOf(name: string): number | undefined {
  if (!name.startsWith(JOURNAL_FILE_PREFIX)) return undefined;
  const text = name.slice(JOURNAL_FILE_PREFIX.length);
  return /^\d{10}$/.test(text) ? Number(text) : undefined;
}

// ---------------------------------------------------------------- the journal

export type JournalLog = (severity: 'F' | 'E' | 'W' | 'I', line: LogLine, attr?: Document) => void;

export interface JournalOptions<Config> {
  fs: JournalFileSystem;
  /** How the replica-set config is written and read back (repl/config.ts's replSetConfigCodec). */
  configCodec: ConfigCodec<Config>;
  dbpath: string;
  clock: Clock;
  log: JournalLog;
  storageOptions?: StorageOptions;
  limits?: Partial<JournalLimits>;
  /** A write or sync failed: the process cannot promise durability any more (mongod aborts). */
  onFatal(error: Error): void;
}

/** What the journal asks of the member it serves (set with `attach`). */
export interface JournalHooks {
  /** The majority commit point: checkpoints keep storage as of it. */
  commitPoint(): OpTime;
  /** More of the oplog is durable. */
  flushed(): void;
}

type PendingRecord = { doc: Document } | { entries: OplogEntry[] };

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (error: Error) => void;
}

export class Journal<Config> implements ReplJournal<Config> {
  readonly storage: Storage;
  readonly persisted: DurableReplState<Config>;
  readonly limits: JournalLimits;
  /** What start-up found: records replayed, bytes cut from a bad tail. */
  readonly recovery: { checkpointLoaded: boolean; recordsReplayed: number; bytesCut: number };
  private readonly fs: JournalFileSystem;
  private readonly configCodec: ConfigCodec<Config>;
  private readonly dir: string;
  private readonly clock: Clock;
  private readonly log: JournalLog;
  private readonly onFatal: (error: Error) => void;
  private hooks: JournalHooks = { commitPoint: () => NULL_OPTIME, flushed: () => undefined };
  private file: AppendFile;
  private generation: number;
  /** Records not yet handed to the OS, encoded only then (off the request path); oplog entries merge. */
  private pending: PendingRecord[] = [];
  private appendedSeq = 0;
  private writtenSeq = 0;
  private durableSeq = 0;
  private appendedOpTime: OpTime;
  private durableOpTimeValue: OpTime;
  private readonly waiters: Waiter[] = [];
  private flushing: Promise<void> | undefined;
  private flushAgain = false;
  private timer: TimerHandle | undefined;
  private bytesSinceCheckpoint = 0;
  private lastCheckpointBytes = 0;
  private checkpointing: Promise<void> | undefined;
  private checkpointBase: OpTime | undefined;
  private failed: Error | undefined;
  private closed = false;

  /** Recover from `<dbpath>/journal` (creating it when new) and open the journal for appending. */
  constructor(options: JournalOptions<Config>) {
    this.fs = options.fs;
    this.configCodec = options.configCodec;
    this.dir = path.join(options.dbpath, JOURNAL_DIR_NAME);
    this.clock = options.clock;
    this.log = options.log;
    this.onFatal = options.onFatal;
    this.limits = { ...DEFAULT_JOURNAL_LIMITS, ...options.limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`journal limit ${name} must be positive, got ${value}`);
    }
    this.fs.ensureDir(this.dir);
    const recovered = this.recover(options.storageOptions ?? {});
    this.storage = recovered.storage;
    this.persisted = recovered.persisted;
    this.recovery = recovered.summary;
    this.generation = recovered.generation;
    this.checkpointBase = recovered.base;
    this.lastCheckpointBytes = recovered.checkpointBytes;
    this.bytesSinceCheckpoint = recovered.journalBytes;
    const last = this.persisted.oplog.last();
    this.appendedOpTime = last ? { ts: last.ts, t: last.t } : NULL_OPTIME;
    this.durableOpTimeValue = this.appendedOpTime;
    this.file = this.fs.openAppend(path.join(this.dir, journalFileName(this.generation)));
    if (this.file.sizeBytes === 0) {
      this.file.write(encodeFrame(serialize({ k: 'header', format: JOURNAL_FORMAT, v: FORMAT_VERSION, generation: this.generation })));
      this.file.syncNow();
    }
  }

  attach(hooks: JournalHooks): void {
    this.hooks = hooks;
  }

  get journalGeneration(): number {
    return this.generation;
  }

  // ---- recovery

  private recover(storageOptions: StorageOptions): {
    storage: Storage;
    persisted: DurableReplState<Config>;
    generation: number;
    base: OpTime | undefined;
    checkpointBytes: number;
    journalBytes: number;
    summary: Journal<Config>['recovery'];
  } {
    const names = this.fs.list(this.dir);
    const persisted = newDurableReplState<Config>();
    let storage: Storage;
    let firstGeneration = 1;
    let base: OpTime | undefined;
    let checkpointBytes = 0;
    const summary = { checkpointLoaded: false, recordsReplayed: 0, bytesCut: 0 };
    if (names.includes(CHECKPOINT_FILE_NAME)) {
      const loaded = this.loadCheckpoint(path.join(this.dir, CHECKPOINT_FILE_NAME), persisted, storageOptions);
      storage = loaded.storage;
      firstGeneration = loaded.journalGeneration;
      base = loaded.base;
      checkpointBytes = loaded.bytes;
      summary.checkpointLoaded = true;
    } else {
      storage = new Storage(storageOptions);
    }
    const generations = names
      .map(journalGenerationOf)
      .filter((g): g is number => g !== undefined)
      .sort((a, b) => a - b);
    // Journals older than the checkpoint were covered by it (a crash can leave them behind).
    for (const g of generations.filter((g) => g < firstGeneration)) this.fs.remove(path.join(this.dir, journalFileName(g)));
    const replay = generations.filter((g) => g >= firstGeneration);
    let journalBytes = 0;
    let generation = replay.length > 0 ? replay[replay.length - 1]! : firstGeneration;
    for (let i = 0; i < replay.length; i++) {
      const g = replay[i]!;
      const file = path.join(this.dir, journalFileName(g));
      const bytes = this.fs.readFile(file);
      const scan = scanFrames(bytes, this.limits.journalRecordBytesMax);
      // A torn write only ever damages the end. Valid records after a damaged one mean the file
      // was corrupted in the middle: cutting there would drop acknowledged writes, so refuse.
      if (scan.badTail !== undefined && recordsFollow(bytes, scan.validBytes, this.limits.journalRecordBytesMax)) {
        throw new JournalError(`${file}: damaged record at byte ${scan.validBytes} (${scan.badTail}) is followed by valid records: the journal is corrupt, not torn`);
      }
      let validBytes = scan.validBytes;
      let badTail = scan.badTail;
      let frames = scan.frames;
      if (frames.length > 0) {
        const header = safeDecode(frames[0]!);
        if (!header || header.k !== 'header' || header.format !== JOURNAL_FORMAT || header.generation !== g) {
          if (header && header.k === 'header' && header.format === JOURNAL_FORMAT && header.v !== FORMAT_VERSION) {
            throw new JournalError(`${file}: journal format version ${String(header.v)} is not ${FORMAT_VERSION}`);
          }
          validBytes = 0;
          badTail = 'no valid journal header';
          frames = [];
        }
      }
      for (const payload of frames.slice(1)) {
        this.replayRecord(decode(payload, file), persisted, storage, file);
        summary.recordsReplayed++;
      }
      journalBytes += validBytes;
      if (badTail !== undefined) {
        const cut = bytes.length - validBytes;
        summary.bytesCut += cut;
        this.log('W', LogIds.journalTornTail, { file, validBytes, bytesCut: cut, reason: badTail });
        this.fs.truncate(file, validBytes);
        // Nothing after a bad record can be trusted: later journals would leave a gap.
        for (const later of replay.slice(i + 1)) {
          const laterFile = path.join(this.dir, journalFileName(later));
          this.log('W', LogIds.journalRemovedAfterTornRecord, { file: laterFile });
          this.fs.remove(laterFile);
        }
        generation = g;
        if (validBytes === 0) this.fs.remove(file);
        break;
      }
    }
    this.log('I', LogIds.journalRecoveryDone, {
      dbpath: this.dir,
      checkpoint: summary.checkpointLoaded,
      recordsReplayed: summary.recordsReplayed,
      bytesCut: summary.bytesCut,
      lastApplied: formatOpTime(persisted.oplog.last() ?? NULL_OPTIME),
    });
    return { storage, persisted, generation, base, checkpointBytes, journalBytes, summary };
  }

  private loadCheckpoint(file: string, persisted: DurableReplState<Config>, storageOptions: StorageOptions): { storage: Storage; journalGeneration: number; base: OpTime | undefined; bytes: number } {
    const bytes = this.fs.readFile(file);
    const scan = scanFrames(bytes, Math.max(this.limits.checkpointBytesMax, this.limits.journalRecordBytesMax));
    // A checkpoint is renamed into place only once complete and synced: any damage is fatal.
    if (scan.badTail !== undefined) throw new JournalError(`${file}: checkpoint is damaged at byte ${scan.validBytes}: ${scan.badTail}`);
    const [headerBytes, storageBytes, ...rest] = scan.frames;
    if (!headerBytes || !storageBytes) throw new JournalError(`${file}: checkpoint is incomplete`);
    const header = decode(headerBytes, file);
    if (header.k !== 'checkpoint' || header.format !== CHECKPOINT_FORMAT) throw new JournalError(`${file}: not a checkpoint`);
    if (header.v !== FORMAT_VERSION) throw new JournalError(`${file}: checkpoint format version ${String(header.v)} is not ${FORMAT_VERSION}`);
    const end = rest.length > 0 ? decode(rest[rest.length - 1]!, file) : undefined;
    if (!end || end.k !== 'end' || end.frames !== scan.frames.length) throw new JournalError(`${file}: checkpoint has no valid end record`);
    const storage = Storage.deserialize(storageBytes, storageOptions);
    persisted.term = Number(header.term);
    persisted.lastVote = { term: Number((header.lastVote as Document).term), candidateIndex: Number((header.lastVote as Document).candidateIndex) };
    persisted.rbid = Number(header.rbid);
    persisted.initialDataOpTime = header.initialData ? opTimeOf(header.initialData) : undefined;
    persisted.initialSyncFlag = header.initialSyncFlag === true;
    persisted.oplogSizeBytes = header.oplogSizeBytes === undefined ? undefined : Number(header.oplogSizeBytes);
    persisted.config = header.config ? this.configCodec.fromDocument(header.config as Document) : undefined;
    persisted.localUuids = header.localUuids ? localUuidsOf(header.localUuids) : {};
    const base = header.base ? opTimeOf(header.base) : undefined;
    const toApply: OplogEntry[] = [];
    for (const frame of rest.slice(0, -1)) {
      const record = decode(frame, file);
      if (record.k === 'oplog') {
        for (const doc of record.e as Document[]) {
          const entry = entryFromBson(doc);
          persisted.oplog.append(entry);
          if (base !== undefined && compareOpTime(entry, base) > 0) toApply.push(entry);
        }
      } else if (record.k === 'rollbackFile') {
        persisted.rollbackFiles.push(rollbackFileOf(record.file as Document));
      } else {
        throw new JournalError(`${file}: unknown checkpoint record ${String(record.k)}`);
      }
    }
    if (persisted.oplog.length !== Number(header.oplogEntries)) throw new JournalError(`${file}: checkpoint holds ${persisted.oplog.length} oplog entries, header says ${String(header.oplogEntries)}`);
    // Storage is as of `base`: re-apply what follows, which gives those entries their undo tokens.
    if (toApply.length > 0) storage.applyOps(toApply);
    return { storage, journalGeneration: Number(header.journalGeneration), base, bytes: bytes.length };
  }

  private replayRecord(record: Document, persisted: DurableReplState<Config>, storage: Storage, file: string): void {
    switch (record.k) {
      case 'oplog': {
        const entries = (record.e as Document[]).map(entryFromBson);
        const last = persisted.oplog.last();
        if (last && entries[0] && compareOpTime(entries[0], last) <= 0) throw new JournalError(`${file}: oplog entry ${formatOpTime(entries[0])} is not after ${formatOpTime(last)}`);
        storage.applyOps(entries);
        for (const entry of entries) persisted.oplog.append(entry);
        return;
      }
      case 'ops':
        storage.applyOps(
          (record.ops as Document[]).map((o) => ({
            op: o.op as OplogEntry['op'],
            ns: String(o.ns),
            ...(o.ui instanceof Binary ? { ui: o.ui } : {}),
            o: o.o as Document,
            ...(o.o2 === undefined ? {} : { o2: o.o2 as Document }),
          })),
        );
        return;
      case 'repl':
        persisted.term = Number(record.term);
        persisted.lastVote = { term: Number((record.lastVote as Document).term), candidateIndex: Number((record.lastVote as Document).candidateIndex) };
        persisted.rbid = Number(record.rbid);
        if (record.initialData) persisted.initialDataOpTime = opTimeOf(record.initialData);
        persisted.initialSyncFlag = record.initialSyncFlag === true;
        if (record.oplogReset === true) persisted.oplog.truncateAfter(-1);
        if (record.oplogSizeBytes !== undefined) persisted.oplogSizeBytes = Number(record.oplogSizeBytes);
        if (record.config) persisted.config = this.configCodec.fromDocument(record.config as Document);
        if (record.localUuids) persisted.localUuids = localUuidsOf(record.localUuids);
        return;
      case 'rollback': {
        const commonPoint = opTimeOf(record.commonPoint);
        const keep = persisted.oplog.indexOf(commonPoint);
        if (keep < 0) throw new JournalError(`${file}: rollback common point ${formatOpTime(commonPoint)} is not in the oplog`);
        const undone = persisted.oplog.truncateAfter(keep);
        storage.undo(undone);
        persisted.rbid = Number(record.rbid);
        persisted.rollbackFiles.push(rollbackFileOf(record.file as Document));
        return;
      }
      default:
        throw new JournalError(`${file}: unknown journal record ${String(record.k)}`);
    }
  }

  // ---- appending (ReplJournal)

  replStateChanged(what: 'term' | 'vote' | 'config' | 'initialData' | 'initialSync' | 'oplogSize', state: DurableReplState<Config>): void {
    this.append(replRecord(state, what === 'config', this.configCodec, what === 'initialSync'));
    this.syncNow();
  }

  oplogAppended(entries: readonly OplogEntry[], fromSyncSource: boolean): void {
    if (entries.length === 0) return;
    this.checkWritable();
    const last = entries[entries.length - 1]!;
    const tail = this.pending[this.pending.length - 1];
    if (tail !== undefined && 'entries' in tail) tail.entries.push(...entries);
    else this.pending.push({ entries: [...entries] });
    this.appended({ ts: last.ts, t: last.t });
    // A secondary's durable optime gates the primary's w:majority: flush now, not at the interval.
    if (fromSyncSource && entries.length > 0) this.requestFlush();
  }

  /** Initial sync's clone: replayed like unreplicated ops, before the oplog entries that follow it. */
  dataCloned(ops: readonly OplogOp[]): void {
    this.unreplicatedOps(ops);
  }

  unreplicatedOps(ops: readonly OplogOp[]): void {
    this.append({ k: 'ops', ops: ops.map((o) => ({ op: o.op, ns: o.ns, ...(o.ui === undefined ? {} : { ui: o.ui }), o: o.o, ...(o.o2 === undefined ? {} : { o2: o.o2 }), ...(o.b === undefined ? {} : { b: o.b }) })) });
  }

  rolledBack(commonPoint: OpTime, file: RollbackFile, state: DurableReplState<Config>): void {
    this.append({ k: 'rollback', commonPoint: opTimeDoc(commonPoint), rbid: state.rbid, file: rollbackFileDoc(file) });
    this.appendedOpTime = commonPoint;
    if (compareOpTime(this.durableOpTimeValue, commonPoint) > 0) this.durableOpTimeValue = commonPoint;
    this.syncNow();
  }

  durableOpTime(): OpTime {
    return this.durableOpTimeValue;
  }

  waitDurable(): Promise<void> {
    if (this.failed) return Promise.reject(this.failed);
    if (this.durableSeq >= this.appendedSeq) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.waiters.push({ seq: this.appendedSeq, resolve, reject });
      this.requestFlush();
    });
  }

  private checkWritable(): void {
    if (this.failed) throw this.failed;
    if (this.closed) throw new JournalError('journal is closed');
  }

  private append(record: Document): void {
    this.checkWritable();
    this.pending.push({ doc: record });
    this.appended(undefined);
  }

  private appended(opTime: OpTime | undefined): void {
    this.appendedSeq++;
    if (opTime) this.appendedOpTime = opTime;
    if (this.timer === undefined) {
      this.timer = this.clock.setTimer(this.limits.journalCommitIntervalMillis, () => {
        this.timer = undefined;
        this.requestFlush();
      });
    }
  }

  /** Encode pending records and hand them to the OS (synchronous, so records reach the file in order). */
  private writePending(): void {
    if (this.pending.length === 0) return;
    const records = this.pending;
    this.pending = [];
    const frames: Uint8Array[] = [];
    for (const record of records) {
      if ('doc' in record) frames.push(this.frameOf(record.doc));
      else this.oplogFrames(record.entries, frames);
    }
    const bytes = frames.length === 1 ? frames[0]! : Buffer.concat(frames);
    this.file.write(bytes);
    this.bytesSinceCheckpoint += bytes.length;
    this.writtenSeq = this.appendedSeq;
  }

  private frameOf(record: Document): Uint8Array {
    const payload = serialize(record);
    if (payload.length > this.limits.journalRecordBytesMax) {
      throw new JournalError(`journal record of ${payload.length} bytes is over journalRecordBytesMax (${this.limits.journalRecordBytesMax})`);
    }
    return encodeFrame(payload);
  }

  /** `oplog` records of at most journalRecordEntriesMax entries; halved until each fits journalRecordBytesMax. */
  private oplogFrames(entries: readonly OplogEntry[], out: Uint8Array[]): void {
    const max = this.limits.journalRecordEntriesMax;
    for (let i = 0; i < entries.length; i += max) {
      const chunk = entries.slice(i, i + max);
      const payload = serialize({ k: 'oplog', e: chunk.map(entryToBson) });
      if (payload.length <= this.limits.journalRecordBytesMax) out.push(encodeFrame(payload));
      else if (chunk.length === 1) this.frameOf({ k: 'oplog', e: chunk.map(entryToBson) });
      else {
        const half = Math.ceil(chunk.length / 2);
        this.oplogFrames(chunk.slice(0, half), out);
        this.oplogFrames(chunk.slice(half), out);
      }
    }
  }

  private syncNow(): void {
    try {
      const seq = this.appendedSeq;
      const opTime = this.appendedOpTime;
      this.writePending();
      this.file.syncNow();
      this.markDurable(seq, opTime);
    } catch (error) {
      this.fail(error);
      throw error;
    }
  }

  private requestFlush(): void {
    if (this.failed || this.closed) return;
    if (this.flushing) {
      this.flushAgain = true;
      return;
    }
    this.flushing = this.runFlush().finally(() => {
      this.flushing = undefined;
      this.maybeCheckpoint();
    });
  }

  private async runFlush(): Promise<void> {
    try {
      do {
        this.flushAgain = false;
        const seq = this.appendedSeq;
        const opTime = this.appendedOpTime;
        if (seq === this.durableSeq) break;
        this.writePending();
        await this.file.sync();
        this.markDurable(seq, opTime);
      } while (this.flushAgain && !this.closed);
    } catch (error) {
      this.fail(error);
    }
  }

  private markDurable(seq: number, opTime: OpTime): void {
    if (seq <= this.durableSeq) return;
    this.durableSeq = seq;
    const advanced = compareOpTime(opTime, this.durableOpTimeValue) !== 0;
    this.durableOpTimeValue = opTime;
    let kept = 0;
    for (const waiter of this.waiters) {
      if (waiter.seq <= seq) waiter.resolve();
      else this.waiters[kept++] = waiter;
    }
    this.waiters.length = kept;
    if (advanced) this.hooks.flushed();
  }

  private fail(error: unknown): void {
    if (this.failed) return;
    this.failed = error instanceof Error ? error : new Error(String(error));
    this.log('F', LogIds.journalWriteFailed, { error: this.failed.message });
    for (const waiter of this.waiters.splice(0)) waiter.reject(this.failed);
    this.onFatal(this.failed);
  }

  // ---- checkpoints

  private maybeCheckpoint(): void {
    if (this.checkpointing || this.flushing || this.closed || this.failed) return;
    const threshold = Math.max(this.limits.checkpointJournalBytesMin, 2 * this.lastCheckpointBytes);
    if (this.bytesSinceCheckpoint < threshold) return;
    void this.checkpoint().catch((error: unknown) => this.fail(error));
  }

  /**
   * Save the whole state, rotate the journal, and remove what the checkpoint covers. The state is
   * captured synchronously (one instant); the file is written off the event loop.
   */
  checkpoint(): Promise<void> {
    if (this.checkpointing) return this.checkpointing;
    if (this.failed) return Promise.reject(this.failed);
    const run = async (): Promise<void> => {
      // An fdatasync in flight must finish before its file is closed by the rotation.
      while (this.flushing) await this.flushing;
      if (this.failed) throw this.failed;
      // Abandoned (the process died) while waiting: a dead process writes nothing.
      if (this.closed) return;
      const nextGeneration = this.generation + 1;
      const chunks = this.capture(nextGeneration);
      // Everything before the capture is in the old journal: make it durable, then switch.
      this.syncNow();
      const oldFile = this.file;
      this.file = this.fs.openAppend(path.join(this.dir, journalFileName(nextGeneration)));
      oldFile.close();
      this.generation = nextGeneration;
      this.file.write(encodeFrame(serialize({ k: 'header', format: JOURNAL_FORMAT, v: FORMAT_VERSION, generation: nextGeneration })));
      this.file.syncNow();
      this.bytesSinceCheckpoint = 0;
      const bytes = chunks.reduce((n, c) => n + c.length, 0);
      const startedMillis = this.clock.now();
      await this.fs.writeFileAtomic(path.join(this.dir, CHECKPOINT_FILE_NAME), chunks);
      this.lastCheckpointBytes = bytes;
      for (const name of this.fs.list(this.dir)) {
        const g = journalGenerationOf(name);
        if (g !== undefined && g < nextGeneration) this.fs.remove(path.join(this.dir, name));
      }
      this.log('I', LogIds.checkpointWritten, { bytes, oplogEntries: this.persisted.oplog.length, journalGeneration: nextGeneration, durationMillis: this.clock.now() - startedMillis });
    };
    this.checkpointing = run().finally(() => {
      this.checkpointing = undefined;
    });
    return this.checkpointing;
  }

  private capture(journalGeneration: number): Uint8Array[] {
    const oplog = this.persisted.oplog;
    let base: OpTime | undefined;
    let view = this.storage;
    if (oplog.length > 0) {
      // Storage as of the commit point (never before the last checkpoint's base: older entries
      // have no undo tokens and are committed anyway), and never past the last entry.
      let point = this.hooks.commitPoint();
      if (this.checkpointBase && compareOpTime(this.checkpointBase, point) > 0) point = this.checkpointBase;
      point = notBeforeInitialData(point, this.persisted.initialDataOpTime, oplog.all());
      const last = oplog.last()!;
      if (compareOpTime(point, last) > 0) point = { ts: last.ts, t: last.t };
      base = isNullOpTime(point) ? NULL_OPTIME : point;
      const after = entriesAfter(oplog, base);
      if (after.length > 0) view = this.storage.viewBefore(after);
    }
    const storageBytes = view.serialize();
    if (storageBytes.length > this.limits.checkpointBytesMax) throw new JournalError(`checkpoint of ${storageBytes.length} bytes is over checkpointBytesMax (${this.limits.checkpointBytesMax})`);
    const state = this.persisted;
    const header: Document = {
      k: 'checkpoint',
      format: CHECKPOINT_FORMAT,
      v: FORMAT_VERSION,
      journalGeneration,
      term: state.term,
      lastVote: { ...state.lastVote },
      rbid: state.rbid,
      oplogEntries: oplog.length,
    };
    if (base) header.base = opTimeDoc(base);
    if (state.initialDataOpTime) header.initialData = opTimeDoc(state.initialDataOpTime);
    if (state.initialSyncFlag) header.initialSyncFlag = true;
    if (state.oplogSizeBytes !== undefined) header.oplogSizeBytes = state.oplogSizeBytes;
    if (state.config) header.config = this.configCodec.toDocument(state.config);
    if (Object.keys(state.localUuids).length > 0) header.localUuids = { ...state.localUuids };
    const frames: Uint8Array[] = [encodeFrame(serialize(header)), encodeFrame(storageBytes)];
    const all = oplog.all();
    const max = this.limits.journalRecordEntriesMax;
    for (let i = 0; i < all.length; i += max) frames.push(encodeFrame(serialize({ k: 'oplog', e: all.slice(i, i + max).map(entryToBson) })));
    for (const file of state.rollbackFiles) frames.push(encodeFrame(serialize({ k: 'rollbackFile', file: rollbackFileDoc(file) })));
    frames.push(encodeFrame(serialize({ k: 'end', frames: frames.length + 1 })));
    this.checkpointBase = base;
    return frames;
  }

  /**
   * The process died (kill -9): records not yet handed to the OS are lost, waiting writes fail,
   * and nothing more is written. What was written stays in the files for the next start to
   * recover (a power loss, which also drops unsynced bytes, is the file system's `crash`).
   */
  abandon(): void {
    if (this.closed) return;
    this.closed = true;
    this.timer?.cancel();
    this.timer = undefined;
    this.pending = [];
    const died = new JournalError('the process died before the journal was synced');
    for (const waiter of this.waiters.splice(0)) waiter.reject(died);
    this.file.close();
  }

  /** Clean shutdown: flush, checkpoint (so the next start is quick), close. */
  async close(options: { checkpoint?: boolean } = {}): Promise<void> {
    if (this.closed) return;
    this.timer?.cancel();
    this.timer = undefined;
    // A failed background checkpoint already went through fail() (logged, onFatal); close() goes on to report `failed`.
    if (this.checkpointing) await this.checkpointing.catch(() => undefined);
    while (this.flushing) await this.flushing;
    if (!this.failed) {
      if (options.checkpoint !== false) await this.checkpoint();
      else this.syncNow();
    }
    this.closed = true;
    this.file.close();
  }
}

/**
 * A checkpoint's base is never before the point initial sync made the data consistent, whatever
 * the commit point: mongod's checkpointer (wiredtiger_kv_engine.cpp, the "three cases") takes a
 * full, unstable checkpoint of the latest data while initial sync runs (initialDataTimestamp is
 * Timestamp(0, 1): the data matches no oplog point) and no stable checkpoint older than the
 * initialDataTimestamp afterwards. Here: not before `initialData`, and not before an entry that
 * storage holds without undo information — the entry initial sync notes before cloning
 * (beginApplyingTimestamp) is in the oplog but its effect came by the clone, so the data cannot be
 * taken back past it (seeds 1004630, 1007642: a member shut down cleanly just after an initial
 * sync whose entries the set had not committed yet failed its checkpoint on that entry). Rollback
 * never needs those entries undone: it refuses a common point before the initial data point
 * (rollbackBeforeInitialData, as rollback_impl.cpp does).
 */
function notBeforeInitialData(point: OpTime, initialData: OpTime | undefined, oplog: readonly OplogEntry[]): OpTime {
  let base = point;
  if (initialData !== undefined && compareOpTime(initialData, base) > 0) base = initialData;
  for (let i = oplog.length - 1; i >= 0; i--) {
    const entry = oplog[i]!;
    if (compareOpTime(entry, base) <= 0) break;
    if (entry.op !== 'n' && !(entry.undo instanceof UndoToken)) return { ts: entry.ts, t: entry.t };
  }
  return base;
}

/**
 * Whether a valid frame starts after the damaged one at `offset`: its stated length (when it fits)
 * tells where the next frame would begin. Zeros or garbage from a torn write do not make one.
 */
function recordsFollow(bytes: Uint8Array, offset: number, payloadBytesMax: number): boolean {
  if (bytes.length - offset < FRAME_HEADER_BYTES) return false;
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(offset, true);
  const next = offset + FRAME_HEADER_BYTES + length;
  if (length > payloadBytesMax || next >= bytes.length) return false;
  const rest = scanFrames(bytes.subarray(next), payloadBytesMax);
  return rest.frames.length > 0;
}

/** The payload as BSON, or undefined when it is not BSON: a probe, whose caller reports what it found. */
function safeDecode(payload: Uint8Array): Document | undefined {
  try {
    return deserialize(payload);
  } catch (_notBson) {
    return undefined;
  }
}
