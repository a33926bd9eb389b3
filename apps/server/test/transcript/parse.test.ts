import { describe, expect, it } from 'vitest';
import { matches, parseDuration, parseTranscript, TranscriptSyntaxError } from '../../src/transcript/parse';

describe('parseTranscript', () => {
  it('reads lines, tabs, waits, controls and expectations', () => {
    const steps = parseTranscript(
      [
        '# The walkthrough',
        '# tab:servers',
        'hostname',
        '# expect morton.local',
        '# wait 1.5s',
        '# control kill primary',
        '# tab:client',
        'db.test.find_one()',
        '# expect /AutoReconnect|ServerSelectionTimeoutError/',
        '# expect-not Traceback',
        '# until /27018|27019/ 30s',
        '',
      ].join('\n'),
    );
    expect(steps.map((s) => s.kind)).toEqual(['tab', 'line', 'expect', 'wait', 'control', 'tab', 'line', 'expect', 'expect', 'until']);
    expect(steps[3]).toMatchObject({ kind: 'wait', millis: 1500 });
    expect(steps[4]).toMatchObject({ kind: 'control', action: 'kill', args: ['primary'] });
    const regex = steps[7];
    expect(regex?.kind === 'expect' && matches(regex.matcher, 'pymongo.errors.AutoReconnect: x')).toBe(true);
    expect(steps[8]).toMatchObject({ negate: true });
    expect(steps[9]).toMatchObject({ kind: 'until', withinMillis: 30_000 });
  });

  it('reports bad durations and regexes with their line number', () => {
    expect(() => parseTranscript('# wait soon')).toThrow(TranscriptSyntaxError);
    expect(() => parseTranscript('x\n# expect /(/')).toThrow(/line 2: bad regular expression/);
    expect(parseDuration('2m', 1)).toBe(120_000);
    expect(parseDuration('250ms', 1)).toBe(250);
  });
});
