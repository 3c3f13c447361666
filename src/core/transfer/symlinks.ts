/**
 * What a recursive transfer does with a symbolic link, on either side (the server's tree for `get -r`,
 * the local tree for `put -r`). The rules:
 * - a link to nothing (dangling) or to itself through other links (a loop) is skipped with a note;
 * - a link whose target is outside the tree being copied (resolved with realpath: SFTP's on the
 *   server, fs.realpath locally) is not followed unless `followSymlinks`; where the server can't
 *   resolve links (FTPS), a link counts as leaving unless proven inside;
 * - a link to a file inside the tree is copied as a file; a link to a folder is followed only with
 *   `followSymlinks`, and never into a folder already on the way down (loop detection by realpath),
 *   nor through more than MAX_FOLLOWED_LINKS nested links (a server that can't tell real paths).
 */
import * as path from 'node:path';

/** What was left out of a transfer and why (the CLI prints "skipped PATH: REASON"). */
export interface SkippedEntry {
  path: string;
  reason: string;
}

/** Like Linux's limit on links in one path resolution (MAXSYMLINKS). */
export const MAX_FOLLOWED_LINKS = 40;

const FOLLOW = 'not followed without --follow-symlinks';

export const SKIP_REASONS = {
  dangling: 'a symbolic link to a missing target',
  loop: 'a symbolic link that loops (it never reaches a file or folder)',
  /** Where the server can't tell which (FTPS lists the link again). */
  unreachable: 'a symbolic link to a missing target, or a loop',
  unresolvable: (why: string) => `a symbolic link that cannot be resolved (${why})`,
  leaves: (target: string) => `a symbolic link to ${target}, outside the folder being copied: ${FOLLOW}`,
  unproven: `a symbolic link the server cannot resolve, so it may lead outside the folder being copied: ${FOLLOW}`,
  folderLink: `a symbolic link to a folder: ${FOLLOW}`,
  backToEnclosing: (target: string) => `a symbolic link back to ${target}, a folder it is in: following it would loop`,
  tooDeep: `more than ${MAX_FOLLOWED_LINKS} nested symbolic links to folders`,
  notFileOrFolder: 'not a regular file, folder or symbolic link',
  ignored: 'matches an ignore pattern',
} as const;

/** A folder of a tree walk, with what loop detection needs. */
export interface WalkedDir {
  /** Its real path (realpath), when known. */
  real?: string;
  /** How many followed folder links lead to it. */
  links: number;
  up?: WalkedDir;
}

/**
 * Follows a link through links named in the same folder listing (targets without a `/`): `loop`
 * when it comes back to one already seen, `dangling` when it names nothing listed, `unknown` when
 * the chain leaves the folder (or a target isn't known) or reaches something that isn't a link.
 */
export function linkChainInFolder(link: { name: string; type: string; target?: string }, listed: ReadonlyMap<string, { name: string; type: string; target?: string }>): 'loop' | 'dangling' | 'unknown' {
  const seen = new Set<string>([link.name]);
  let cur = link;
  while (cur.type === 'symlink') {
    const t = cur.target;
    if (t === undefined || t === '' || t === '.' || t === '..' || t.includes('/')) return 'unknown';
    if (seen.has(t)) return 'loop';
    seen.add(t);
    const next = listed.get(t);
    if (!next) return 'dangling';
    cur = next;
  }
  return 'unknown';
}

/** `inner` is `outer` or below it; `sep` '/' for server paths. */
export function isWithin(outer: string, inner: string, p: typeof path.posix | typeof path = path.posix): boolean {
  const rel = p.relative(outer, inner);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${p.sep}`) && !p.isAbsolute(rel));
}

/**
 * Whether following a folder link (or entering a folder below a followed one) whose real path is
 * `real` from `dir` would loop: `real` is a folder already on the way down, or encloses one.
 */
export function wouldLoop(dir: WalkedDir, real: string, p: typeof path.posix | typeof path = path.posix): boolean {
  for (let d: WalkedDir | undefined = dir; d; d = d.up) {
    if (d.real !== undefined && isWithin(real, d.real, p)) return true;
  }
  return false;
}
