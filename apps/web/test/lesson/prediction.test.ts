import { describe, expect, it } from 'vitest';
import type { PredictionView } from '@rslab/protocol';
import { predictionResult } from '../../src/lesson/prediction';

const base: PredictionView = {
  question: 'How long?',
  choices: [
    { id: 'fast', text: 'Under 2 s' },
    { id: 'timeout', text: 'About an election timeout' },
  ],
  chosen: null,
  outcome: null,
};

describe('predictionResult', () => {
  it('is null before the learner predicted, and before the outcome is known', () => {
    expect(predictionResult(undefined)).toBeNull();
    expect(predictionResult(base)).toBeNull();
    expect(predictionResult({ ...base, chosen: 'fast' })).toBeNull();
  });

  it('puts the pick beside what happened, and says whether it was right', () => {
    expect(predictionResult({ ...base, chosen: 'fast', outcome: { choiceId: 'timeout', text: 'It stepped down after 10.2 s.' } })).toEqual({
      picked: 'Under 2 s',
      right: false,
      happened: 'It stepped down after 10.2 s.',
    });
    expect(predictionResult({ ...base, chosen: 'timeout', outcome: { choiceId: 'timeout', text: 'x' } })?.right).toBe(true);
  });

  it('does not judge when the lab could not tell which choice was right', () => {
    expect(predictionResult({ ...base, chosen: 'fast', outcome: { choiceId: null, text: 'No step-down was seen.' } })?.right).toBeNull();
  });
});
