/**
 * The full-text semantics every ReadModelStore implements: whole words, case-insensitive, no
 * stemming, no prefixes, every query word required. Words are maximal runs of Unicode letters,
 * combining marks and digits, so punctuation and hyphens separate words ("Mary-Jane" = mary, jane).
 * Other adapters can feed `wordsOf` output to their engine (PostgreSQL 'simple' lexemes, MongoDB
 * quoted terms) so all stores agree on what a word is.
 */

const WORD = /[\p{L}\p{M}\p{N}]+/gu;

/** The distinct words of a text, lower-cased, in order of first appearance. */
export const wordsOf = (text: string): string[] => [...new Set(text.normalize('NFC').toLowerCase().match(WORD) ?? [])];

export interface TextField {
  readonly field: string;
  readonly weight: number;
}

/** The strings at a dotted path; arrays met on the way are flattened (so "products.name" reads every product's name). */
export const stringsAt = (value: unknown, path: readonly string[]): string[] => {
  if (Array.isArray(value)) return value.flatMap((element) => stringsAt(element, path));
  if (path.length === 0) return typeof value === 'string' ? [value] : [];
  if (value === null || typeof value !== 'object') return [];
  const [head, ...rest] = path as [string, ...string[]];
  return stringsAt((value as Record<string, unknown>)[head], rest);
};

/** Per word, the sum of the weights of the fields it occurs in (each field counts once, however often the word appears). */
export type WordWeights = ReadonlyMap<string, number>;

export const wordWeightsOf = (data: unknown, fields: readonly TextField[]): WordWeights => {
  const weights = new Map<string, number>();
  for (const { field, weight } of fields) {
    const words = new Set(stringsAt(data, field.split('.')).flatMap(wordsOf));
    for (const word of words) weights.set(word, (weights.get(word) ?? 0) + weight);
  }
  return weights;
};

/** The score of a document for the query words: null unless every word occurs; otherwise the sum of their weights. */
export const scoreOf = (weights: WordWeights, queryWords: readonly string[]): number | null => {
  let score = 0;
  for (const word of queryWords) {
    const weight = weights.get(word);
    if (weight === undefined) return null;
    score += weight;
  }
  return score;
};
