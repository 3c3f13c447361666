/** POSIX path helpers for server paths, and the guard that keeps hostile names out of local paths. */
import * as path from 'node:path';
import { SecureTransferError, SecurityRefusal } from '../errors';
import { serverText } from '../displayText';

/** NAME_MAX of Linux, macOS and Windows file systems. */
const MAX_LOCAL_NAME_BYTES = 255;

export const remote = path.posix;

export function remoteJoin(dir: string, name: string): string {
  return remote.join(dir, name);
}

/**
 * Joins a name a server gave us onto a local folder, refusing anything that could land outside it
 * (`..`, separators, NUL, drive letters). Listings are already filtered; this is the last line of defence.
 */
export function safeLocalJoin(localDir: string, name: string): string {
  if (!name || name === '.' || name === '..' || /[/\\\0]/.test(name) || /^[A-Za-z]:/.test(name)) {
    throw new SecurityRefusal(`The server sent the file name "${serverText(name, 200)}", which could write outside ${localDir}; it was skipped.`, 'unsafe-name');
  }
  if (Buffer.byteLength(name) > MAX_LOCAL_NAME_BYTES) {
    throw new SecureTransferError(`The server sent a file name of ${Buffer.byteLength(name)} bytes, longer than local file names may be (${MAX_LOCAL_NAME_BYTES}); it was skipped.`, 'failure', 'name-too-long');
  }
  const joined = path.join(localDir, name);
  const rel = path.relative(localDir, joined);
  if (rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new SecurityRefusal(`The server sent the file name "${serverText(name, 200)}", which could write outside ${localDir}; it was skipped.`, 'unsafe-name');
  }
  return joined;
}

/** A temporary sibling name for atomic replace: hidden, unique, recognisable if left behind. */
export function temporarySibling(target: string, join: (dir: string, name: string) => string, dirname: (p: string) => string, basename: (p: string) => string): string {
  const rnd = Math.random().toString(36).slice(2, 10);
  return join(dirname(target), `.${basename(target)}.st-${rnd}.part`);
}
