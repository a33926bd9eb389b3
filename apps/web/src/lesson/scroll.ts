/** Where the lesson pane scrolls to keep the step being worked on in view. All values are px inside the pane's content. */
export interface StepScroll {
  /** The pane's scroll position now, and its visible height. */
  scrollTop: number;
  clientHeight: number;
  /** The current step's top and bottom edges, in the pane's content. */
  stepTop: number;
  stepBottom: number;
  /** The step is the lesson's first: the lesson's title and picker sit above it. */
  first: boolean;
}

/** Space kept between the step and the pane's edge. */
const marginPx = 8;

/**
 * The pane's new scroll position. The step's top must show; a step that fits shows whole, with as
 * little scrolling as can do it; one taller than the pane is left alone while a third of the pane
 * shows of it, else its top goes to the pane's top. A lesson's first step keeps the pane at the top
 * when it can, so a newcomer sees which lesson this is, and the lesson picker, before step 1.
 */
export function stepScrollTop({ scrollTop, clientHeight, stepTop, stepBottom, first }: StepScroll): number {
  const top = Math.max(0, stepTop - marginPx);
  const bottom = stepBottom + marginPx;
  const enough = Math.min(bottom - top, clientHeight / 3);
  if (first && top + enough <= clientHeight) return 0;
  if (top < scrollTop) return top;
  if (bottom <= scrollTop + clientHeight) return scrollTop;
  if (bottom - top <= clientHeight) return bottom - clientHeight;
  return scrollTop + clientHeight - top >= enough ? scrollTop : top;
}
