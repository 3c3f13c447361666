/** "Did you mean …?" for misspelt keys and enum values. */

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}

const squash = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** The candidates close to `word` (case, `_` and `-` ignored), closest first. */
export function closeMatches(word: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string[] {
  const w = squash(word);
  const alias = aliases[w];
  if (alias && candidates.includes(alias)) return [alias];
  const limit = Math.max(1, Math.floor(w.length / 3));
  return candidates
    .map((c) => ({ c, d: squash(c) === w ? 0 : editDistance(w, squash(c)) }))
    .filter(({ c, d }) => d <= limit || (w.length >= 4 && squash(c).includes(w)))
    .sort((x, y) => x.d - y.d)
    .map(({ c }) => c);
}

/** `did you mean "host"?` or `allowed: a, b, c` when nothing is close. */
export function suggestion(word: string, candidates: readonly string[], aliases: Readonly<Record<string, string>> = {}): string {
  const close = closeMatches(word, candidates, aliases);
  if (close.length > 0) return `did you mean ${close.slice(0, 3).map((c) => `"${c}"`).join(' or ')}?`;
  return `allowed: ${candidates.join(', ')}`;
}
