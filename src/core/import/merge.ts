/**
 * Adding imported profiles to a `.vscode/secure-transfer.json`: existing profiles are kept exactly
 * as written (the new ones are inserted as text before the list's closing bracket, so comments and
 * formatting survive), names are kept and a clash is renamed "name (2)", and a profile identical to
 * one already there (apart from its name) is not added twice. The result is validated as a whole.
 */
import { UsageError } from '../errors';
import { parseJsonc } from '../profiles/jsonc';
import { checkProfileFileText } from '../profiles/load';
import { isObject } from './text';

type Json = Record<string, unknown>;

/** The same JSON regardless of key order (the name left out): what "identical" means. */
export function profileFingerprint(p: Json): string {
  const norm = (v: unknown): unknown =>
    Array.isArray(v) ? v.map(norm) : isObject(v) ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, norm(v[k])])) : v;
  const { name: _name, ...rest } = p;
  return JSON.stringify(norm(rest));
}

export interface MergeOutcome {
  /** The new file text (undefined when nothing is added). */
  text?: string;
  added: { name: string; requested: string; profile: Json }[];
  /** Imported profiles already present: the name they have there. */
  present: { requested: string; existing: string }[];
  /** Per imported profile (same order): its name in the file, and whether it was there already. */
  outcomes: { name: string; alreadyThere: boolean }[];
}

const key = (name: string) => name.trim().toLowerCase();

function uniqueName(name: string, taken: Set<string>): string {
  if (!taken.has(key(name))) return name;
  for (let n = 2; ; n++) {
    const suffix = ` (${n})`;
    const candidate = [...name].slice(0, 100 - suffix.length).join('').trimEnd() + suffix;
    if (!taken.has(key(candidate))) return candidate;
  }
}

/** Indentation of the line holding `offset`. */
function indentAt(text: string, offset: number): string {
  const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
  return /^[ \t]*/.exec(text.slice(lineStart))![0];
}

function render(profile: Json, indent: string, step: string): string {
  return JSON.stringify(profile, null, step).split('\n').map((l, i) => (i === 0 ? l : indent + l)).join('\n');
}

/** `existingText` undefined: no file yet. `file` names it in messages. */
export function mergeProfiles(existingText: string | undefined, file: string, imported: Json[]): MergeOutcome {
  const added: MergeOutcome['added'] = [];
  const present: MergeOutcome['present'] = [];
  const outcomes: MergeOutcome['outcomes'] = [];
  let existing: Json[] = [];
  if (existingText !== undefined) {
    const check = checkProfileFileText(existingText, file);
    if (check.problems.length > 0) {
      throw new UsageError(`${check.problems[0].message} Fix ${file} first, then import again (nothing was changed).`, 'bad-import-file');
    }
    const doc = parseJsonc(existingText).value as Json;
    existing = (doc.profiles as Json[]) ?? [];
  }
  const taken = new Set(existing.map((p) => key(String(p.name))));
  const known = new Map(existing.map((p) => [profileFingerprint(p), String(p.name)]));
  for (const p of imported) {
    const requested = String(p.name);
    const same = known.get(profileFingerprint(p));
    if (same !== undefined) {
      present.push({ requested, existing: same });
      outcomes.push({ name: same, alreadyThere: true });
      continue;
    }
    const name = uniqueName(requested, taken);
    taken.add(key(name));
    const profile = { ...p, name };
    known.set(profileFingerprint(profile), name);
    added.push({ name, requested, profile });
    outcomes.push({ name, alreadyThere: false });
  }
  if (added.length === 0) return { added, present, outcomes };
  const profiles = added.map((a) => a.profile);

  let text: string;
  if (existingText === undefined) {
    text = JSON.stringify({ profiles }, null, 2) + '\n';
  } else {
    const doc = parseJsonc(existingText);
    const n = existing.length;
    const listStart = doc.positions.get('profiles')!; // the key; the list follows it
    const listEnd = doc.ends.get('profiles')!.offset; // just after "]"
    const step = (indent: string) => (/^\t+$/.test(indent) ? '\t' : '  ');
    if (n > 0) {
      // After the last profile's line (its comma and a // comment stay with it), so its comment keeps its place.
      const lastEnd = doc.ends.get(`profiles[${n - 1}]`)!.offset;
      const indent = indentAt(existingText, doc.positions.get('profiles[0]')!.offset);
      let at = lastEnd;
      while (existingText[at] === ' ' || existingText[at] === '\t') at++;
      const hadComma = existingText[at] === ',';
      if (hadComma) at++;
      while (existingText[at] === ' ' || existingText[at] === '\t') at++;
      if (existingText.startsWith('//', at)) while (at < existingText.length && existingText[at] !== '\n' && existingText[at] !== '\r') at++;
      else if (!/^[\r\n]/.test(existingText.slice(at))) at = hadComma ? at : lastEnd;
      const body = profiles.map((p) => render(p, indent, step(indent))).join(',\n' + indent);
      const head = existingText.slice(0, lastEnd) + (hadComma ? '' : ',') + existingText.slice(lastEnd, at);
      text = head + '\n' + indent + body + existingText.slice(at);
    } else {
      const insertAt = existingText.lastIndexOf(']', listEnd - 1);
      const outer = indentAt(existingText, listStart.offset);
      const indent = outer + '  ';
      const body = profiles.map((p) => render(p, indent, step(indent))).join(',\n' + indent);
      text = existingText.slice(0, insertAt) + '\n' + indent + body + '\n' + outer + existingText.slice(insertAt);
    }
  }
  const check = checkProfileFileText(text, file);
  if (check.problems.length > 0) {
    // Every profile was validated alone; a problem of the whole is a bug here, never a half-written file.
    throw new UsageError(`The merged ${file} would not be valid (${check.problems[0].message}) — nothing was written.`, 'bad-import-file');
  }
  return { text, added, present, outcomes };
}
