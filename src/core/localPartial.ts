/**
 * A download's partial file on this machine, opened so that nothing planted at its (predictable)
 * name is ever followed or written through, and put in place with the mode the target should have.
 *
 * - A fresh partial is created with O_CREAT|O_EXCL|O_NOFOLLOW and mode 0600: if anything exists at
 *   the name (a symlink, a folder, a FIFO, someone's file) the open fails instead of following it.
 * - A partial is resumed only when the OPEN descriptor (fstat, not the path) is a regular file this
 *   user owns with a single link; it is opened with O_NOFOLLOW|O_NONBLOCK (a symlink fails with
 *   ELOOP, a FIFO doesn't block) and set back to 0600.
 * - Anything else is an UnsafePartialError: the engine then starts over under a new random name.
 * - Before the rename the partial is checked again by descriptor, gets its final mode (the existing
 *   target's, or the remote mode the way OpenSSH's `sftp get` does it), and after the rename the
 *   target must be that same file (device and inode).
 */
import { constants, promises as fsp, type Stats } from 'node:fs';
import * as fs from 'node:fs';
import { promisify } from 'node:util';
import { SecureTransferError } from './errors';

const open = promisify(fs.open);
const close = promisify(fs.close);
const fstat = promisify(fs.fstat);
const ftruncate = promisify(fs.ftruncate);
const fchmod = promisify(fs.fchmod);
const fchown = promisify(fs.fchown);
const futimes = promisify(fs.futimes);

// Windows has neither flag (nor symlinks that a non-admin can plant); 0 leaves the open unchanged.
const O_NOFOLLOW = constants.O_NOFOLLOW ?? 0;
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const PARTIAL_MODE = 0o600;

/** Something other than this user's own partial file sits at the partial's name. */
export class UnsafePartialError extends SecureTransferError {
  constructor(file: string, what: string) {
    super(`${file} is ${what}, not a partial download of yours: it was left alone and the file is downloaded under a new temporary name.`, 'failure', 'unsafe-partial');
    this.name = 'UnsafePartialError';
  }
}

export function isUnsafePartial(err: unknown): boolean {
  return err instanceof SecureTransferError && err.code === 'unsafe-partial';
}

const myUid = typeof process.getuid === 'function' ? process.getuid() : undefined;

/** Why `st` is not a partial this process may write, or undefined when it is. */
export function foreignPartial(st: Stats): string | undefined {
  if (st.isSymbolicLink()) return 'a symbolic link';
  if (st.isDirectory()) return 'a folder';
  if (!st.isFile()) return 'not a regular file';
  if (myUid !== undefined && st.uid !== myUid) return "another user's file";
  if (st.nlink > 1) return 'a file with other hard links';
  return undefined;
}

/** What sits at a partial's name without following it: its size when it is ours to resume. */
export async function inspectLocalPartial(file: string): Promise<{ kind: 'absent' } | { kind: 'ours'; size: number } | { kind: 'foreign'; what: string }> {
  let st: Stats;
  try {
    st = await fsp.lstat(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'absent' };
    throw err;
  }
  const what = foreignPartial(st);
  return what ? { kind: 'foreign', what } : { kind: 'ours', size: st.size };
}

/**
 * Opens the partial for writing from `offset` and returns its descriptor (the caller closes it).
 * offset 0: created exclusively; offset > 0: resumed only when it is still ours, cut to `offset`.
 */
export async function openLocalPartial(file: string, offset: number): Promise<number> {
  if (offset <= 0) {
    const create = () => open(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, PARTIAL_MODE);
    try {
      return await create();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Our own earlier partial (too long to resume, say) is removed; anything else is left alone.
    // unlink never follows a link, and a second exclusive create fails if something came back.
    const found = await inspectLocalPartial(file);
    if (found.kind === 'foreign') throw new UnsafePartialError(file, found.what);
    if (found.kind === 'ours') await fsp.unlink(file);
    try {
      return await create();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new UnsafePartialError(file, 'something that reappeared');
      throw err;
    }
  }
  let fd: number;
  try {
    fd = await open(file, constants.O_RDWR | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP' || code === 'EISDIR' || code === 'ENXIO' || code === 'EACCES' || code === 'EPERM') throw new UnsafePartialError(file, 'not a file you can resume');
    throw err;
  }
  try {
    const st = await fstat(fd);
    const what = foreignPartial(st) ?? (st.size < offset ? 'shorter than expected' : undefined);
    if (what) throw new UnsafePartialError(file, what);
    if ((st.mode & 0o7777) !== PARTIAL_MODE) await fchmod(fd, PARTIAL_MODE);
    await ftruncate(fd, offset);
    return fd;
  } catch (err) {
    await close(fd).catch(() => undefined);
    throw err;
  }
}

/** The process umask, read without changing it where Node allows (worker threads can't ask). */
export function currentUmask(): number {
  try {
    return process.umask() & 0o777;
  } catch {
    return 0o022;
  }
}

/**
 * The mode of a NEW local file downloaded from a remote file with `remoteMode` (undefined when the
 * server didn't say): OpenSSH's `sftp get` without -p opens it with (mode | u+w) & ~umask.
 */
export function newLocalFileMode(remoteMode: number | undefined, umask = currentUmask()): number {
  return ((remoteMode ?? 0o666) | 0o200) & 0o777 & ~umask;
}

/**
 * Renames the finished partial over `target`, which keeps its mode (and group, where this user may
 * set it) if it is an existing regular file; a new one gets newLocalFileMode(remoteMode). With
 * `mtimeMs` (preserveTimes) the file gets that modification time (the access time: now), set on the
 * checked descriptor, never through a path.
 */
export async function placeLocalPartial(partial: string, target: string, remoteMode: number | undefined, mtimeMs?: number): Promise<void> {
  let fd: number;
  try {
    fd = await open(partial, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOOP') throw replaced(partial);
    throw err;
  }
  try {
    const st = await fstat(fd);
    if (foreignPartial(st)) throw replaced(partial);
    const existing = await fsp.lstat(target).catch((err: NodeJS.ErrnoException) => (err.code === 'ENOENT' ? undefined : Promise.reject(err)));
    const keep = existing?.isFile() ? existing : undefined;
    const mode = keep ? keep.mode & 0o777 : newLocalFileMode(remoteMode);
    if ((st.mode & 0o7777) !== mode) await fchmod(fd, mode);
    // Best effort: only a group this user belongs to can be set.
    if (keep && keep.gid !== st.gid) await fchown(fd, st.uid, keep.gid).catch(() => undefined);
    if (mtimeMs !== undefined) await futimes(fd, new Date(), new Date(mtimeMs));
    await fsp.rename(partial, target);
    const placed = await fsp.lstat(target);
    if (placed.ino !== st.ino || placed.dev !== st.dev) {
      // Someone swapped the partial after the check: never leave their link in the target's place.
      if (!placed.isDirectory()) await fsp.unlink(target).catch(() => undefined);
      throw replaced(partial);
    }
  } finally {
    await close(fd).catch(() => undefined);
  }
}

function replaced(partial: string): SecureTransferError {
  return new SecureTransferError(
    `${partial} was replaced by something else while it was being downloaded (someone else can write to that folder), so it was not put in place: download into a folder only you can write to.`,
    'security',
    'partial-replaced',
  );
}
