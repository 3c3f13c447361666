import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecureTransferError } from './errors';

/** Writes a file by writing a temporary sibling and renaming it over, so readers never see half a file. */
export async function writeFileAtomic(file: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await fs.writeFile(tmp, data, { mode });
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Narrows an existing path this user owns to at most `mode` (never widens; absent → nothing). A
 * symlink is not followed, and a shared sticky folder such as /tmp is left alone.
 */
async function tighten(p: string, mode: number): Promise<void> {
  let st;
  try {
    st = await fs.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  if (st.isSymbolicLink() || (st.mode & 0o1000) !== 0) return;
  if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return;
  const wanted = st.mode & mode & 0o777;
  if ((st.mode & 0o777) === wanted) return;
  await fs.chmod(p, wanted).catch((err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPERM' && err.code !== 'ENOENT') throw err;
  });
}

/** Creates a private folder (0700), or tightens an existing one this user owns to 0700. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true, mode: 0o700 });
  await tighten(dir, 0o700);
}

/** Tightens an existing file this user owns to 0600 (a state file made loose by an older version or by hand). */
export async function tightenPrivateFile(file: string): Promise<void> {
  await tighten(file, 0o600);
}

/**
 * Runs `fn` holding a lock on `file` that other processes respect too (a `file.lock` folder,
 * `proper-lockfile`, loaded on first use), so a read-modify-write of `file` never loses another
 * process's update. Waits up to about half a minute for the lock; a lock left by a crashed process
 * is taken over after 10 s.
 */
export async function withFileLock<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const { lock } = await import('proper-lockfile');
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  let compromised: Error | undefined;
  let release: () => Promise<void>;
  try {
    release = await lock(file, {
      realpath: false,
      stale: 10_000,
      retries: { retries: 200, factor: 1.2, minTimeout: 5, maxTimeout: 150, randomize: true },
      onCompromised: (err) => {
        compromised = err;
      },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ELOCKED') {
      throw new SecureTransferError(`${file} stayed locked by another Secure Transfer process for too long; try again (delete ${file}.lock if no other run is going on).`, 'failure', 'state-locked', { cause: err });
    }
    throw err;
  }
  try {
    const result = await fn();
    if (compromised) {
      throw new SecureTransferError(`The lock on ${file} was lost while it was being updated (the process stalled for over 10 s); run the command again.`, 'failure', 'state-lock-lost', { cause: compromised });
    }
    return result;
  } finally {
    await release().catch(() => undefined);
  }
}
