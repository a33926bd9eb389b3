import type { PredictionView } from '@rslab/protocol';

/** A made prediction beside what happened, for a step the learner has moved past. */
export interface PredictionResult {
  /** The text of the choice the learner picked. */
  picked: string;
  /** Whether the pick was what happened; null when the lab could not tell which choice was right. */
  right: boolean | null;
  /** What happened, in Markdown. */
  happened: string;
}

/** Null until the learner predicted and the lab saw the outcome. */
export function predictionResult(prediction: PredictionView | undefined): PredictionResult | null {
  if (!prediction || prediction.chosen === null || prediction.outcome === null) return null;
  const picked = prediction.choices.find((choice) => choice.id === prediction.chosen)?.text ?? prediction.chosen;
  const rightId = prediction.outcome.choiceId;
  return { picked, right: rightId === null ? null : rightId === prediction.chosen, happened: prediction.outcome.text };
}
