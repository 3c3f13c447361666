/**
 * The one interface the extension, the CLI and the transfer engine use for SFTP and FTPS alike.
 * Paths are absolute POSIX paths on the server ("/home/u/file.txt"). Every method rejects with a
 * SecureTransferError (NotFoundError for a missing path, CancelledError when aborted).
 */
import type { Readable } from 'node:stream';
import type { Protocol } from '../profiles/types';
import type { HashAlgorithm, RemoteHash } from './remoteHash';
import type { LoginFacts, LoginFactsOptions } from './loginFacts';

export type { HashAlgorithm, RemoteHash } from './remoteHash';

export type EntryType = 'file' | 'directory' | 'symlink' | 'other';

export interface RemoteEntry {
  /** The bare name, never containing "/" (listings with hostile names are filtered, not trusted). */
  name: string;
  type: EntryType;
  /** Bytes; 0 where unknown. */
  size: number;
  /** Modification time, ms since the epoch; 0 where unknown. */
  mtime: number;
  /**
   * How coarse `mtime` is, in ms, where it is coarser than a second: an FTP LIST line shows minutes
   * (60000), or only the day for older files (86400000). Absent: whole seconds (SFTP, MLSD, MDTM).
   */
  mtimePrecision?: number;
  /** POSIX permission bits (0o777 range) where the server tells them. */
  permissions?: number;
  /** setuid/setgid/sticky (0o7000 range) where the server tells them (SFTP) and any is set; for chmod's symbolic modes. */
  specialBits?: number;
  /** Numeric owner and group where the server tells them (SFTP). */
  uid?: number;
  gid?: number;
  /** For symlinks, where they point, when known. */
  target?: string;
}

/**
 * The most entries one listing may hold: a server that keeps sending names (and never the end) is
 * stopped here instead of filling memory. Far above real folders (100,000 entries list in ~2 s).
 */
export const LISTING_LIMITS = { entries: 1_000_000 };

export interface OpOptions {
  signal?: AbortSignal;
}

export interface ReadOptions extends OpOptions {
  /** Start reading at this byte (resume). */
  offset?: number;
}

export interface WriteOptions extends OpOptions {
  /** Write starting at this byte of an existing file (resume); default: create or truncate. */
  offset?: number;
}

export interface WriteFileOptions extends OpOptions {
  /** The file's final permission bits; see FileTransferOptions.mode. */
  mode?: number;
  gid?: number;
  onNote?: (note: string) => void;
}

export interface TransferProgress {
  /** Bytes moved so far in this call. */
  bytes: number;
  /** Total bytes, when known. */
  total?: number;
}

export interface FileTransferOptions extends OpOptions {
  offset?: number;
  /** The source's size when the caller already knows it (from a listing): saves a stat per file. */
  size?: number;
  onProgress?: (p: TransferProgress) => void;
  /**
   * Uploads: the permission bits the file gets before the upload reports success (SFTP: fsetstat on
   * the open handle; FTPS: SITE CHMOD), and its group where the server lets this user set it.
   * Until then a fresh SFTP partial is 0600.
   */
  mode?: number;
  gid?: number;
  /** Told (one sentence) when the server could not do something asked of it that is no failure, e.g. set `mode`. */
  onNote?: (note: string) => void;
}

/** One range of a ranged parallel transfer (transfer/ranged.ts). */
export interface RangeOptions extends OpOptions {
  /** Bytes of this range moved so far (contiguous from `start`). */
  onProgress?: (bytes: number) => void;
}

export interface ServerCapabilities {
  /** `posix-rename@openssh.com`: rename that atomically replaces the target. */
  atomicRename: boolean;
  /** Largest read/write request the server accepts (SFTP `limits@openssh.com`), in bytes. */
  maxRequestBytes?: number;
  /**
   * Hash commands the server offers (FTP HASH / XSHA256, SFTP check-file), lower-case names. SFTP
   * servers that list check-file only for protocol v5+ (ProFTPD) show it after the first hashFile().
   */
  hashes: string[];
}

export interface HashOptions extends OpOptions {
  /** Acceptable algorithms, most wanted first; default HASH_PREFERENCE (sha256, then the strongest). */
  algorithms?: readonly HashAlgorithm[];
}

/** How a session logged in (RemoteFileSystem.loginMethod). */
export type LoginMethod = 'key' | 'password' | 'keyboard-interactive';

export interface RemoteFileSystem {
  readonly protocol: Protocol;
  /** The login folder (where relative paths start). */
  readonly homeDir: string;
  /**
   * Who this session verifiably talks to: protocol, user, host, port and the host key or
   * certificate fingerprint that was verified. Partial names include it, so a partial written from
   * one server is never resumed from another. Undefined for sessions without a verified identity.
   */
  readonly identity?: string;
  /**
   * How this session logged in (SFTP): 'key' when a key alone did it (the profile's, the ssh
   * config's, a default ~/.ssh key or an agent's), so a new session offers the same keys and asks
   * nothing; 'password' / 'keyboard-interactive' when the last step was one (a key that only partly
   * succeeded counts as that step). Undefined when not known (FTPS, test stand-ins).
   */
  readonly loginMethod?: LoginMethod;
  readonly capabilities: ServerCapabilities;

  list(path: string, opts?: OpOptions): Promise<RemoteEntry[]>;
  /** Follows symlinks for type/size; `name` is the last path component. */
  stat(path: string, opts?: OpOptions): Promise<RemoteEntry>;
  /** Like stat but never follows a final symlink (SFTP LSTAT); optional. */
  lstat?(path: string, opts?: OpOptions): Promise<RemoteEntry>;
  /**
   * The permission bits the server takes away from new files (its umask), where it can be learned
   * (SFTP: from a probe file created empty and deleted at once in `dir`); undefined when unknown.
   */
  creationMask?(dir: string, opts?: OpOptions): Promise<number | undefined>;
  /** Resolves "~", ".", ".." and relative paths against homeDir. */
  realpath(path: string, opts?: OpOptions): Promise<string>;

  /** A readable stream of the file's bytes (from `offset`). Destroying it stops the transfer. */
  createReadStream(path: string, opts?: ReadOptions): Promise<Readable>;
  /** Writes everything `source` yields to the file; resolves when the server has it all. */
  writeFromStream(path: string, source: Readable, opts?: WriteOptions): Promise<void>;
  readFile(path: string, opts?: OpOptions): Promise<Buffer>;
  /** With `mode`: created exclusively (0600 while written; SFTP), then given `mode` (and `gid`). */
  writeFile(path: string, data: Uint8Array, opts?: WriteFileOptions): Promise<void>;

  /** Fast paths for whole files (pipelined requests where the protocol allows). */
  downloadFile(remotePath: string, localPath: string, opts?: FileTransferOptions): Promise<void>;
  uploadFile(localPath: string, remotePath: string, opts?: FileTransferOptions): Promise<void>;

  /**
   * Ranged parallel transfers (transfer/ranged.ts; optional): bytes [start, end) of the remote file
   * written into the open local descriptor `fd` at the same offsets. On failure rejects with a
   * PartialTransferError (session/sftpPipeline.ts) whose `committed` is the contiguous bytes from
   * `start` known written. Several ranges of one file run at once, each on its own session. An
   * implementation that must end its session to stop at `end` (FTP) closes it itself.
   */
  downloadRange?(remotePath: string, fd: number, start: number, end: number, opts?: RangeOptions): Promise<void>;
  /**
   * Bytes [start, end) of the local file written to the existing remote file at the same offsets
   * (the engine creates the file first), without truncating it; failures as downloadRange.
   */
  uploadRange?(localPath: string, remotePath: string, start: number, end: number, opts?: RangeOptions): Promise<void>;

  /** Creates the folder and any missing parents (mkdir -p); an existing folder is fine. */
  mkdir(path: string, opts?: OpOptions): Promise<void>;
  /** Deletes a file or symlink. */
  delete(path: string, opts?: OpOptions): Promise<void>;
  /** Removes a folder; with `recursive`, everything under it first. */
  rmdir(path: string, opts?: OpOptions & { recursive?: boolean }): Promise<void>;
  /** Renames; with `overwrite`, replaces an existing target (atomically where the server can). */
  rename(from: string, to: string, opts?: OpOptions & { overwrite?: boolean }): Promise<void>;

  /**
   * Sets the file's modification time (ms since the epoch; servers keep whole seconds). SFTP: SETSTAT;
   * FTPS: MFMT (or vsftpd's MDTM with a time) where FEAT offers it. Resolves false when the server
   * can't (no failure: the caller notes it once); optional.
   */
  setTimes?(path: string, mtimeMs: number, opts?: OpOptions): Promise<boolean>;
  /** Sets the permission bits (0o7777 range). SFTP: SETSTAT; FTPS: SITE CHMOD. Optional. */
  chmod?(path: string, mode: number, opts?: OpOptions): Promise<void>;

  /**
   * The server's own hash of the whole file (it reads the file; no bytes cross the wire). Resolves
   * undefined when the server offers no usable hash; optional, so other implementations need none.
   */
  hashFile?(path: string, opts?: HashOptions): Promise<RemoteHash | undefined>;

  /** True while the underlying connection is usable. */
  readonly connected: boolean;
  /** Called once when the connection drops or is closed. */
  /**
   * What this logged-in session can tell about the server's security (the audit's login stage, see
   * loginFacts.ts): asked on this session, never a second login, never changing anything.
   */
  loginFacts?(opts?: LoginFactsOptions): Promise<LoginFacts>;
  onClose(listener: (err?: Error) => void): void;
  close(): Promise<void>;
}
