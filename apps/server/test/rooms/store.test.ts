import { describe, expect, it } from 'vitest';
import {
  MongoBulkWriteError,
  MongoError,
  MongoNetworkError,
  MongoNetworkTimeoutError,
  MongoNotConnectedError,
  MongoOperationTimeoutError,
  MongoServerClosedError,
  MongoServerError,
  MongoServerSelectionError,
  MongoTopologyClosedError,
  MongoWriteConcernError,
  type MongoClient,
  type TopologyDescription,
} from 'mongodb';
import { isStoreUnavailable, MongoProgressStore, StoreUnavailableError, type ProgressRecord } from '../../src/rooms/store';

/** A server error as the driver builds it from a reply `{ ok: 0, code, codeName, errmsg }`. */
function serverError(code: number, codeName: string, errorLabels: string[] = []): MongoServerError {
  return new MongoServerError({ ok: 0, code, codeName, errmsg: `${codeName} (test)`, errorLabels });
}

/** A write concern error as the driver builds it from `{ ok: 1, writeConcernError: { … } }`. */
function writeConcernError(code: number, codeName: string): MongoWriteConcernError {
  return new MongoWriteConcernError({ ok: 1, writeConcernError: { code, codeName, errmsg: `${codeName} (test)` } });
}

const noTopology = { type: 'ReplicaSetNoPrimary', servers: new Map() } as unknown as TopologyDescription;

/**
 * What the driver throws while the set elects, or is out of reach: not acknowledged, retry later.
 * Codes: the retryable writes specification ("Determining Retryable Errors") and the retryable
 * reads one list these; mongod's error_codes.yml names them.
 */
const unavailable: [string, unknown][] = [
  ['MongoServerSelectionError (no primary within the deadline)', new MongoServerSelectionError('Server selection timed out after 15000 ms', noTopology)],
  ['MongoOperationTimeoutError (CSOT timeoutMS expired)', new MongoOperationTimeoutError('Timed out during server selection')],
  ['MongoNetworkError (the primary was killed mid-operation)', new MongoNetworkError('connection 4 to 127.0.0.1:27018 closed')],
  ['MongoNetworkTimeoutError', new MongoNetworkTimeoutError('connection timed out')],
  ['MongoTopologyClosedError', new MongoTopologyClosedError()],
  ['MongoNotConnectedError', new MongoNotConnectedError('client not connected')],
  ['MongoServerClosedError', new MongoServerClosedError()],
  ['NotWritablePrimary 10107', serverError(10107, 'NotWritablePrimary')],
  ['LegacyNotPrimary 10058', serverError(10058, 'LegacyNotPrimary')],
  ['NotPrimaryNoSecondaryOk 13435', serverError(13435, 'NotPrimaryNoSecondaryOk')],
  ['NotPrimaryOrSecondary 13436', serverError(13436, 'NotPrimaryOrSecondary')],
  ['PrimarySteppedDown 189', serverError(189, 'PrimarySteppedDown')],
  ['InterruptedDueToReplStateChange 11602', serverError(11602, 'InterruptedDueToReplStateChange')],
  ['InterruptedAtShutdown 11600', serverError(11600, 'InterruptedAtShutdown')],
  ['ShutdownInProgress 91', serverError(91, 'ShutdownInProgress')],
  ['HostUnreachable 6', serverError(6, 'HostUnreachable')],
  ['HostNotFound 7', serverError(7, 'HostNotFound')],
  ['NetworkTimeout 89', serverError(89, 'NetworkTimeout')],
  ['SocketException 9001', serverError(9001, 'SocketException')],
  ['ExceededTimeLimit 262', serverError(262, 'ExceededTimeLimit')],
  ['ReadConcernMajorityNotAvailableYet 134 (a majority read on a new primary)', serverError(134, 'ReadConcernMajorityNotAvailableYet')],
  ['MaxTimeMSExpired 50 (our deadline, sent as maxTimeMS)', serverError(50, 'MaxTimeMSExpired')],
  ['any code the driver labelled RetryableWriteError', serverError(99999, 'Unknown', ['RetryableWriteError'])],
  ['WriteConcernTimeout 64 as a writeConcernError', writeConcernError(64, 'WriteConcernTimeout')],
  ['ShutdownInProgress 91 as a writeConcernError', writeConcernError(91, 'ShutdownInProgress')],
  ['InterruptedDueToReplStateChange 11602 as a writeConcernError', writeConcernError(11602, 'InterruptedDueToReplStateChange')],
  ['UnsatisfiableWriteConcern 100 as a writeConcernError (members down)', writeConcernError(100, 'UnsatisfiableWriteConcern')],
  ['InterruptedAtShutdown 11600 as a writeConcernError (the sim on SIGTERM)', writeConcernError(11600, 'InterruptedAtShutdown')],
];

/** Node's socket errors that mongodb 7.5.0 passes on unwrapped (a write that waited for 'drain'; seen in the rooms-cluster e2e). */
const socketError = (code: string, syscall: string) => Object.assign(new Error(`${syscall} ${code}`), { code, syscall, errno: -104 });
const unwrappedSocketErrors: [string, unknown][] = [
  ['write ECONNRESET (the primary killed mid-write)', socketError('ECONNRESET', 'write')],
  ['write EPIPE', socketError('EPIPE', 'write')],
  // Node's writeAfterFIN: no syscall.
  ['EPIPE "This socket has been ended by the other party"', Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' })],
  ['connect ECONNREFUSED', socketError('ECONNREFUSED', 'connect')],
];

/** Bugs and refusals: a retry would get the same answer, so they stay errors (500). */
const notUnavailable: [string, unknown][] = [
  ['DuplicateKey 11000', serverError(11000, 'DuplicateKey')],
  ['BadValue 2', serverError(2, 'BadValue')],
  ['Unauthorized 13', serverError(13, 'Unauthorized')],
  ['a TypeError of ours', new TypeError('x is undefined')],
  ['a plain Error', new Error('boom')],
  ['a file error of ours that happens to carry a code', Object.assign(new Error('ENOENT'), { code: 'ENOENT', syscall: 'open' })],
];

describe('isStoreUnavailable: which driver errors become 503 + Retry-After', () => {
  it.each(unavailable)('%s', (_, error) => {
    expect(error).toBeInstanceOf(MongoError);
    expect(isStoreUnavailable(error)).toBe(true);
  });
  it.each(unwrappedSocketErrors)('%s, not wrapped by the driver', (_, error) => {
    expect(error).not.toBeInstanceOf(MongoError);
    expect(isStoreUnavailable(error)).toBe(true);
  });
  it.each(notUnavailable)('not: %s', (_, error) => {
    expect(isStoreUnavailable(error)).toBe(false);
  });
});

/** A driver client whose collections answer what a test scripts, for the store's own mapping. */
function scriptedClient(answers: { insertOne?: () => unknown; findOne?: () => unknown; updateOne?: () => unknown }): MongoClient {
  const call = (name: keyof typeof answers) => async () => {
    const answer = answers[name];
    if (!answer) throw new Error(`${name} not scripted`);
    return answer();
  };
  const collection = { insertOne: call('insertOne'), findOne: call('findOne'), updateOne: call('updateOne') };
  return { db: () => ({ collection: () => collection }), on: () => undefined, close: async () => undefined } as unknown as MongoClient;
}

const join: ProgressRecord = {
  _id: 'hash-of-token',
  roomCode: 'ABCDEF',
  attendeeId: 'a-1',
  name: 'Ada',
  mode: 'live',
  hasOwn: false,
  lessonId: 'walkthrough',
  stepId: null,
  doneStepIds: [],
  stepSince: new Date(0),
  updatedAt: new Date(0),
  joinedAt: new Date(0),
  lastSeenAt: new Date(0),
  onlineUntil: new Date(0),
} as ProgressRecord;

function store(answers: Parameters<typeof scriptedClient>[0]): MongoProgressStore {
  return new MongoProgressStore(scriptedClient(answers), { kind: 'mongodb', deadlineMillis: 20_000, retryAfterSeconds: 3 });
}

describe('MongoProgressStore maps what the driver throws', () => {
  it.each([...unavailable, ...unwrappedSocketErrors])('%s → StoreUnavailableError with retryAfterSeconds and the cause', async (_, error) => {
    const rejected = await store({ insertOne: () => Promise.reject(error) }).insertProgress(join).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(StoreUnavailableError);
    expect((rejected as StoreUnavailableError).retryAfterSeconds).toBe(3);
    expect((rejected as StoreUnavailableError).cause).toBe(error);
    expect((rejected as Error).message).toMatch(/did not acknowledge the join within 20 s/);
  });

  it('a join sent again after it landed (DuplicateKey, same attendee read back) is stored', async () => {
    await expect(store({ insertOne: () => Promise.reject(serverError(11000, 'DuplicateKey')), findOne: () => ({ ...join }) }).insertProgress(join)).resolves.toBeUndefined();
  });

  it('DuplicateKey whose document a majority read does not see yet (new primary, commit point behind) → 503, not 500', async () => {
    // The e2e run that answered 500 during an election: the first join landed on the old primary,
    // the page sent it again to the new one, whose majority read-back did not see it yet.
    const rejected = await store({ insertOne: () => Promise.reject(serverError(11000, 'DuplicateKey')), findOne: () => null }).insertProgress(join).catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(StoreUnavailableError);
  });

  it('DuplicateKey of another attendee stays an error (a bug, not an election)', async () => {
    const duplicate = serverError(11000, 'DuplicateKey');
    const rejected = await store({ insertOne: () => Promise.reject(duplicate), findOne: () => ({ ...join, attendeeId: 'a-2' }) }).insertProgress(join).catch((e: unknown) => e);
    expect(rejected).toBe(duplicate);
  });

  it('the read-back itself failing in the election → StoreUnavailableError', async () => {
    const rejected = await store({ insertOne: () => Promise.reject(serverError(11000, 'DuplicateKey')), findOne: () => Promise.reject(serverError(10107, 'NotWritablePrimary')) })
      .insertProgress(join)
      .catch((e: unknown) => e);
    expect(rejected).toBeInstanceOf(StoreUnavailableError);
  });

  it('a bulk write error carrying a writeConcernError (the write applied, not acknowledged) → StoreUnavailableError', async () => {
    const bulk = new MongoBulkWriteError(
      { message: 'write concern', code: 64, writeConcernError: { code: 64, errmsg: 'waiting for replication timed out' } } as never,
      { insertedCount: 1, matchedCount: 0, modifiedCount: 0, deletedCount: 0, upsertedCount: 0, upsertedIds: {}, insertedIds: {} } as never,
    );
    expect(isStoreUnavailable(bulk)).toBe(true);
  });
});
