/**
 * A count and its noun, in agreement: `counted(1, 'secondary')` is "1 secondary",
 * `counted(3, 'secondary')` is "3 secondaries". Regular English plurals are derived; pass
 * `plural` for the irregular ones.
 */
export function counted(count: number, singular: string, plural?: string): string {
  if (!Number.isFinite(count)) throw new RangeError(`count must be finite, got ${count}`);
  return `${count} ${count === 1 ? singular : (plural ?? pluralOf(singular))}`;
}

/** The regular plural of an English noun (the last word of `noun` when it has several). */
export function pluralOf(noun: string): string {
  if (noun.length === 0) throw new RangeError('pluralOf needs a noun');
  if (/[^aeiou]y$/i.test(noun)) return `${noun.slice(0, -1)}ies`;
  if (/(s|x|z|ch|sh)$/i.test(noun)) return `${noun}es`;
  return `${noun}s`;
}
