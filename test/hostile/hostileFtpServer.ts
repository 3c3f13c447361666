/**
 * A small, deliberately hostile FTPS server (node:net + node:tls, explicit AUTH TLS) speaking just
 * enough FTP for a client to log in and list/download: AUTH TLS, USER, PASS, PBSZ, PROT, FEAT,
 * OPTS, TYPE, STRU, PWD, CWD, SIZE, MLST, PASV, MLSD, LIST, RETR, QUIT. The test decides what it
 * lies about: listing lines, replies, the greeting.
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';

export const HOSTILE_FTP_USER = { username: 'hostile', password: 'hostile-pass' };

export interface HostileFtpOptions {
  certFile: string;
  keyFile: string;
  /** The lines of an MLSD listing (without CRLF), per folder path; as a generator for huge ones. */
  mlsd?: (path: string) => Iterable<string>;
  /** The lines of a LIST listing; when set, FEAT does not offer MLST (so clients use LIST). */
  list?: (path: string) => Iterable<string>;
  /** File contents for RETR/SIZE, by path. */
  files?: Record<string, string>;
  /** Replaces the reply to a command (by verb): the raw text sent, CRLFs included. */
  replies?: Partial<Record<string, string | (() => Iterable<string>)>>;
  /** Raw greeting (default "220 hostile ready\r\n"); a generator streams it. */
  greeting?: string | (() => Iterable<string>);
  /** Verbs never answered (the client must time out). */
  silentOn?: string[];
  /** RETR sends this many bytes of the file, then holds the data connection open and sends nothing. */
  stallRetrAfterBytes?: number;
}

export interface HostileFtpServer {
  host: string;
  port: number;
  username: string;
  password: string;
  close(): Promise<void>;
}

/** Writes chunks with backpressure, so huge replies don't pile up in this process. */
async function writeAll(socket: net.Socket, chunks: Iterable<string>): Promise<void> {
  for (const chunk of chunks) {
    if (socket.destroyed) return;
    if (!socket.write(chunk)) await new Promise<void>((resolve) => socket.once('drain', resolve).once('close', resolve));
  }
}

function linesOf(lines: Iterable<string>): Iterable<string> {
  return (function* () {
    let buf = '';
    for (const l of lines) {
      buf += l + '\r\n';
      if (buf.length > 64 * 1024) {
        yield buf;
        buf = '';
      }
    }
    if (buf) yield buf;
  })();
}

export async function startHostileFtpServer(opts: HostileFtpOptions): Promise<HostileFtpServer> {
  const secure = { cert: readFileSync(opts.certFile), key: readFileSync(opts.keyFile) };
  const sockets = new Set<net.Socket>();
  const servers = new Set<net.Server>();

  const control = net.createServer((raw) => {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    let socket: net.Socket = raw;
    let pending: Promise<net.Socket> | undefined; // the data connection of the last PASV
    let buffer = '';

    const send = (text: string | (() => Iterable<string>)) => writeAll(socket, typeof text === 'string' ? [text] : text());

    const openPassive = async (): Promise<string> => {
      const dataServer = tls.createServer(secure);
      servers.add(dataServer);
      await new Promise<void>((resolve) => dataServer.listen(0, '127.0.0.1', resolve));
      const port = (dataServer.address() as AddressInfo).port;
      pending = new Promise<net.Socket>((resolve) =>
        dataServer.once('secureConnection', (s) => {
          sockets.add(s);
          s.on('error', () => undefined);
          dataServer.close();
          servers.delete(dataServer);
          resolve(s);
        }),
      );
      return `227 Entering Passive Mode (127,0,0,1,${port >> 8},${port & 255})\r\n`;
    };

    const transfer = async (body: Iterable<string>) => {
      if (!pending) return send('425 Use PASV first\r\n');
      await send('150 Here it comes\r\n');
      const data = await pending;
      pending = undefined;
      await writeAll(data, body);
      await new Promise<void>((resolve) => data.end(resolve));
      await send('226 Done\r\n');
    };

    const commands: Record<string, (arg: string) => Promise<void> | void> = {
      AUTH: () => {
        void send('234 Go ahead\r\n').then(() => {
          raw.removeAllListeners('data');
          const secured = new tls.TLSSocket(raw, { isServer: true, ...secure });
          secured.on('error', () => undefined);
          secured.on('data', onData);
          socket = secured;
        });
      },
      USER: () => send('331 Password please\r\n'),
      PASS: (arg) => send(arg === HOSTILE_FTP_USER.password ? '230 Welcome\r\n' : '530 No\r\n'),
      FEAT: () => send(opts.list ? '211-Features:\r\n PASV\r\n211 End\r\n' : '211-Features:\r\n MLST type*;size*;modify*;\r\n PASV\r\n211 End\r\n'),
      OPTS: () => send('200 OK\r\n'),
      TYPE: () => send('200 OK\r\n'),
      STRU: () => send('200 OK\r\n'),
      PBSZ: () => send('200 OK\r\n'),
      PROT: () => send('200 OK\r\n'),
      PWD: () => send('257 "/" is the current folder\r\n'),
      CWD: () => send('250 OK\r\n'),
      NOOP: () => send('200 OK\r\n'),
      SIZE: (arg) => send(opts.files?.[arg] !== undefined ? `213 ${Buffer.byteLength(opts.files[arg])}\r\n` : '550 No such file\r\n'),
      MLST: (arg) => send(opts.files?.[arg] !== undefined ? `250-Listing\r\n type=file;size=${Buffer.byteLength(opts.files[arg])}; ${arg}\r\n250 End\r\n` : `250-Listing\r\n type=dir; ${arg}\r\n250 End\r\n`),
      PASV: async () => send(await openPassive()),
      EPSV: () => send('500 Use PASV\r\n'),
      MLSD: (arg) => transfer(linesOf(opts.mlsd?.(arg || '/') ?? [])),
      LIST: (arg) => transfer(linesOf(opts.list?.(arg.replace(/^-a\s*/, '') || '/') ?? [])),
      RETR: async (arg) => {
        const content = opts.files?.[arg];
        if (content === undefined) return send('550 No such file\r\n');
        if (opts.stallRetrAfterBytes === undefined) return transfer([content]);
        if (!pending) return send('425 Use PASV first\r\n');
        await send('150 Here it comes\r\n');
        const data = await pending;
        pending = undefined;
        await writeAll(data, [content.slice(0, opts.stallRetrAfterBytes)]); // and then nothing, for ever
      },
      QUIT: () => {
        void send('221 Bye\r\n').then(() => socket.end());
      },
    };

    let queue = Promise.resolve();
    function onData(chunk: Buffer) {
      buffer += chunk.toString('latin1');
      let nl: number;
      while ((nl = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 2);
        const verb = line.split(' ', 1)[0].toUpperCase();
        const arg = line.slice(verb.length + 1);
        if (opts.silentOn?.includes(verb)) continue;
        const replaced = opts.replies?.[verb];
        const handler = replaced !== undefined ? () => send(replaced) : (commands[verb] ?? (() => send('502 Not here\r\n')));
        queue = queue.then(() => handler(arg)).catch(() => undefined);
      }
    }
    raw.on('data', onData);
    void send(opts.greeting ?? '220 hostile ready\r\n');
  });

  await new Promise<void>((resolve) => control.listen(0, '127.0.0.1', resolve));
  return {
    host: '127.0.0.1',
    port: (control.address() as AddressInfo).port,
    ...HOSTILE_FTP_USER,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        for (const s of servers) s.close();
        control.close(() => resolve());
      }),
  };
}
