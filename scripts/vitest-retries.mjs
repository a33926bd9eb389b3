// A Vitest reporter for scripts/test-all.mjs: Vitest's JSON report does not say which tests needed
// a retry (`retry` in a config or a test's options), so this one writes them, with their outcome,
// to the file named by RSLAB_VITEST_RETRIES_FILE. A test that passed only on a retry is flaky and
// the tally counts it as failed.
import { writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export default class RetriesReporter {
  retried = [];

  onTestCaseResult(testCase) {
    const retries = testCase.diagnostic()?.retryCount ?? 0;
    if (retries === 0) return;
    this.retried.push({
      name: `${relative(process.cwd(), testCase.module.moduleId)} > ${testCase.fullName}`,
      retries,
      state: testCase.result().state,
    });
  }

  onTestRunEnd() {
    const file = process.env.RSLAB_VITEST_RETRIES_FILE;
    if (file) writeFileSync(file, JSON.stringify(this.retried, null, 2));
  }
}
