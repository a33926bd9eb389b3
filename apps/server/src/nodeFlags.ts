/**
 * Node options the server runs with. A young generation of 64 MiB per semi-space (V8's default is
 * 16) lets the objects a sandbox makes for one command, one heartbeat or one driver round trip
 * die young instead of being promoted and swept by full collections, whose pauses stall every
 * sandbox at once (docs/BENCHMARKS.md, Sandboxes). `pnpm start` sets them through NODE_OPTIONS.
 */
export const serverNodeOptions = '--max-semi-space-size=64';

/** Whether a process with these arguments and environment runs with `serverNodeOptions`. */
export function runsWithServerNodeOptions(execArgv: readonly string[], env: NodeJS.ProcessEnv): boolean {
  const given = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)];
  return serverNodeOptions.split(' ').every((option) => given.includes(option));
}
