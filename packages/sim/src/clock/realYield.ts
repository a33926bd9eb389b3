/**
 * Let every pending promise continuation run: resolves on the next macrotask, by which time Node
 * has drained the whole microtask queue. Used by VirtualClock's async runners; it touches the real
 * event loop but no real time, so virtual runs stay deterministic.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
