/**
 * Edit distance and "did you mean" for every name an operator types: commands, flags, tables,
 * profile keys, config keys and node addresses. Here because every layer above the wire may import
 * src/cluster.
 */

/** Two rows reused by every call (grown on demand): a did-you-mean search over a config section runs it per known key. */
let rowA = new Uint16Array(64);
let rowB = new Uint16Array(64);

/**
 * Levenshtein distance (insert, delete, substitute; no transpositions). With `max`, it stops as
 * soon as the distance must exceed it and returns `max + 1`.
 */
export function editDistance(a: string, b: string, max = Number.MAX_SAFE_INTEGER): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const n = b.length;
  if (rowA.length <= n) {
    rowA = new Uint16Array(n + 1);
    rowB = new Uint16Array(n + 1);
  }
  let prev = rowA;
  let cur = rowB;
  for (let j = 0; j <= n; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const ca = a.charCodeAt(i - 1);
    cur[0] = i;
    let rowMin = i;
    for (let j = 1; j <= n; j++) {
      let v = prev[j - 1]! + (ca === b.charCodeAt(j - 1) ? 0 : 1);
      const del = prev[j]! + 1;
      if (del < v) v = del;
      const ins = cur[j - 1]! + 1;
      if (ins < v) v = ins;
      cur[j] = v;
      if (v < rowMin) rowMin = v;
    }
    if (rowMin > max) return max + 1;
    const t = prev;
    prev = cur;
    cur = t;
  }
  return prev[n]!;
}

/**
 * The candidate a mistyped `word` most likely meant, ignoring case; the first one on a tie.
 * Undefined when none is close enough to be a typo: at most 2 edits, or one per 5 characters of
 * a longer word (long config keys share long prefixes, so a looser bound names unrelated keys).
 */
export function didYouMean(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  const max = Math.max(2, Math.floor(word.length / 5));
  let best: string | undefined;
  let bestD = max + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase(), max);
    if (d < bestD) [best, bestD] = [c, d];
    if (d === 0) break;
  }
  return best;
}
