import type { Document } from 'bson';

/**
 * What a mongod reads of the machine and its own process (util/processinfo_linux.cpp): given to a
 * member by whoever runs it as a process (sim-mongod, `cli/machine.ts`). A member with none (the
 * in-process harness, a simulated host) reports only what it knows, never invented figures.
 */
export interface MachineFacts {
  /** The process's memory now: resident set and virtual size, in bytes. */
  memory(): { residentBytes: number; virtualBytes: number };
  /** The machine, as hostInfo reports it. */
  host(): HostFacts;
}

export interface HostFacts {
  /** The machine's host name (hostInfo adds the port, as mongod's prettyHostName). */
  readonly hostname: string;
  /** 64 or 32. */
  readonly cpuAddrSize: number;
  readonly memSizeMB: number;
  readonly numCores: number;
  /** `x86_64`, `aarch64`, ... (uname -m). */
  readonly cpuArch: string;
  /** `Linux`, `Darwin`, ... */
  readonly osType: string;
  /** The distribution's name (/etc/os-release PRETTY_NAME) when known. */
  readonly osName: string | undefined;
  /** The kernel release (uname -r). */
  readonly osVersion: string;
  /** uname -v (the kernel's build string). */
  readonly versionString: string;
  /** The first CPU's model name and clock (MHz) when the system says. */
  readonly cpuString: string | undefined;
  readonly cpuFrequencyMHz: number | undefined;
}

const MIB_BYTES = 1024 * 1024;

/** serverStatus().mem (ProcessInfo: `bits`, `resident` and `virtual` in MiB, `supported`); without facts, only `bits` and `supported: false`, as mongod on a platform it cannot read. */
export function memSection(facts: MachineFacts | undefined): Document {
  if (facts === undefined) return { bits: 64, supported: false };
  const { residentBytes, virtualBytes } = facts.memory();
  return { bits: 64, resident: Math.round(residentBytes / MIB_BYTES), virtual: Math.round(virtualBytes / MIB_BYTES), supported: true };
}

/**
 * hostInfo (commands/host_info_cmd.cpp, ProcessInfo::getExtraInfo): `system`, `os`, `extra`. With no
 * machine facts the member reports the time and its own name only.
 */
export function hostInfoReply(facts: MachineFacts | undefined, nowMillis: number, memberName: string, port: number): Document {
  if (facts === undefined) return { system: { currentTime: new Date(nowMillis), hostname: memberName }, os: {}, extra: {}, ok: 1 };
  const h = facts.host();
  return {
    system: {
      currentTime: new Date(nowMillis),
      hostname: `${h.hostname}:${port}`,
      cpuAddrSize: h.cpuAddrSize,
      memSizeMB: h.memSizeMB,
      memLimitMB: h.memSizeMB,
      numCores: h.numCores,
      cpuArch: h.cpuArch,
    },
    os: { type: h.osType, ...(h.osName === undefined ? {} : { name: h.osName }), version: h.osVersion },
    extra: {
      versionString: h.versionString,
      kernelVersion: h.osVersion,
      ...(h.cpuString === undefined ? {} : { cpuString: h.cpuString }),
      ...(h.cpuFrequencyMHz === undefined ? {} : { cpuFrequencyMHz: String(h.cpuFrequencyMHz) }),
    },
    ok: 1,
  };
}
