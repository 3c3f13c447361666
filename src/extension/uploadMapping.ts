/**
 * Which local file goes where on the server, and which never goes at all. Plain logic (no VS Code
 * API). The profile file, `.git/` and the profile's ignore globs are never uploaded: a profile file
 * uploaded to a live site is how other tools' users got attacked.
 */
import * as path from 'node:path';
import type { Profile } from '../core/profiles/types';
import { ignoreMatcher, isNeverUploaded } from '../core/transfer/ignore';

/** The transfer engine's rules (`.git/` and the profile file always; the profile's globs like .gitignore). */
export function isIgnored(relativePath: string, extraGlobs: readonly string[] = []): boolean {
  return ignoreMatcher(extraGlobs)(relativePath.split(path.sep).join('/').replace(/\/$/, ''));
}

export type Mapping =
  | { ok: true; remotePath: string; relativePath: string }
  | { ok: false; reason: 'no-mapping' | 'outside' | 'ignored'; relativePath?: string };

/**
 * Maps a local file under the profile's localRoot (relative to `baseDir`, the folder holding the
 * profile's workspace) to a path under its remotePath (or `remoteHome` when unset).
 */
export function mapLocalToRemote(profile: Pick<Profile, 'localRoot' | 'remotePath' | 'ignore'>, localFile: string, baseDir: string | undefined, remoteHome: string): Mapping {
  if (profile.localRoot === undefined || baseDir === undefined) return { ok: false, reason: 'no-mapping' };
  const root = path.resolve(baseDir, profile.localRoot);
  const rel = path.relative(root, path.resolve(localFile));
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) return { ok: false, reason: 'outside' };
  const relativePath = rel.split(path.sep).join('/');
  // The profile file is checked by its absolute location too, wherever localRoot points.
  if (isIgnored(relativePath, profile.ignore) || isNeverUploaded(localFile)) return { ok: false, reason: 'ignored', relativePath };
  return { ok: true, relativePath, remotePath: path.posix.join(profile.remotePath ?? remoteHome, relativePath) };
}
