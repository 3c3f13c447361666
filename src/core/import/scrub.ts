/**
 * `--scrub`: the source file rewritten without the secrets that are now in the OS keychain, as text
 * edits (JSON: the members; FileZilla: the <Pass> elements; WinSCP: the Password lines), so comments,
 * order and everything else stay as they were. The caller re-reads the result to prove only those
 * secrets went (see importProfiles), and writes it atomically in place: no backup copy, since a
 * backup would be one more file holding the very secret being removed.
 */
import { formatJsonPath, parseJsonc } from '../profiles/jsonc';

type Path = (string | number)[];
interface Cut {
  start: number;
  end: number;
}

/** Widens a cut to whole lines when the cut text stood alone on its line(s). */
function wholeLines(text: string, cut: Cut): Cut {
  let s = cut.start;
  while (s > 0 && (text[s - 1] === ' ' || text[s - 1] === '\t')) s--;
  let e = cut.end;
  while (e < text.length && (text[e] === ' ' || text[e] === '\t')) e++;
  const lineStart = s === 0 || text[s - 1] === '\n';
  if (lineStart && text.startsWith('\r\n', e)) return { start: s, end: e + 2 };
  if (lineStart && (text[e] === '\n' || e === text.length)) return { start: s, end: Math.min(text.length, e + 1) };
  return cut;
}

function applyCuts(text: string, cuts: Cut[]): string {
  let out = text;
  for (const c of [...cuts].sort((a, b) => b.start - a.start)) out = out.slice(0, c.start) + out.slice(c.end);
  return out;
}

/** JSON(C): removes each member named by a path, with its comma. */
export function scrubJson(text: string, paths: Path[]): string {
  const doc = parseJsonc(text);
  const cuts: Cut[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    const k = formatJsonPath(p);
    if (seen.has(k)) continue;
    seen.add(k);
    const start = doc.positions.get(k)?.offset;
    const end = doc.ends.get(k)?.offset;
    if (start === undefined || end === undefined) continue;
    let cut: Cut = { start, end };
    let e = end;
    while (e < text.length && /[ \t\r\n]/.test(text[e])) e++;
    if (text[e] === ',') {
      // The comma, and the blanks after it (a comment that followed keeps its own indentation).
      e++;
      while (e < text.length && (text[e] === ' ' || text[e] === '\t')) e++;
      cut = { start, end: e };
    }
    else {
      let s = start - 1;
      while (s >= 0 && /[ \t\r\n]/.test(text[s])) s--;
      if (text[s] === ',') cut = { start: s, end };
    }
    cuts.push(text[cut.start] === ',' ? cut : wholeLines(text, cut));
  }
  return applyCuts(text, cuts);
}

/** FileZilla: removes the <Pass> of the n-th <Server> elements (document order, as the reader counts). */
export function scrubFilezilla(text: string, servers: ReadonlySet<number>): string {
  const token = /<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>|<Server(?=[\s/>])[^>]*>|<Pass(?=[\s/>])[^>]*\/>|<Pass(?=[\s/>])[^>]*>[\s\S]*?<\/Pass\s*>/g;
  const cuts: Cut[] = [];
  let server = -1;
  for (let m = token.exec(text); m; m = token.exec(text)) {
    if (m[0].startsWith('<Server')) server++;
    else if (m[0].startsWith('<Pass') && servers.has(server)) cuts.push(wholeLines(text, { start: m.index, end: m.index + m[0].length }));
  }
  return applyCuts(text, cuts);
}

/** WinSCP: removes the Password lines of the named sections (`sectionOf` maps a header line to its name as the reader saw it). */
export function scrubWinscp(text: string, sections: ReadonlySet<string>, sectionOf: (headerLine: string) => string | undefined): string {
  const lines = text.split(/(?<=\n)/);
  let current: string | undefined;
  return lines
    .filter((line) => {
      if (/^\s*\[/.test(line)) {
        current = sectionOf(line.trim());
        return true;
      }
      return !(current !== undefined && sections.has(current) && /^\s*Password\s*=/.test(line));
    })
    .join('');
}
