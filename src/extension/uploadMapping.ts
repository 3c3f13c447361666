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

export type ReverseMapping = { ok: true; localPath: string; relativePath: string } | { ok: false; reason: 'no-mapping' | 'outside' | 'ignored' };

/**
 * The reverse of mapLocalToRemote: where a remote file under the profile's remotePath (or `remoteHome`)
 * lands under its localRoot. Paths come from the server: anything that would leave localRoot, and
 * anything never uploaded (the profile file, `.git/`, ignored globs), has no default place.
 */
export function mapRemoteToLocal(profile: Pick<Profile, 'localRoot' | 'remotePath' | 'ignore'>, remotePath: string, baseDir: string | undefined, remoteHome: string): ReverseMapping {
  if (profile.localRoot === undefined || baseDir === undefined) return { ok: false, reason: 'no-mapping' };
  const remoteRoot = path.posix.resolve('/', profile.remotePath ?? remoteHome);
  const rel = path.posix.relative(remoteRoot, path.posix.resolve('/', remoteRoot, remotePath));
  if (rel === '' || rel.startsWith('..') || path.posix.isAbsolute(rel)) return { ok: false, reason: 'outside' };
  const root = path.resolve(baseDir, profile.localRoot);
  const localPath = path.resolve(root, ...rel.split('/'));
  const check = path.relative(root, localPath);
  if (check === '' || check.startsWith('..') || path.isAbsolute(check)) return { ok: false, reason: 'outside' };
  if (isIgnored(rel, profile.ignore) || isNeverUploaded(localPath)) return { ok: false, reason: 'ignored' };
  return { ok: true, localPath, relativePath: rel };
}
