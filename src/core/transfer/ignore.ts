/**
 * Which paths a transfer skips. Version-control data and the team profile file are never
 * transferred, whatever the user's globs say (the profile file leaking to a web root is how
 * vscode-sftp users got attacked).
 */
import * as path from 'node:path';
import { Minimatch } from 'minimatch';
import { UsageError } from '../errors';
import { PROFILE_FILE_PATH } from '../profiles/profileFile';

/** Always skipped, on upload and download. Matched against `/`-separated relative paths. */
export const ALWAYS_IGNORED: readonly string[] = ['**/.git', '**/.git/**', `**/${PROFILE_FILE_PATH}`];

/** Compiled on first use: not at the extension's activation or a CLI command that transfers nothing. */
let alwaysIgnored: Minimatch[] | undefined;

/**
 * The one rule for "never upload it", whatever the globs and wherever the transfer root is: a
 * profile file, or anything in `.git`, judged by the whole (absolute) local path. Every upload path
 * (the engine's upload(), so CLI put and put -r, the extension's upload commands and upload on save)
 * asks it.
 */
export function isNeverUploaded(localPath: string): boolean {
  const whole = path.resolve(localPath).split(path.sep).join('/').replace(/^\//, '');
  return (alwaysIgnored ??= ALWAYS_IGNORED.map((g) => new Minimatch(g, { dot: true }))).some((g) => g.match(whole));
}

/** Throws the one sentence for a local path that is never uploaded. */
export function assertUploadable(localPath: string): void {
  if (isNeverUploaded(localPath)) {
    throw new UsageError(`${localPath} is never uploaded (version control data and the team profile file stay local).`);
  }
}

export type IgnoreMatcher = (relPath: string) => boolean;

/**
 * A matcher for paths relative to the transfer root (`a/b.txt`). A user glob without a slash
 * matches at any depth (like .gitignore): `*.log` skips `x/y.log` too; `dir/` skips the folder.
 */
export function ignoreMatcher(userGlobs: readonly string[] = []): IgnoreMatcher {
  // Compiled once: a tree of thousands of files is matched against every glob.
  const globs = [...ALWAYS_IGNORED, ...userGlobs.flatMap(expandGlob)].map((g) => new Minimatch(g, { dot: true }));
  return (relPath) => relPath !== '' && globs.some((g) => g.match(relPath));
}

function expandGlob(glob: string): string[] {
  const trimmed = glob.trim().replace(/^\.\//, '');
  if (!trimmed) return [];
  const folder = trimmed.endsWith('/');
  const body = folder ? trimmed.slice(0, -1) : trimmed;
  const anchored = body.startsWith('/');
  const base = anchored ? body.slice(1) : body.includes('/') || body.startsWith('**') ? body : `**/${body}`;
  return [base, `${base}/**`];
}
