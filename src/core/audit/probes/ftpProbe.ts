/**
 * The FTP/FTPS probe over raw sockets. Read-only and credential-free: the only login it tries is the
 * anonymous one (USER anonymous / PASS audit@; on by default, `anonymous: false` / --no-anonymous
 * skips it), which lists and never writes (no STOR, MKD, DELE…). The cleartext-login check sends a
 * made-up user name — never a real user's — on a connection of its own and quits at the reply. Not
 * `anonymous`: vsftpd answers 331 to it even with anonymous off and TLS-only logins, so only a
 * non-anonymous name tells "logins need TLS" (530/550/421) from "cleartext login accepted" (331/230).
 *
 * Order: (1) greeting, SYST, FEAT and AUTH TLS in clear; (2) in parallel the TLS probes, the cleartext-USER
 * probe and the opt-in plaintext-port probe; (3) a TLS session pinned to the exact certificate the
 * TLS probe saw, to ask PBSZ/PROT C and log in anonymously: where that works, the anonymous area is
 * listed over TLS (PROT P, the control connection's TLS session resumed) and PROT C is tried with a
 * clear listing; (4) USER anonymous / PASS audit@ in clear on a connection of its own: does anonymous
 * login work without TLS (listing the area there only when no protected listing was possible — a
 * server without TLS, or vsftpd's default allow_anon_ssl=NO, which lets anonymous users in only in clear).
 */
import { X509Certificate } from 'node:crypto';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { sha256Fingerprint } from '../../trust/fingerprint';
import type { AuditTarget, FtpFacts } from '../types';
import { ftpProduct } from '../rules/products';
import { ProbeError, SocketReader, takeLine } from './socketReader';
import { probeTls, type TlsOpener } from './tlsProbe';

export interface FtpProbeOptions {
  timeoutMs: number;
  /** Opt-in: try USER anonymous / PASS audit@ (it logs in). */
  anonymous?: boolean;
  /** Opt-in: see whether a plaintext FTP service answers on this port of the same host (usually 21). */
  plaintextPort?: number;
  /** Opens the probe's connections, data connections included (through a proxy); default: direct TCP. */
  dial?: Dial;
}

type Dial = (host: string, port: number) => Promise<net.Socket>;

export interface FtpReply {
  code: number;
  lines: string[];
}

/** A complete (possibly multi-line, RFC 959 §4.2) reply, for `SocketReader.until`. */
export function takeReply(buf: Buffer): [FtpReply, number] | undefined {
  const lines: string[] = [];
  let consumed = 0;
  let firstCode: string | undefined;
  for (;;) {
    const got = takeLine(buf.subarray(consumed));
    if (!got) return undefined;
    const [line, used] = got;
    consumed += used;
    lines.push(line);
    firstCode ??= /^\d{3}/.exec(line)?.[0];
    if (firstCode === undefined) return [{ code: 0, lines }, consumed];
    if (line.startsWith(firstCode + ' ') || line === firstCode) return [{ code: Number(firstCode), lines }, consumed];
  }
}

/** One FTP control connection: send a command, read its reply, all before one deadline. */
class FtpControl {
  private reader: SocketReader;

  /** Every wait on this connection ends by this time (one timeout per connection, not per reply). */
  private readonly deadline: number;

  constructor(
    private socket: net.Socket | tls.TLSSocket,
    timeoutMs: number,
  ) {
    this.reader = new SocketReader(socket);
    this.deadline = Date.now() + timeoutMs;
  }

  static async open(socket: net.Socket | tls.TLSSocket, timeoutMs: number): Promise<{ ctl: FtpControl; greeting: FtpReply }> {
    const ctl = new FtpControl(socket, timeoutMs);
    try {
      return { ctl, greeting: await ctl.reply('reading the FTP greeting') };
    } catch (err) {
      ctl.close();
      throw err;
    }
  }

  reply(what: string): Promise<FtpReply> {
    return this.reader.until(takeReply, this.deadline, what);
  }

  send(command: string): Promise<FtpReply> {
    this.socket.write(command + '\r\n');
    return this.reply(`waiting for the answer to ${command.split(' ')[0]}`);
  }

  /** Hands the raw socket over for a TLS handshake; this object is finished with it. */
  release(): net.Socket {
    this.reader.detach();
    return this.socket as net.Socket;
  }

  async upgrade(options: tls.ConnectionOptions): Promise<void> {
    const secure = await handshake({ ...options, socket: this.release() });
    this.socket = secure;
    this.reader = new SocketReader(secure);
    this.watchSessions();
  }

  /** The newest TLS session of the control connection (TLS 1.3 tickets arrive after the handshake). */
  private latestSession: Buffer | undefined;

  watchSessions(): void {
    if (this.socket instanceof tls.TLSSocket) this.socket.on('session', (session: Buffer) => (this.latestSession = session));
  }

  /** What a protected data connection resumes: servers require it (vsftpd require_ssl_reuse, ProFTPD by default). */
  tlsSession(): Buffer | undefined {
    return this.latestSession ?? (this.socket instanceof tls.TLSSocket ? this.socket.getSession() : undefined);
  }

  close(): void {
    this.reader.detach();
    this.socket.destroy();
  }
}

function handshake(options: tls.ConnectionOptions): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = tls.connect(options);
    s.once('secureConnect', () => resolve(s));
    s.once('error', (err) => {
      s.destroy();
      reject(err);
    });
  });
}

function connectPlain(host: string, port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port });
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

/** TLS options that trust exactly the certificate the TLS probe saw, and nothing else, for the dialogue. */
function pinnedTls(host: string, certificateDer: Buffer): tls.ConnectionOptions {
  const expected = sha256Fingerprint(certificateDer);
  return {
    ...(net.isIP(host) ? {} : { servername: host }),
    ca: [new X509Certificate(certificateDer).toString()],
    // Name checks are reported by the certificate rules; this session only needs the same certificate.
    checkServerIdentity: (_name, cert) => (sha256Fingerprint(cert.raw) === expected ? undefined : new Error('the server presented a different certificate')),
    minVersion: 'TLSv1',
    ciphers: 'DEFAULT:@SECLEVEL=0',
  };
}

/**
 * SYST's answer before login (`215 UNIX Type: L8`, `215 Windows_NT`, vsftpd's `530 Please login…`),
 * kept only to tell the product (rules/products.ts): its first line, bounded; server text.
 */
const MAX_SYST = 200;
const systLine = (reply: FtpReply) => reply.lines[0]?.slice(0, MAX_SYST);

const featLines = (reply: FtpReply) => (reply.code === 211 ? reply.lines.slice(1, -1).map((l) => l.trim()).filter(Boolean) : []);

/** A user name nobody has: the cleartext probe never names a real account and never sends PASS for it. */
export const CLEARTEXT_PROBE_USER = 'secure-transfer-audit-probe';

/** Sends USER (a made-up name) in clear on its own connection and returns the reply code; never PASS. */
async function cleartextUserReply(dial: Dial, host: string, port: number, timeoutMs: number): Promise<{ user: number; banner: string }> {
  const { ctl, greeting } = await FtpControl.open(await dial(host, port), timeoutMs);
  try {
    const user = (await ctl.send(`USER ${CLEARTEXT_PROBE_USER}`)).code;
    return { user, banner: greeting.lines.join('\n') };
  } finally {
    ctl.close();
  }
}

export async function probeFtp(target: AuditTarget, options: FtpProbeOptions): Promise<FtpFacts> {
  const { host, port } = target;
  const { timeoutMs } = options;
  const dial = options.dial ?? connectPlain;
  const implicit = target.protocol === 'ftps';
  const notes: string[] = [];
  const facts: FtpFacts = { banner: [], feat: [], authTls: implicit, cccOffered: false, notes };

  const explicitOpener: TlsOpener = async () => {
    const { ctl } = await FtpControl.open(await dial(host, port), timeoutMs);
    const auth = await ctl.send('AUTH TLS');
    if (auth.code !== 234) {
      ctl.close();
      throw new ProbeError(`AUTH TLS was answered ${auth.code}`);
    }
    return ctl.release();
  };
  const opener: TlsOpener = implicit ? () => dial(host, port) : explicitOpener;

  // (1) In clear: greeting, FEAT, AUTH TLS (explicit only; an implicit port speaks TLS from the start).
  if (!implicit) {
    const { ctl, greeting } = await FtpControl.open(await dial(host, port), timeoutMs);
    try {
      facts.banner = greeting.lines;
      facts.syst = systLine(await ctl.send('SYST'));
      facts.feat = featLines(await ctl.send('FEAT'));
      facts.authTlsReply = (await ctl.send('AUTH TLS')).code;
      facts.authTls = facts.authTlsReply === 234;
    } finally {
      ctl.close();
    }
  }

  // (2) In parallel: TLS probes, cleartext USER, plaintext port (the target's own port needs no second look).
  const plainPort = options.plaintextPort;
  const samePort = plainPort === port && !implicit;
  const [tlsResult, cleartext, plaintext] = await Promise.all([
    facts.authTls ? probeTls(opener, host, timeoutMs) : undefined,
    implicit ? undefined : settle(cleartextUserReply(dial, host, port, timeoutMs)),
    plainPort !== undefined && !samePort ? settle(cleartextUserReply(dial, host, plainPort, timeoutMs)) : undefined,
  ]);
  facts.tls = tlsResult?.facts;
  if (cleartext?.ok) {
    facts.cleartextUserReply = cleartext.value.user;
  } else if (cleartext) notes.push(`The cleartext login check failed: ${cleartext.error}.`);
  if (plainPort !== undefined) {
    facts.plaintextPort = samePort
      ? { port, banner: facts.banner.join('\n'), userReply: facts.cleartextUserReply }
      : plaintext?.ok
        ? { port: plainPort, banner: plaintext.value.banner, userReply: plaintext.value.user }
        : { port: plainPort };
  }

  // (3) The protected dialogue, pinned to the certificate just seen.
  const cert = tlsResult?.certificateDer;
  if (facts.authTls && cert) {
    try {
      await protectedDialogue(dial, facts, host, port, implicit, cert, timeoutMs, !!options.anonymous);
    } catch (err) {
      notes.push(`The protected FTP dialogue failed: ${(err as Error).message}.`);
    }
  } else if (facts.authTls) notes.push('PROT C was not checked: the TLS handshake did not complete.');

  // (4) Anonymous FTP (default on; --no-anonymous skips it): does the login work without TLS?
  if (options.anonymous && !implicit) {
    const listInClear = facts.anonymousLoginReply !== 230;
    const clear = await settle(anonymousInClear(dial, host, port, timeoutMs, listInClear));
    if (clear.ok) {
      const { reply, listing } = clear.value;
      facts.anonymous = { ...facts.anonymous, withoutTls: reply === 230, ...listing };
      // Anonymous login works if it works either way (vsftpd's default allow_anon_ssl=NO: in clear only).
      if (facts.anonymousLoginReply !== 230) facts.anonymousLoginReply = reply;
    } else notes.push(`The anonymous login in clear could not be checked: ${clear.error}.`);
  }

  facts.product = ftpProduct(facts);
  facts.cccOffered = facts.feat.some((f) => /^CCC\b/i.test(f));
  return facts;
}

async function protectedDialogue(dial: Dial, facts: FtpFacts, host: string, port: number, implicit: boolean, cert: Buffer, timeoutMs: number, anonymous: boolean): Promise<void> {
  const pinned = pinnedTls(host, cert);
  const raw = await dial(host, port);
  let ctl: FtpControl;
  if (implicit) {
    const opened = await FtpControl.open(await handshake({ ...pinned, socket: raw }), timeoutMs);
    ctl = opened.ctl;
    ctl.watchSessions();
    facts.banner = opened.greeting.lines;
  } else {
    ctl = (await FtpControl.open(raw, timeoutMs)).ctl;
    const auth = await ctl.send('AUTH TLS');
    if (auth.code !== 234) throw new ProbeError(`AUTH TLS was answered ${auth.code} the second time`);
    await ctl.upgrade(pinned);
  }
  try {
    // An implicit port has no clear phase: SYST is asked here, still before any login.
    if (implicit) facts.syst = systLine(await ctl.send('SYST'));
    const feat = featLines(await ctl.send('FEAT'));
    facts.feat = [...new Set([...facts.feat, ...feat])];
    await ctl.send('PBSZ 0');
    facts.protCReply = (await ctl.send('PROT C')).code;
    if (!anonymous) return;
    const user = await ctl.send('USER anonymous');
    facts.anonymousLoginReply = user.code === 331 ? (await ctl.send('PASS audit@')).code : user.code;
    if (facts.anonymousLoginReply !== 230) return;
    try {
      const listing = await listNames(dial, ctl, host, timeoutMs, pinned);
      facts.anonymous = { ...facts.anonymous, ...listing };
    } catch (err) {
      facts.notes.push(`The anonymous area could not be listed over TLS: ${(err as Error).message}.`);
    }
    facts.protCTransfer = await clearListing(dial, ctl, host, timeoutMs);
  } finally {
    ctl.close();
  }
}

/**
 * Logged in (anonymously): asks PROT C, then LIST over a passive data connection without TLS. The
 * data connection goes to the control host, never to the address PASV names (bounce-safe).
 */
async function clearListing(dial: Dial, ctl: FtpControl, host: string, timeoutMs: number): Promise<NonNullable<FtpFacts['protCTransfer']>> {
  await ctl.send('PBSZ 0');
  const protReply = (await ctl.send('PROT C')).code;
  if (protReply < 200 || protReply >= 300) return { protReply, listed: false };
  const pasv = await ctl.send('PASV');
  const port = /\(\d+,\d+,\d+,\d+,(\d+),(\d+)\)/.exec(pasv.lines.join(' '));
  if (pasv.code !== 227 || !port) return { protReply, listed: false };
  const data = await dial(host, Number(port[1]) * 256 + Number(port[2]));
  const closed = untilClosed(data, timeoutMs);
  try {
    const start = await ctl.send('LIST');
    if (start.code !== 125 && start.code !== 150) return { protReply, listReply: start.code, listed: false };
    // The listing ends when the server closes the data connection; then the control reply follows.
    await closed;
    const done = await ctl.reply('waiting for the end of LIST');
    return { protReply, listReply: done.code, listed: done.code === 226 || done.code === 250 };
  } finally {
    data.destroy();
  }
}

/** At most this many names of the anonymous area are kept, each cut to ANON_NAME_MAX characters (server text). */
export const ANON_LISTING_MAX = 20;
export const ANON_NAME_MAX = 100;
/** A listing is read up to this many bytes; the rest is not wanted. */
const LISTING_READ_MAX = 64 * 1024;

/**
 * Logged in anonymously: NLST of the anonymous area's top folder over a passive data connection to
 * the control host. With `secure` (the pinned TLS options) the listing is protected — PBSZ 0 / PROT P
 * and a TLS data connection resuming the control connection's session, as servers require; without,
 * in clear (a server without TLS, or one that lets anonymous users in only in clear). `listed`: the
 * listing crossed (150/125 then 226/250). Only names are kept, bounded; nothing is ever written.
 */
async function listNames(dial: Dial, ctl: FtpControl, host: string, timeoutMs: number, secure?: tls.ConnectionOptions): Promise<{ listed: boolean; listing?: string[] }> {
  if (secure) {
    await ctl.send('PBSZ 0');
    const prot = await ctl.send('PROT P');
    if (prot.code < 200 || prot.code >= 300) return { listed: false };
  }
  const pasv = await ctl.send('PASV');
  const port = /\(\d+,\d+,\d+,\d+,(\d+),(\d+)\)/.exec(pasv.lines.join(' '));
  if (pasv.code !== 227 || !port) return { listed: false };
  const raw = await dial(host, Number(port[1]) * 256 + Number(port[2]));
  // The TLS handshake is not awaited: vsftpd starts it only once LIST/NLST has arrived.
  const data = secure ? tls.connect({ ...secure, socket: raw, session: ctl.tlsSession() }) : raw;
  const body = readBounded(data, timeoutMs);
  try {
    const start = await ctl.send('NLST');
    if (start.code !== 125 && start.code !== 150) return { listed: false };
    const text = await body;
    const done = await ctl.reply('waiting for the end of NLST');
    if (done.code !== 226 && done.code !== 250) return { listed: false };
    return { listed: true, listing: namesOf(text) };
  } finally {
    data.destroy();
    raw.destroy();
  }
}

/** Names from an NLST body (latin1: any byte survives), bounded in count and length. */
export function namesOf(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    const name = line.replace(/^\.\//, '').trim();
    if (!name || name === '.' || name === '..') continue;
    names.push(name.length > ANON_NAME_MAX ? name.slice(0, ANON_NAME_MAX) + '…' : name);
    if (names.length >= ANON_LISTING_MAX) break;
  }
  return names;
}

/** Everything the peer sends until it closes (or the timeout), at most LISTING_READ_MAX bytes. */
function readBounded(socket: net.Socket | tls.TLSSocket, timeoutMs: number): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(finish, timeoutMs);
    socket.on('error', () => undefined);
    socket.on('data', (chunk: Buffer) => {
      if (size < LISTING_READ_MAX) chunks.push(chunk.subarray(0, LISTING_READ_MAX - size));
      size += chunk.length;
    });
    socket.on('close', finish);
  });
}

/**
 * USER anonymous / PASS audit@ in clear, on a connection of its own (never a real account, never
 * a real password). Where it logs in and no protected listing was possible, the area is listed on it.
 */
async function anonymousInClear(dial: Dial, host: string, port: number, timeoutMs: number, list: boolean): Promise<{ reply: number; listing: { listed?: boolean; listing?: string[] } }> {
  const { ctl } = await FtpControl.open(await dial(host, port), timeoutMs);
  try {
    const user = await ctl.send('USER anonymous');
    const reply = user.code === 331 ? (await ctl.send('PASS audit@')).code : user.code;
    if (reply !== 230 || !list) return { reply, listing: {} };
    return { reply, listing: await listNames(dial, ctl, host, timeoutMs) };
  } finally {
    ctl.close();
  }
}

/** Resolves when the peer closes the socket (or after the timeout); the data itself is discarded. */
function untilClosed(socket: net.Socket, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, timeoutMs);
    socket.resume();
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

type Settled<T> = { ok: true; value: T } | { ok: false; error: string };

async function settle<T>(p: Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await p };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
}
