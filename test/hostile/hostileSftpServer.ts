/**
 * A deliberately hostile SFTP server on ssh2's server API: it serves a made-up tree whose names are
 * whatever the test says (`..`, `/etc/x`, NUL, escapes…), as many as it says, with any greeting or
 * login banner. Real protocol, real ssh2 server — only the answers lie.
 */
import type { AddressInfo } from 'node:net';
import { Server, utils, type Attributes, type Connection, type FileEntry, type ServerConfig, type SFTPWrapper } from 'ssh2';
import { sha256Fingerprint } from '../../src/core/trust/fingerprint';

const STATUS = utils.sftp.STATUS_CODE;
const OPEN_MODE = utils.sftp.OPEN_MODE;

/** A folder maps names to children; a file is its content. */
export type HostileNode = { kind: 'dir'; entries: () => Iterable<[string, HostileNode]> } | { kind: 'file'; content: Buffer };

export interface HostileSftpOptions {
  root: HostileNode;
  /** Text sent before the SSH version line (RFC 4253 §4.2 lets servers send other lines first). */
  greeting?: string;
  /** SSH_MSG_USERAUTH_BANNER text. */
  banner?: string;
  /** READDIR batch size, or the size for the i-th READDIR of the connection (from 0). */
  batch?: number | ((i: number) => number);
  /** The i-th READDIR is answered EOF though names remain (a server that ends a pipelined listing early). */
  earlyEof?: (i: number) => boolean;
  /** Every READDIR is answered with a full batch of new names: a listing that never ends. */
  endless?: boolean;
  /** The i-th READDIR's answer (its names taken in order) is sent after this many ms: answers come out of order. */
  replyDelayMs?: (i: number) => number;
  /**
   * Log in with keyboard-interactive instead of a password: the server sends this name,
   * instructions and prompts (whatever the test says) and accepts any non-empty answers.
   */
  keyboardInteractive?: { name?: string; instructions?: string; prompts: Array<{ prompt: string; echo?: boolean }> };
  /** What the server offers (ssh2's `algorithms`), e.g. only an outdated cipher. */
  algorithms?: ServerConfig['algorithms'];
  /**
   * Requests (by ssh2's event name: READ, STAT, OPEN…) left unanswered while this says so; asked
   * at each request with its arguments after the request id (READ: handle, offset, length). The
   * connection stays up and keepalives are answered: only the answer never comes.
   */
  silent?: (request: string, args: unknown[]) => boolean;
}

export interface HostileSftpServer {
  host: string;
  port: number;
  username: string;
  password: string;
  fingerprint: string;
  /** How many entries were sent in listings (hostile inputs tried). */
  entriesSent(): number;
  /** READDIR requests received, and the most that were waiting for an answer at once. */
  readdirs(): { requests: number; maxWaiting: number };
  close(): Promise<void>;
}

export const HOSTILE_USER = { username: 'hostile', password: 'hostile-pass' };

const DIR_MODE = 0o040755;
const FILE_MODE = 0o100644;

function attrsOf(node: HostileNode): Attributes {
  const size = node.kind === 'file' ? node.content.length : 4096;
  return { mode: node.kind === 'dir' ? DIR_MODE : FILE_MODE, uid: 1000, gid: 1000, size, atime: 1_700_000_000, mtime: 1_700_000_000 };
}

/** Finds a node by path, following the lying names literally (a name "a/b" is reached as a then b). */
function lookup(root: HostileNode, path: string): HostileNode | undefined {
  let node: HostileNode | undefined = root;
  for (const part of path.split('/').filter((p) => p !== '' && p !== '.')) {
    if (node?.kind !== 'dir') return undefined;
    let next: HostileNode | undefined;
    for (const [name, child] of node.entries()) {
      if (name === part) {
        next = child;
        break;
      }
    }
    node = next;
  }
  return node;
}

type OpenHandle = { kind: 'dir'; iterator: Iterator<[string, HostileNode]>; done: boolean } | { kind: 'file'; content: Buffer };

interface ReaddirCount {
  requests: number;
  waiting: number;
  maxWaiting: number;
}

function serve(sftp: SFTPWrapper, opts: HostileSftpOptions, onEntries: (n: number) => void, counted: ReaddirCount): void {
  const handles = new Map<number, OpenHandle>();
  let next = 0;
  const handleBuf = (h: OpenHandle): Buffer => {
    const id = next++;
    handles.set(id, h);
    const b = Buffer.alloc(4);
    b.writeUInt32BE(id);
    return b;
  };
  const get = (b: Buffer) => handles.get(b.readUInt32BE(0));
  const batchOf = (i: number) => (typeof opts.batch === 'function' ? opts.batch(i) : (opts.batch ?? 200));
  if (opts.silent) {
    const silent = opts.silent;
    const on = sftp.on.bind(sftp) as (event: string, fn: (reqid: number, ...args: unknown[]) => void) => SFTPWrapper;
    (sftp as unknown as { on: typeof on }).on = (event, fn) => on(event, (reqid, ...args) => (silent(event, args) ? undefined : fn(reqid, ...args)));
  }

  sftp.on('REALPATH', (reqid, path: string) => {
    const p = path === '.' || path === '' ? '/' : path;
    sftp.name(reqid, [{ filename: p, longname: p, attrs: {} as Attributes }]);
  });
  const statHandler = (reqid: number, path: string) => {
    const node = lookup(opts.root, path);
    if (!node) return sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
    sftp.attrs(reqid, attrsOf(node));
  };
  sftp.on('STAT', statHandler);
  sftp.on('LSTAT', statHandler);
  sftp.on('OPENDIR', (reqid, path: string) => {
    const node = lookup(opts.root, path);
    if (node?.kind !== 'dir') return sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such folder');
    sftp.handle(reqid, handleBuf({ kind: 'dir', iterator: node.entries()[Symbol.iterator](), done: false }));
  });
  sftp.on('READDIR', (reqid, handle: Buffer) => {
    const i = counted.requests++;
    counted.maxWaiting = Math.max(counted.maxWaiting, ++counted.waiting);
    const delay = opts.replyDelayMs?.(i) ?? 0;
    const reply = (send: () => void) => {
      const go = () => {
        counted.waiting--;
        send();
      };
      if (delay > 0) setTimeout(go, delay);
      else go();
    };
    const h = get(handle);
    if (h?.kind !== 'dir') return reply(() => sftp.status(reqid, STATUS.FAILURE, 'Bad handle'));
    if (opts.earlyEof?.(i)) return reply(() => sftp.status(reqid, STATUS.EOF));
    const out: FileEntry[] = [];
    const batch = batchOf(i);
    if (opts.endless) {
      for (let k = 0; k < batch; k++) out.push({ filename: `endless-${i}-${k}`, longname: `-rw-r--r-- 1 u g 0 Jan 1 00:00 endless-${i}-${k}`, attrs: attrsOf({ kind: 'file', content: Buffer.alloc(0) }) });
    }
    while (out.length < batch) {
      const r = h.iterator.next();
      if (r.done) break;
      const [name, child] = r.value;
      out.push({ filename: name, longname: `-rw-r--r-- 1 u g 0 Jan 1 00:00 ${name}`, attrs: attrsOf(child) });
    }
    if (out.length === 0) return reply(() => sftp.status(reqid, STATUS.EOF));
    onEntries(out.length);
    reply(() => sftp.name(reqid, out));
  });
  sftp.on('OPEN', (reqid, path: string, flags: number) => {
    const node = lookup(opts.root, path);
    if (flags & (OPEN_MODE.WRITE | OPEN_MODE.CREAT)) return sftp.status(reqid, STATUS.PERMISSION_DENIED, 'Read-only');
    if (node?.kind !== 'file') return sftp.status(reqid, STATUS.NO_SUCH_FILE, 'No such file');
    sftp.handle(reqid, handleBuf({ kind: 'file', content: node.content }));
  });
  sftp.on('FSTAT', (reqid, handle: Buffer) => {
    const h = get(handle);
    if (h?.kind !== 'file') return sftp.status(reqid, STATUS.FAILURE, 'Bad handle');
    sftp.attrs(reqid, attrsOf({ kind: 'file', content: h.content }));
  });
  sftp.on('READ', (reqid, handle: Buffer, offset: number, length: number) => {
    const h = get(handle);
    if (h?.kind !== 'file') return sftp.status(reqid, STATUS.FAILURE, 'Bad handle');
    if (offset >= h.content.length) return sftp.status(reqid, STATUS.EOF);
    sftp.data(reqid, h.content.subarray(offset, offset + length));
  });
  sftp.on('CLOSE', (reqid, handle: Buffer) => {
    handles.delete(handle.readUInt32BE(0));
    sftp.status(reqid, STATUS.OK);
  });
  for (const refused of ['WRITE', 'MKDIR', 'RMDIR', 'REMOVE', 'RENAME', 'SETSTAT', 'FSETSTAT', 'READLINK', 'SYMLINK', 'EXTENDED'] as const) {
    sftp.on(refused, (reqid: number) => sftp.status(reqid, STATUS.OP_UNSUPPORTED, 'Not here'));
  }
}

export async function startHostileSftpServer(opts: HostileSftpOptions): Promise<HostileSftpServer> {
  // ssh2's generateKeyPairSync('ed25519') yields a private key its own parser rejects about once in
  // 500 ("Malformed OpenSSH private key"): draw again rather than fail (a flake in every hostile test).
  let keys = utils.generateKeyPairSync('ed25519');
  for (let i = 0; i < 10 && utils.parseKey(keys.private) instanceof Error; i++) keys = utils.generateKeyPairSync('ed25519');
  const parsed = utils.parseKey(keys.public);
  const blob = (Array.isArray(parsed) ? parsed[0] : parsed) as { getPublicSSH(): Buffer };
  let entries = 0;
  const counted: ReaddirCount = { requests: 0, waiting: 0, maxWaiting: 0 };
  const connections = new Set<Connection>();
  const config: ServerConfig = { hostKeys: [keys.private], ...(opts.greeting !== undefined ? { greeting: opts.greeting } : {}), ...(opts.banner !== undefined ? { banner: opts.banner } : {}), ...(opts.algorithms ? { algorithms: opts.algorithms } : {}) };
  const server = new Server(config, (client) => {
    connections.add(client);
    client.on('authentication', (ctx) => {
      const ki = opts.keyboardInteractive;
      if (ki) {
        if (ctx.method !== 'keyboard-interactive' || ctx.username !== HOSTILE_USER.username) return ctx.reject(['keyboard-interactive']);
        ctx.prompt(ki.prompts, ki.name ?? '', ki.instructions ?? '', (answers) => (answers.every((a) => a !== '') ? ctx.accept() : ctx.reject(['keyboard-interactive'])));
        return;
      }
      if (ctx.method === 'password' && ctx.username === HOSTILE_USER.username && ctx.password === HOSTILE_USER.password) ctx.accept();
      else ctx.reject(['password']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => serve(acceptSftp(), opts, (n) => (entries += n), counted));
      });
    });
    client.on('error', () => undefined);
    client.on('close', () => connections.delete(client));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (server.address() as AddressInfo).port,
    ...HOSTILE_USER,
    fingerprint: sha256Fingerprint(blob.getPublicSSH()),
    entriesSent: () => entries,
    readdirs: () => ({ requests: counted.requests, maxWaiting: counted.maxWaiting }),
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of connections) c.end();
        server.close(() => resolve());
      }),
  };
}

/** A folder node from a fixed list of [name, node] pairs. */
export function dir(entries: Array<[string, HostileNode]>): HostileNode {
  return { kind: 'dir', entries: () => entries };
}

export function file(text: string): HostileNode {
  return { kind: 'file', content: Buffer.from(text) };
}
