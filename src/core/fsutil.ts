import { constants as fsConstants, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { SecureTransferError, UsageError, type ErrorCode } from './errors';

/**
 * Writes a file by writing a temporary sibling and renaming it over, so readers never see half a file.
 * `data` may come in pieces (an iterable of strings), so a large file is never one string in memory.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>, mode = 0o600): Promise<void> {
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
 * Size caps for files a profile or a flag names. A shared workspace file can name any path (`/dev/zero`,
 * a FIFO, a 10 GB log), so each is read only if it is a regular file no larger than its cap:
 * - identity (private key) 1 MiB: the largest OpenSSH/PuTTY keys (RSA 16384) are ~13 KiB;
 * - CA file 10 MiB: the whole Mozilla bundle is ~220 KiB, so large corporate bundles still fit;
 * - known_hosts 64 MiB: ~500,000 lines of the longest (RSA 4096) entries;
 * - profile file 1 MiB: thousands of profiles; it is parsed and validated as a whole;
 * - standard input (--password-stdin, `secret set-*`) 64 KiB: a password, passphrase or otpauth URI.
 */
export const INPUT_FILE_LIMITS = {
  identityFile: 1024 * 1024,
  caFile: 10 * 1024 * 1024,
  knownHosts: 64 * 1024 * 1024,
  profileFile: 1024 * 1024,
  stdin: 64 * 1024,
} as const;

/** The files a profile or flag names, as readBoundedFile() checks them. */
export const IDENTITY_FILE: BoundedFileSpec = { what: 'identityFile', expected: 'a private key file', maxBytes: INPUT_FILE_LIMITS.identityFile, code: 'bad-identity-file' };
export const CA_FILE: BoundedFileSpec = { what: 'caFile', expected: 'a PEM file of CA certificates', maxBytes: INPUT_FILE_LIMITS.caFile, code: 'bad-ca-file' };
export const KNOWN_HOSTS_FILE: BoundedFileSpec = { what: 'The known_hosts file', expected: 'an OpenSSH known_hosts file', maxBytes: INPUT_FILE_LIMITS.knownHosts, code: 'bad-known-hosts-file' };
export const PROFILE_FILE: BoundedFileSpec = { what: 'The profile file', expected: 'a .json profile file', maxBytes: INPUT_FILE_LIMITS.profileFile, code: 'no-profile-file' };

export interface BoundedFileSpec {
  /** What names the file, as the user knows it: `identityFile`, `caFile`, `known_hosts file`, `profile file`. */
  what: string;
  /** What it should be, for the fix: `a private key file`. */
  expected: string;
  maxBytes: number;
  /** The error's machine-readable code (e.g. `bad-identity-file`). */
  code: ErrorCode;
}

/** `1 MiB`, `10 MiB`, `512 KiB`, `100 bytes`. */
export function formatLimit(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** A named file refused by readBoundedFile()/checkBoundedFile() (exit 2). */
export class BoundedInputError extends UsageError {
  constructor(
    readonly file: string,
    readonly reason: 'not-regular' | 'too-large',
    spec: BoundedFileSpec,
    folder = false,
  ) {
    const problem = reason === 'too-large' ? `is larger than ${formatLimit(spec.maxBytes)}` : folder ? 'is a folder, not a regular file' : 'is not a regular file';
    super(`${spec.what} ${file} ${problem}: point it at ${spec.expected} (at most ${formatLimit(spec.maxBytes)}).`, spec.code);
    this.name = 'BoundedInputError';
  }
}

function checkOpened(file: string, st: Stats, spec: BoundedFileSpec): void {
  if (!st.isFile()) throw new BoundedInputError(file, 'not-regular', spec, st.isDirectory());
  if (st.size > spec.maxBytes) throw new BoundedInputError(file, 'too-large', spec);
}

/**
 * Opens without blocking (a FIFO would wait for a writer) or taking a terminal; symlinks are followed,
 * because everything is decided on what was opened.
 */
async function openForCheck(file: string): Promise<FileHandle> {
  return fs.open(file, fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0) | (fsConstants.O_NOCTTY ?? 0));
}

/**
 * Reads a file a profile or a flag names: it must be a regular file of at most `maxBytes`, checked
 * on the open descriptor (not the path), and at most `maxBytes + 1` bytes are ever read (a file
 * growing while read is refused too). Refusals are a UsageError naming the file, what it should be
 * and the limit; open errors (ENOENT, EACCES…) are rethrown as they are, for the caller's message.
 */
export async function readBoundedFile(file: string, spec: BoundedFileSpec): Promise<Buffer> {
  const handle = await openForCheck(file);
  try {
    const st = await handle.stat();
    checkOpened(file, st, spec);
    // Sized by fstat (+1 to notice growth), grown only up to the cap + 1.
    let buf = Buffer.alloc(Math.min(st.size, spec.maxBytes) + 1);
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length > spec.maxBytes) break;
        const bigger = Buffer.alloc(Math.min(buf.length * 2, spec.maxBytes + 1));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      const { bytesRead } = await handle.read(buf, got, buf.length - got, null);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > spec.maxBytes) throw new BoundedInputError(file, 'too-large', spec);
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/**
 * The same checks without reading (before connecting, so a bad file is refused before a packet is
 * sent). Open errors are left to the later read, whose caller words them.
 */
export async function checkBoundedFile(file: string, spec: BoundedFileSpec): Promise<void> {
  let handle: FileHandle;
  try {
    handle = await openForCheck(file);
  } catch {
    return;
  }
  try {
    checkOpened(file, await handle.stat(), spec);
  } finally {
    await handle.close();
  }
}

/** `~` and `~/…` → the home folder (OpenSSH's convention for key files). */
export function expandHome(file: string): string {
  return file === '~' || file.startsWith('~/') ? path.join(os.homedir(), file.slice(1)) : file;
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
