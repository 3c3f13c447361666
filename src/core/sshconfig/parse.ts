/**
 * Reading OpenSSH client config files the way readconf.c does: one keyword per line, separated from
 * its arguments by whitespace or one `=`, arguments split like misc.c argv_split() (double or single
 * quotes, `\` escapes of quotes, backslash and space, `#` starts a comment between arguments).
 * Every file is bounded (size, lines, control characters) and read-only.
 */
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { readBoundedFile, type BoundedFileSpec } from '../fsutil';

/** A config file is a few KiB; 1 MiB is already thousands of hosts. */
export const SSH_CONFIG_FILE: BoundedFileSpec = {
  what: 'The ssh config file',
  expected: 'an OpenSSH client config file',
  maxBytes: 1024 * 1024,
  code: 'bad-ssh-config',
};
/** Longer lines are skipped with a warning (OpenSSH once had 1,024; nothing real comes close). */
export const MAX_LINE_CHARS = 16 * 1024;
/** Files one resolution reads at most (the main one and every Include), and Include nesting (readconf.c READCONF_MAX_DEPTH). */
export const MAX_CONFIG_FILES = 256;
export const MAX_INCLUDE_DEPTH = 16;

export type ParsedLine =
  | { kind: 'empty' }
  | { kind: 'error'; problem: string }
  | { kind: 'directive'; keyword: string; args: string[]; rest: string };

/** argv_split(…, terminate_on_comment=1); undefined when a quote is left open. */
export function splitArgs(s: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < s.length) {
    if (s[i] === ' ' || s[i] === '\t') {
      i++;
      continue;
    }
    if (s[i] === '#') break;
    let quote = '';
    let arg = '';
    for (; i < s.length; i++) {
      const c = s[i];
      if (c === '\\') {
        const n = s[i + 1];
        if (n === "'" || n === '"' || n === '\\' || (quote === '' && n === ' ')) {
          i++;
          arg += n;
        } else {
          arg += c;
        }
      } else if (quote === '' && (c === ' ' || c === '\t')) {
        break;
      } else if (quote === '' && (c === '"' || c === "'")) {
        quote = c;
      } else if (quote !== '' && c === quote) {
        quote = '';
      } else {
        arg += c;
      }
    }
    if (quote !== '') return undefined;
    out.push(arg);
  }
  return out;
}

/* eslint-disable no-control-regex -- detecting control characters is the point */
const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;
/* eslint-enable no-control-regex */

/** One line of a config file (without its line break). */
export function parseLine(raw: string): ParsedLine {
  const line = raw.replace(/[ \t\r\n\f]+$/, '');
  if (line.length > MAX_LINE_CHARS) return { kind: 'error', problem: `is longer than ${MAX_LINE_CHARS} characters` };
  if (CONTROL.test(line)) return { kind: 'error', problem: 'contains control characters' };
  const m = /^[ \t]*([^ \t=]*)(.*)$/.exec(line)!;
  const keyword = m[1];
  if (keyword === '' || keyword.startsWith('#')) return { kind: 'empty' };
  // strdelim(): whitespace, at most one `=`, whitespace.
  const rest = m[2].replace(/^[ \t]*=?[ \t]*/, '');
  if (rest === '') return { kind: 'error', problem: `has no argument after "${keyword}"` };
  const args = splitArgs(rest);
  if (!args) return { kind: 'error', problem: 'has an unclosed quote' };
  return { kind: 'directive', keyword: keyword.toLowerCase(), args, rest };
}

export interface ConfigFileText {
  lines: string[];
}

/**
 * Reads one config file (bounded). Like OpenSSH's check for user config files, a file that another
 * user owns or that others may write is refused: it could point ProxyCommand or IdentityAgent
 * anywhere. Throws the fsutil bounded-file errors, ENOENT, or an Error with a sentence.
 */
export async function readConfigFile(file: string): Promise<ConfigFileText> {
  const st = await fs.stat(file);
  const uid = typeof process.getuid === 'function' ? process.getuid() : undefined;
  if (uid !== undefined && st.isFile()) {
    if ((st.uid !== uid && st.uid !== 0) || (st.mode & 0o022) !== 0) {
      throw new Error(`bad owner or permissions (others may write it): run chmod go-w ${file}`);
    }
  }
  const text = (await readBoundedFile(file, SSH_CONFIG_FILE)).toString('utf8');
  return { lines: text.split('\n') };
}

function segmentRegex(seg: string): RegExp {
  let re = '';
  for (let i = 0; i < seg.length; i++) {
    const c = seg[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = seg.indexOf(']', i + 2);
      if (end < 0) re += '\\[';
      else {
        let body = seg.slice(i + 1, end).replace(/\\/g, '\\\\');
        if (body.startsWith('!')) body = '^' + body.slice(1);
        re += `[${body}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** glob(3) for Include: `*`, `?`, `[…]` per path segment, sorted, dot files only for a dot pattern; at most `max` paths. */
export async function expandGlob(pattern: string, max: number): Promise<string[]> {
  const root = path.parse(pattern).root;
  const segs = pattern.slice(root.length).split('/').filter((s) => s !== '');
  let current = [root];
  for (const seg of segs) {
    const next: string[] = [];
    if (!/[*?[]/.test(seg)) {
      for (const dir of current) next.push(path.join(dir, seg));
    } else {
      const re = segmentRegex(seg);
      for (const dir of current) {
        const names = await fs.readdir(dir).catch(() => [] as string[]);
        for (const n of names.sort()) {
          if (n.startsWith('.') && !seg.startsWith('.')) continue;
          if (re.test(n)) next.push(path.join(dir, n));
          if (next.length >= max) break;
        }
      }
    }
    current = next.slice(0, max);
    if (current.length === 0) return [];
  }
  const out: string[] = [];
  for (const p of current) if (await fs.stat(p).then(() => true, () => false)) out.push(p);
  return out;
}
