/** Node's `assert`, as Babel (inside mongosh's async rewriter) calls it. */
export default function assert(condition: unknown, message?: string): asserts condition {
  if (!condition) throw new Error(message ?? 'Assertion failed');
}
