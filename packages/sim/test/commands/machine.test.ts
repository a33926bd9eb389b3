import { describe, expect, it } from 'vitest';
import { hostInfoReply, memSection } from '../../src/commands/machine';
import type { MachineFacts } from '../../src/commands/machine';

describe('machine facts (processinfo_linux.cpp, host_info_cmd.cpp)', () => {
  const facts: MachineFacts = {
    memory: () => ({ residentBytes: 73 * 1024 * 1024, virtualBytes: 1033 * 1024 * 1024 }),
    host: () => ({ hostname: 'vm', cpuAddrSize: 64, memSizeMB: 24105, numCores: 2, cpuArch: 'x86_64', osType: 'Linux', osName: 'Debian GNU/Linux 12 (bookworm)', osVersion: '6.1.0', versionString: '#1 SMP', cpuString: 'Xeon', cpuFrequencyMHz: undefined }),
  };

  it('mem is the process\'s resident and virtual MiB; hostInfo the machine, its host name with the port', () => {
    expect(memSection(facts)).toEqual({ bits: 64, resident: 73, virtual: 1033, supported: true });
    const reply = hostInfoReply(facts, 0, '127.0.0.1:27017', 27017);
    expect(reply.system).toMatchObject({ hostname: 'vm:27017', memSizeMB: 24105, numCores: 2, cpuArch: 'x86_64' });
    expect(reply.os).toEqual({ type: 'Linux', name: 'Debian GNU/Linux 12 (bookworm)', version: '6.1.0' });
    expect(reply.extra).not.toHaveProperty('cpuFrequencyMHz');
  });

  it('without facts hostInfo says only what the member knows: no invented memory or cores', () => {
    const reply = hostInfoReply(undefined, 0, 'h1:27017', 27017);
    expect(reply.system).toEqual({ currentTime: new Date(0), hostname: 'h1:27017' });
    expect(reply.os).toEqual({});
  });
});
