import * as fs from 'node:fs';
import * as os from 'node:os';
import type { HostFacts, MachineFacts } from '../commands/machine';

/** The distribution's PRETTY_NAME from /etc/os-release, as mongod's processinfo_linux.cpp reads it; undefined off Linux or without the file. */
function osReleaseName(): string | undefined {
  try {
    const text = fs.readFileSync('/etc/os-release', 'utf8');
    const line = text.split('\n').find((l) => l.startsWith('PRETTY_NAME='));
    return line === undefined ? undefined : line.slice('PRETTY_NAME='.length).replace(/^"|"$/g, '');
  } catch {
    // Not Linux, or no os-release: hostInfo leaves os.name out rather than guess.
    return undefined;
  }
}

/** The process's virtual size in bytes: /proc/self/statm's first field (pages) on Linux; elsewhere the heap V8 reserved, the part node can tell. */
function virtualBytes(): number {
  try {
    const pages = Number(fs.readFileSync('/proc/self/statm', 'utf8').split(' ')[0]);
    if (Number.isFinite(pages)) return pages * 4096;
  } catch {
    // No /proc (not Linux): fall back below.
  }
  const usage = process.memoryUsage();
  return usage.heapTotal + usage.external + usage.arrayBuffers;
}

/** This sim-mongod process and the machine it runs on, read when asked. */
export function processMachineFacts(): MachineFacts {
  let host: HostFacts | undefined;
  return {
    memory: () => ({ residentBytes: process.memoryUsage.rss(), virtualBytes: virtualBytes() }),
    host: () => {
      if (host !== undefined) return host;
      const cpus = os.cpus();
      const first = cpus[0];
      host = {
        hostname: os.hostname(),
        cpuAddrSize: /64/.test(os.arch()) ? 64 : 32,
        memSizeMB: Math.floor(os.totalmem() / (1024 * 1024)),
        numCores: os.availableParallelism(),
        cpuArch: os.machine(),
        osType: os.type(),
        osName: osReleaseName(),
        osVersion: os.release(),
        versionString: os.version(),
        cpuString: first?.model,
        cpuFrequencyMHz: first === undefined || first.speed === 0 ? undefined : first.speed,
      };
      return host;
    },
  };
}
