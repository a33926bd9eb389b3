import { describe, expect, it } from 'vitest';
import { openFilesLimit, openFilesNow, openFilesPerSandboxEstimate, openFilesShortfall } from '../src/openFiles';

// Linux's /proc/PID/limits (proc(5)): a header, then one row per resource with its soft and hard limit.
const limits = (soft: string) => `Limit                     Soft Limit           Hard Limit           Units     
Max cpu time              unlimited            unlimited            seconds   
Max open files            ${soft.padEnd(20)} 20000                files     
Max locked memory         8388608              8388608              bytes     
`;

describe('open files', () => {
  it("reads the soft limit on open files from the process's limits", () => {
    expect(openFilesLimit(limits('20000'))).toBe(20_000);
    expect(openFilesLimit(limits('unlimited'))).toBe(Number.POSITIVE_INFINITY);
    expect(openFilesLimit('no such row')).toBeNull();
    expect(openFilesLimit(null)).toBeNull();
  });

  it('says how many sandboxes fit when the limit is below what sandboxesMax would hold, and nothing when it is not', () => {
    const fitting = Math.floor(20_000 / openFilesPerSandboxEstimate);
    expect(openFilesShortfall(fitting, 20_000)).toBeNull();
    const shortfall = openFilesShortfall(fitting + 1, 20_000);
    expect(shortfall).toContain(`about ${(fitting + 1) * openFilesPerSandboxEstimate} open files`);
    expect(shortfall).toContain(`about ${fitting} sandboxes fit`);
    expect(openFilesShortfall(fitting + 1, null)).toBeNull();
  });

  it.runIf(process.platform === 'linux')('counts the files this process has open', () => {
    expect(openFilesNow()).toBeGreaterThan(2);
    expect(openFilesLimit()).toBeGreaterThan(0);
  });
});
