/** OpenSSH's match.c: `*` and `?` wildcards, and comma-separated lists with `!` negation. */

/** match_pattern(): the whole of `s` against one pattern; case-sensitive. Iterative (no backtracking blow-up). */
export function matchPattern(s: string, pattern: string): boolean {
  let si = 0;
  let pi = 0;
  let star = -1;
  let mark = 0;
  while (si < s.length) {
    if (pi < pattern.length && (pattern[pi] === '?' || pattern[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < pattern.length && pattern[pi] === '*') {
      star = pi++;
      mark = si;
    } else if (star >= 0) {
      pi = star + 1;
      si = ++mark;
    } else {
      return false;
    }
  }
  while (pi < pattern.length && pattern[pi] === '*') pi++;
  return pi === pattern.length;
}

/**
 * match_pattern_list(): true when some pattern of the comma-separated list matches and no negated
 * (`!pat`) one does. `lower`: the patterns are lowercased first (host names).
 */
export function matchPatternList(s: string, list: string, lower = false): boolean {
  let positive = false;
  for (let p of list.split(',')) {
    if (lower) p = p.toLowerCase();
    const negated = p.startsWith('!');
    if (negated) p = p.slice(1);
    if (matchPattern(s, p)) {
      if (negated) return false;
      positive = true;
    }
  }
  return positive;
}

/** True when a Host pattern names one concrete host (no wildcard, no negation). */
export function isConcreteHost(pattern: string): boolean {
  return pattern !== '' && !/[*?!]/.test(pattern);
}
