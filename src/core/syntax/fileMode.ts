/**
 * File modes as people write them for chmod: octal (`644`, `0755`, `4755`) or symbolic like chmod(1)
 * (`u+x`, `go-w`, `a=r`, `u=rwx,g=rx,o=`, `+X`, `g=u`). Pure parsing: `secure-transfer chmod` and the
 * extension's "Change Permissions…" turn text into a change, then apply it to the file's current mode.
 *
 * One deliberate difference from chmod(1): a clause without a who (`+x`) means `a` WITHOUT masking
 * by a umask, because the server's umask is not known here (and the local one is not the server's).
 */
import { escapeControlChars } from '../displayText';
import { UsageError } from '../errors';

export interface FileModeChange {
  /** The text as given (trimmed). */
  readonly text: string;
  /** Octal: the new mode whatever the current one is; undefined for symbolic changes (they need it). */
  readonly absolute?: number;
  /** The new permission bits (0o7777 range) of a file now at `current`; `isDirectory` matters for `X`. */
  apply(current: number, isDirectory?: boolean): number;
}

const WHO_BITS: Readonly<Record<string, number>> = { u: 0o4700, g: 0o2070, o: 0o1007 };
/** Per who letter: where r, w, x sit, and its special bit (setuid, setgid, sticky). */
const SHIFT: Readonly<Record<'u' | 'g' | 'o', number>> = { u: 6, g: 3, o: 0 };
const SPECIAL: Readonly<Record<'u' | 'g' | 'o', number>> = { u: 0o4000, g: 0o2000, o: 0o1000 };

const OCTAL = /^[0-7]{1,4}$/;
// A copy (`g=u`) first: the permission letters may be empty, which would end the match too early.
const CLAUSE = /^([ugoa]*)((?:[-+=](?:[ugo]|[rwxXst]*))+)$/;
const ACTION = /([-+=])([ugo]|[rwxXst]*)/g;

function badMode(text: string): UsageError {
  return new UsageError(
    `"${escapeControlChars(text).slice(0, 60)}" is not a file mode: write it in octal (644, 0755) or like chmod's symbolic modes (u+x, go-w, a=r, u=rwx,go=rx).`,
  );
}

/** Parses a mode; one UsageError sentence for anything else. */
export function parseFileMode(input: string): FileModeChange {
  const text = input.trim();
  if (OCTAL.test(text)) {
    const absolute = parseInt(text, 8);
    return { text, absolute, apply: () => absolute };
  }
  const clauses = text.split(',');
  if (text === '' || clauses.some((c) => !CLAUSE.test(c))) throw badMode(input);
  return {
    text,
    apply(current: number, isDirectory = false): number {
      let mode = current & 0o7777;
      for (const clause of clauses) {
        const [, whoText, actions] = CLAUSE.exec(clause)!;
        const who = (whoText === '' || whoText.includes('a') ? 'ugo' : whoText).split('') as Array<'u' | 'g' | 'o'>;
        for (const [, op, perms] of actions.matchAll(ACTION)) {
          let bits = 0;
          for (const w of new Set(who)) bits |= permBits(perms, w, mode, isDirectory);
          if (op === '+') mode |= bits;
          else if (op === '-') mode &= ~bits;
          else {
            // `=`: the who's bits (with its special bit) cleared, then set; `o=` keeps setuid/setgid, and
            // a folder keeps them unless named (GNU chmod: they mean inheritance there).
            const cleared = [...new Set(who)].reduce((m, w) => m | WHO_BITS[w], 0) & ~(isDirectory ? 0o6000 : 0);
            mode = (mode & ~cleared) | bits;
          }
        }
      }
      return mode & 0o7777;
    },
  };
}

/** The bits `perms` stands for in who `w` (`X` and copies look at the mode as changed so far, as GNU chmod). */
function permBits(perms: string, w: 'u' | 'g' | 'o', mode: number, isDirectory: boolean): number {
  if (perms === 'u' || perms === 'g' || perms === 'o') {
    // Copy another who's rwx: `g=u`.
    const rwx = (mode >> SHIFT[perms]) & 0o7;
    return rwx << SHIFT[w];
  }
  let rwx = 0;
  let special = 0;
  for (const p of perms) {
    if (p === 'r') rwx |= 4;
    else if (p === 'w') rwx |= 2;
    else if (p === 'x') rwx |= 1;
    else if (p === 'X' && (isDirectory || (mode & 0o111) !== 0)) rwx |= 1;
    else if (p === 's' && w !== 'o') special |= SPECIAL[w];
    else if (p === 't' && w === 'o') special |= SPECIAL.o;
  }
  return (rwx << SHIFT[w]) | special;
}

/** `0644`, `4755`: how a mode is shown. */
export function formatFileMode(mode: number): string {
  return (mode & 0o7777).toString(8).padStart(4, '0');
}

/** `rwxr-x---` for 0o750: the nine permission bits as `ls -l` writes them (the CLI's ls, Change Permissions…). */
export function permissionLetters(mode: number): string {
  // A listing asks this for every entry: the 512 answers are made once.
  LETTERS ??= Array.from({ length: 0o1000 }, (_, m) => [0o400, 0o200, 0o100, 0o40, 0o20, 0o10, 0o4, 0o2, 0o1].map((b, i) => (m & b ? 'rwx'[i % 3] : '-')).join(''));
  return LETTERS[mode & 0o777];
}
let LETTERS: string[] | undefined;
