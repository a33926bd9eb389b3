import * as fs from 'node:fs';
import * as os from 'node:os';
import { describe, expect, it } from 'vitest';
import { processMachineFacts } from '../../src/cli/machine';

// util/processinfo_linux.cpp: resident and virtual size of the process (/proc/self/statm), the
// machine's memory and cores, the distribution's PRETTY_NAME from /etc/os-release, uname.
describe('processMachineFacts', () => {
  it('reads this process and this machine', () => {
    const facts = processMachineFacts();
    const { residentBytes, virtualBytes } = facts.memory();
    expect(Math.abs(residentBytes - process.memoryUsage.rss())).toBeLessThan(64 * 1024 * 1024);
    expect(virtualBytes).toBeGreaterThanOrEqual(residentBytes);
    const host = facts.host();
    expect(host).toMatchObject({ hostname: os.hostname(), numCores: os.availableParallelism(), memSizeMB: Math.floor(os.totalmem() / 1024 / 1024), cpuArch: os.machine(), osType: os.type(), osVersion: os.release() });
    if (fs.existsSync('/etc/os-release')) expect(fs.readFileSync('/etc/os-release', 'utf8')).toContain(`PRETTY_NAME="${host.osName}"`);
  });
});
