/**
 * The SFTP subsystem of the demo server: answers one client's SFTP requests from a local folder
 * (see ConfinedRoot for how paths are kept inside it). Each request is one small async handler in
 * a table; a test server can replace any of them through `overrides` to misbehave on purpose.
 */
import { constants as fsc, promises as fs, type Stats } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as path from 'node:path';
import { utils, type Attributes, type FileEntry, type SFTPWrapper } from 'ssh2';
import { ConfinedRoot, OutsideRootError } from './confinedRoot';

const { OPEN_MODE, STATUS_CODE } = utils.sftp;

/** Largest READ answered at once; clients handle short reads (OpenSSH asks for 32 KiB). */
const MAX_READ_BYTES = 64 * 1024;
/** Entries per READDIR answer, so huge folders go out in several packets. */
const READDIR_BATCH = 64;

/** Thrown by a handler to answer with a specific SFTP status. */
export class SftpStatusError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'SftpStatusError';
  }
}

const STATUS_BY_ERRNO: Readonly<Record<string, readonly [number, string]>> = {
  ENOENT: [STATUS_CODE.NO_SUCH_FILE, 'No such file or directory'],
  ENOTDIR: [STATUS_CODE.NO_SUCH_FILE, 'Not a directory'],
  EACCES: [STATUS_CODE.PERMISSION_DENIED, 'Permission denied'],
  EPERM: [STATUS_CODE.PERMISSION_DENIED, 'Operation not permitted'],
  ELOOP: [STATUS_CODE.PERMISSION_DENIED, 'Refusing to follow a symlink here'],
  EEXIST: [STATUS_CODE.FAILURE, 'File already exists'],
  ENOTEMPTY: [STATUS_CODE.FAILURE, 'Directory not empty'],
  EISDIR: [STATUS_CODE.FAILURE, 'Is a directory'],
  ENOSPC: [STATUS_CODE.FAILURE, 'No space left on device'],
  EINVAL: [STATUS_CODE.FAILURE, 'Invalid argument'],
  ERR_INVALID_ARG_VALUE: [STATUS_CODE.BAD_MESSAGE, 'Invalid path'],
  ERR_INVALID_ARG_TYPE: [STATUS_CODE.BAD_MESSAGE, 'Invalid argument'],
};

/** The SFTP status code and message for anything a handler throws. */
export function statusFor(err: unknown): readonly [number, string] {
  if (err instanceof SftpStatusError) return [err.status, err.message];
  if (err instanceof OutsideRootError) return [STATUS_CODE.PERMISSION_DENIED, err.message];
  return STATUS_BY_ERRNO[(err as NodeJS.ErrnoException)?.code ?? ''] ?? [STATUS_CODE.FAILURE, 'Operation failed'];
}

const ACCESS_FLAGS: Readonly<Record<number, number>> = {
  [OPEN_MODE.READ]: fsc.O_RDONLY,
  [OPEN_MODE.WRITE]: fsc.O_WRONLY,
  [OPEN_MODE.READ | OPEN_MODE.WRITE]: fsc.O_RDWR,
};
const EXTRA_OPEN_FLAGS: ReadonlyArray<readonly [number, number]> = [
  [OPEN_MODE.CREAT, fsc.O_CREAT],
  [OPEN_MODE.TRUNC, fsc.O_TRUNC],
  [OPEN_MODE.EXCL, fsc.O_EXCL],
  [OPEN_MODE.APPEND, fsc.O_APPEND],
];

/** SFTP open flags → fs.open flags. O_NOFOLLOW: the path was already resolved with realpath. */
export function fsOpenFlags(sftpFlags: number): number {
  let flags = (ACCESS_FLAGS[sftpFlags & (OPEN_MODE.READ | OPEN_MODE.WRITE)] ?? fsc.O_RDONLY) | fsc.O_NOFOLLOW;
  for (const [sftpBit, fsBit] of EXTRA_OPEN_FLAGS) if (sftpFlags & sftpBit) flags |= fsBit;
  return flags;
}

export function attrsOf(st: Stats): Attributes {
  return { mode: st.mode, uid: st.uid, gid: st.gid, size: st.size, atime: Math.floor(st.atimeMs / 1000), mtime: Math.floor(st.mtimeMs / 1000) };
}

const TYPE_LETTERS: ReadonlyArray<readonly [number, string]> = [
  [fsc.S_IFDIR, 'd'], [fsc.S_IFLNK, 'l'], [fsc.S_IFREG, '-'], [fsc.S_IFCHR, 'c'], [fsc.S_IFBLK, 'b'], [fsc.S_IFIFO, 'p'], [fsc.S_IFSOCK, 's'],
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const SIX_MONTHS_MS = 182 * 24 * 3600 * 1000;

/** The `ls -l` line OpenSSH's `sftp` client prints for `ls -l` (its servers send the same). */
export function longnameOf(name: string, st: Stats, now = Date.now()): string {
  const type = TYPE_LETTERS.find(([bits]) => (st.mode & fsc.S_IFMT) === bits)?.[1] ?? '?';
  const perms = [...'rwxrwxrwx'].map((letter, i) => (st.mode & (0o400 >> i) ? letter : '-')).join('');
  const d = st.mtime;
  const when = Math.abs(now - st.mtimeMs) < SIX_MONTHS_MS
    ? `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`
    : ` ${d.getFullYear()}`;
  const date = `${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2)} ${when.padStart(5)}`;
  return `${type}${perms} ${String(st.nlink).padStart(3)} ${String(st.uid).padEnd(8)} ${String(st.gid).padEnd(8)} ${String(st.size).padStart(8)} ${date} ${name}`;
}

type OpenHandle =
  | { kind: 'file'; file: FileHandle; realPath: string; queue: Promise<unknown> }
  | { kind: 'dir'; realPath: string; pending?: string[]; queue: Promise<unknown> };

/** Incoming attributes carry only the fields the client set, whatever @types/ssh2 says. */
type IncomingAttrs = Partial<Attributes>;

export type SftpRequestHandler = (reqid: number, ...args: never[]) => Promise<void>;

/** Reads the SFTP strings (uint32 length + bytes) packed into an EXTENDED request's data. */
function readStrings(data: Buffer | undefined, count: number): string[] {
  const out: string[] = [];
  let p = 0;
  while (data && out.length < count && p + 4 <= data.length) {
    const len = data.readUInt32BE(p);
    if (p + 4 + len > data.length) break;
    out.push(data.toString('utf8', p + 4, p + 4 + len));
    p += 4 + len;
  }
  if (out.length !== count) throw new SftpStatusError(STATUS_CODE.BAD_MESSAGE, 'Malformed extended request');
  return out;
}

/**
 * Serves SFTP on `sftp` from `root` until the channel closes. `overrides` replace individual
 * request handlers (by ssh2 event name, e.g. READ) — for deliberately broken test servers.
 */
export function serveSftp(sftp: SFTPWrapper, root: ConfinedRoot, overrides: Partial<Record<string, SftpRequestHandler>> = {}): void {
  const handles = new Map<string, OpenHandle>();
  let nextHandle = 0;

  const addHandle = (h: OpenHandle): Buffer => {
    const id = Buffer.alloc(4);
    id.writeUInt32BE(nextHandle++ >>> 0);
    handles.set(id.toString('hex'), h);
    return id;
  };
  const handleFor = (id: Buffer): OpenHandle => {
    const h = handles.get(id.toString('hex'));
    if (!h) throw new SftpStatusError(STATUS_CODE.FAILURE, 'Invalid handle');
    return h;
  };
  /** One request at a time per handle, so appends and directory batches keep their order. */
  const onHandle = <T>(h: OpenHandle, op: () => Promise<T>): Promise<T> => {
    const run = h.queue.then(op, op);
    h.queue = run.catch(() => undefined);
    return run;
  };
  const fileOf = (id: Buffer) => {
    const h = handleFor(id);
    if (h.kind !== 'file') throw new SftpStatusError(STATUS_CODE.FAILURE, 'Handle is a directory, not a file');
    return h;
  };
  const ok = (reqid: number) => sftp.status(reqid, STATUS_CODE.OK);

  const rename = async (reqid: number, from: string, to: string, overwrite: boolean) => {
    const source = await root.resolveChangeable(from);
    const target = await root.resolveChangeable(to);
    await fs.lstat(source);
    if (!overwrite && (await fs.lstat(target).then(() => true, () => false))) {
      throw new SftpStatusError(STATUS_CODE.FAILURE, 'Target already exists');
    }
    await fs.rename(source, target);
    ok(reqid);
  };

  const extensions: Readonly<Record<string, (reqid: number, data: Buffer | undefined) => Promise<void>>> = {
    // ssh2's server cannot advertise extensions in its VERSION packet, so clients that check the
    // advert (OpenSSH, ssh2) fall back to RENAME; answered anyway for clients that just try it.
    'posix-rename@openssh.com': (reqid, data) => {
      const [from, to] = readStrings(data, 2);
      return rename(reqid, from, to, true);
    },
  };

  const setAttributes = async (target: string | FileHandle, attrs: IncomingAttrs) => {
    const onFile = typeof target !== 'string';
    if (attrs.size !== undefined) await (onFile ? target.truncate(attrs.size) : fs.truncate(target, attrs.size));
    if (attrs.mode !== undefined) await (onFile ? target.chmod(attrs.mode & 0o7777) : fs.chmod(target, attrs.mode & 0o7777));
    if (attrs.mtime !== undefined) {
      const atime = attrs.atime ?? attrs.mtime;
      await (onFile ? target.utimes(atime, attrs.mtime) : fs.utimes(target, atime, attrs.mtime));
    }
    // uid/gid are ignored: the demo user owns nothing else to give files to.
  };

  const handlers: Record<string, SftpRequestHandler> = {
    OPEN: async (reqid, clientPath: string, flags: number, attrs: IncomingAttrs) => {
      const realPath = await root.resolve(clientPath);
      const file = await fs.open(realPath, fsOpenFlags(flags), (attrs.mode ?? 0o644) & 0o777);
      if ((await file.stat()).isDirectory()) {
        await file.close();
        throw new SftpStatusError(STATUS_CODE.FAILURE, 'Is a directory');
      }
      sftp.handle(reqid, addHandle({ kind: 'file', file, realPath, queue: Promise.resolve() }));
    },
    READ: async (reqid, id: Buffer, offset: number, length: number) => {
      const h = fileOf(id);
      const buf = Buffer.alloc(Math.min(length, MAX_READ_BYTES));
      const { bytesRead } = await onHandle(h, () => h.file.read(buf, 0, buf.length, offset));
      if (bytesRead === 0) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.data(reqid, buf.subarray(0, bytesRead));
    },
    WRITE: async (reqid, id: Buffer, offset: number, data: Buffer) => {
      const h = fileOf(id);
      await onHandle(h, () => h.file.write(data, 0, data.length, offset));
      ok(reqid);
    },
    CLOSE: async (reqid, id: Buffer) => {
      const h = handleFor(id);
      handles.delete(id.toString('hex'));
      if (h.kind === 'file') await onHandle(h, () => h.file.close());
      ok(reqid);
    },
    FSTAT: async (reqid, id: Buffer) => {
      const h = handleFor(id);
      sftp.attrs(reqid, attrsOf(h.kind === 'file' ? await h.file.stat() : await fs.stat(h.realPath)));
    },
    FSETSTAT: async (reqid, id: Buffer, attrs: IncomingAttrs) => {
      const h = handleFor(id);
      await onHandle(h, () => setAttributes(h.kind === 'file' ? h.file : h.realPath, attrs));
      ok(reqid);
    },
    STAT: async (reqid, clientPath: string) => {
      sftp.attrs(reqid, attrsOf(await fs.stat(await root.resolve(clientPath))));
    },
    LSTAT: async (reqid, clientPath: string) => {
      sftp.attrs(reqid, attrsOf(await fs.lstat(await root.resolveEntry(clientPath))));
    },
    SETSTAT: async (reqid, clientPath: string, attrs: IncomingAttrs) => {
      await setAttributes(await root.resolve(clientPath), attrs);
      ok(reqid);
    },
    OPENDIR: async (reqid, clientPath: string) => {
      const realPath = await root.resolve(clientPath);
      if (!(await fs.stat(realPath)).isDirectory()) throw new SftpStatusError(STATUS_CODE.FAILURE, 'Not a directory');
      sftp.handle(reqid, addHandle({ kind: 'dir', realPath, queue: Promise.resolve() }));
    },
    READDIR: async (reqid, id: Buffer) => {
      const h = handleFor(id);
      if (h.kind !== 'dir') throw new SftpStatusError(STATUS_CODE.FAILURE, 'Handle is a file, not a directory');
      const entries = await onHandle(h, async () => {
        h.pending ??= await fs.readdir(h.realPath);
        const batch: FileEntry[] = [];
        while (batch.length === 0 && h.pending.length > 0) {
          for (const name of h.pending.splice(0, READDIR_BATCH)) {
            // An entry deleted since readdir is simply left out.
            const st = await fs.lstat(path.join(h.realPath, name)).catch(() => undefined);
            if (st) batch.push({ filename: name, longname: longnameOf(name, st), attrs: attrsOf(st) });
          }
        }
        return batch;
      });
      if (entries.length === 0) sftp.status(reqid, STATUS_CODE.EOF);
      else sftp.name(reqid, entries);
    },
    REALPATH: async (reqid, clientPath: string) => {
      let virtual = root.normalize(clientPath);
      try {
        virtual = root.toVirtual(await root.resolve(clientPath));
      } catch (err) {
        // Like OpenSSH's server: a path that does not exist yet still gets its normalized form.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      sftp.name(reqid, [{ filename: virtual, longname: virtual, attrs: {} as Attributes }]);
    },
    READLINK: async (reqid, clientPath: string) => {
      const linkPath = await root.resolveEntry(clientPath);
      const target = await fs.readlink(linkPath);
      const absolute = path.resolve(path.dirname(linkPath), target);
      if (!root.isInside(absolute)) throw new OutsideRootError(clientPath, 'points outside the served folder');
      const shown = path.isAbsolute(target) ? root.toVirtual(absolute) : target;
      sftp.name(reqid, [{ filename: shown, longname: shown, attrs: {} as Attributes }]);
    },
    MKDIR: async (reqid, clientPath: string, attrs: IncomingAttrs) => {
      await fs.mkdir(await root.resolveEntry(clientPath), (attrs.mode ?? 0o755) & 0o777);
      ok(reqid);
    },
    RMDIR: async (reqid, clientPath: string) => {
      await fs.rmdir(await root.resolveChangeable(clientPath));
      ok(reqid);
    },
    REMOVE: async (reqid, clientPath: string) => {
      const realPath = await root.resolveChangeable(clientPath);
      if ((await fs.lstat(realPath)).isDirectory()) throw new SftpStatusError(STATUS_CODE.FAILURE, 'Is a directory');
      await fs.unlink(realPath);
      ok(reqid);
    },
    RENAME: (reqid, from: string, to: string) => rename(reqid, from, to, false),
    EXTENDED: async (reqid, name: string, data: Buffer | undefined) => {
      const handler = extensions[name];
      if (!handler) throw new SftpStatusError(STATUS_CODE.OP_UNSUPPORTED, `Unsupported extension ${name}`);
      await handler(reqid, data);
    },
    ...overrides,
  };

  const reply = (reqid: number, err: unknown) => {
    const [status, message] = statusFor(err);
    try {
      sftp.status(reqid, status, message);
    } catch {
      // The channel closed while the request ran: nobody is left to answer.
    }
  };
  for (const [event, handler] of Object.entries(handlers)) {
    if (!handler) continue;
    sftp.on(event, (reqid: number, ...args: unknown[]) => {
      (handler as (reqid: number, ...rest: unknown[]) => Promise<void>)(reqid, ...args).catch((err) => reply(reqid, err));
    });
  }

  const closeAll = () => {
    for (const h of handles.values()) if (h.kind === 'file') void h.file.close().catch(() => undefined);
    handles.clear();
  };
  // The client's EOF means it is done: close the channel, or OpenSSH's `sftp` waits forever.
  sftp.on('end', () => {
    closeAll();
    sftp.end();
  });
  sftp.on('close', closeAll);
  sftp.on('error', closeAll);
}
