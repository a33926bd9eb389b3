import { Long } from 'bson';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKET_LOWER_BOUNDS_MICROS, OperationStats, latencyClassOf } from '../../src/commands/operationStats';

// db/stats/operation_latency_histogram.cpp: 51 buckets whose lower bounds are 0 and the powers of
// two to 2^40, the ranges [2^11, 2^21) split in halves; only non-empty buckets are reported, as
// {micros: lower bound, count}, before latency and ops. Command::ReadWriteType classes the commands.
describe('OperationStats', () => {
  it('has mongod\'s 51 histogram buckets', () => {
    expect(LATENCY_BUCKET_LOWER_BOUNDS_MICROS).toHaveLength(51);
    expect(LATENCY_BUCKET_LOWER_BOUNDS_MICROS.slice(0, 16)).toEqual([0, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3072, 4096, 6144, 8192]);
    expect(LATENCY_BUCKET_LOWER_BOUNDS_MICROS.slice(29, 33)).toEqual([1048576, 1572864, 2097152, 4194304]);
    expect(LATENCY_BUCKET_LOWER_BOUNDS_MICROS.at(-1)).toBe(1099511627776);
  });

  it('puts each latency in the bucket of the largest bound at or under it, and classes commands as mongod does', () => {
    const stats = new OperationStats();
    const done = (first: string, latencyMicros: number) => stats.record({ first, namespace: 'test.c', latencyMicros, reply: { ok: 1 }, unknown: false, internalError: false });
    done('find', 0);
    done('find', 3000);
    done('getMore', 3071);
    done('insert', 5000);
    done('commitTransaction', 1000);
    done('hello', 2);
    const doc = stats.latencies.toDocument(true);
    expect(doc.reads).toEqual({ histogram: [{ micros: Long.fromNumber(0), count: Long.fromNumber(1) }, { micros: Long.fromNumber(2048), count: Long.fromNumber(2) }], latency: Long.fromNumber(6071), ops: Long.fromNumber(3) });
    expect(doc.writes.histogram).toEqual([{ micros: Long.fromNumber(4096), count: Long.fromNumber(1) }]);
    expect(doc.transactions.ops).toEqual(Long.fromNumber(1));
    expect(doc.commands.histogram).toEqual([{ micros: Long.fromNumber(2), count: Long.fromNumber(1) }]);
    expect(stats.latencies.toDocument().reads).toEqual({ latency: Long.fromNumber(6071), ops: Long.fromNumber(3) });
    expect(stats.collectionLatencies('test.c').reads).toEqual({ latency: Long.fromNumber(6071), ops: Long.fromNumber(3) });
    expect(stats.collectionLatencies('test.other').reads).toEqual({ latency: Long.ZERO, ops: Long.ZERO });
    expect(['aggregate', 'count', 'distinct', 'findandmodify', 'aborttransaction', 'serverstatus'].map(latencyClassOf)).toEqual(['reads', 'reads', 'reads', 'writes', 'transactions', 'commands']);
  });

  it('counts commands by the name mongod registers, failures, unknown commands and user asserts', () => {
    const stats = new OperationStats();
    stats.record({ first: 'ismaster', namespace: undefined, latencyMicros: 0, reply: { ok: 1 }, unknown: false, internalError: false });
    stats.record({ first: 'insert', namespace: 'a.b', latencyMicros: 0, reply: { ok: 0, codeName: 'WriteConflict' }, unknown: false, internalError: false });
    stats.record({ first: 'bogus', namespace: undefined, latencyMicros: 0, reply: { ok: 0, codeName: 'CommandNotFound' }, unknown: true, internalError: false });
    stats.record({ first: 'find', namespace: 'a.b', latencyMicros: 0, reply: { ok: 0 }, unknown: false, internalError: true });
    const commands = stats.commandsDocument();
    expect(Object.keys(commands)).toEqual(['<UNKNOWN>', 'find', 'insert', 'isMaster']);
    expect(commands.insert).toEqual({ failed: Long.fromNumber(1), total: Long.fromNumber(1) });
    expect(commands['<UNKNOWN>']).toEqual(Long.fromNumber(1));
    expect(stats.assertsDocument()).toMatchObject({ user: 2, regular: 1 });
    expect(stats.writeConflicts).toBe(1);
  });
});
