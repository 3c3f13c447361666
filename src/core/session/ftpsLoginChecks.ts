/**
 * The FTPS part of a session's login facts (loginFacts.ts), asked on the logged-in control connection
 * the user opened anyway — never a second login, never a write. In this order:
 *
 * 1. `SITE HELP`: the reply and the SITE commands it names (bounded server text).
 * 2. Is CCC offered? From the post-login FEAT, else `HELP CCC`. CCC itself is NEVER sent: it would
 *    turn the user's own control connection into clear text for the rest of the session (every later
 *    command, file name and reply readable and forgeable on the path), with no way back to TLS on
 *    that connection short of reconnecting.
 * 3. Is PROT C accepted after login? Proved by a transfer in clear of the listing of a name that does
 *    not exist (`LIST`, else `NLST`: nothing of the user's crosses in clear), then PROT P again.
 * 4. Does a data connection work WITHOUT resuming the control connection's TLS session? A passive
 *    data connection is TLS-connected (certificate verified as always) with a fresh session — basic-ftp
 *    normally passes the control connection's `session` — and `LIST` of a missing name is sent.
 *    Accepted = the server used the data connection (150/125, then no data-connection failure) on a
 *    handshake that did not resume.
 *    Last, because vsftpd (require_ssl_reuse=YES) answers it 522 and then ENDS the session: its
 *    defence against data-connection stealing, reported in a note (the caller must expect it).
 *
 * Data connections go the session's own way: the client's `prepareTransfer` (basic-ftp's EPSV/PASV to
 * the control host — a PASV naming another host is refused — or ftpsProxy's through the same proxy),
 * given a view of the FTP context that withholds the TLS session (check 4) or makes the control
 * socket look plain so no TLS is wrapped (check 3), and that keeps the data socket here instead of
 * handing it to basic-ftp, whose handlers would close the whole session on a refused data connection.
 *
 * The session is left as found: PROT P (if PROT P cannot be restored the session is closed rather than
 * left to move files in clear), the same TYPE and working folder (nothing here changes them), and the
 * same TLS session to resume on the next transfer (tickets from the fresh data connection are dropped).
 */
import * as net from 'node:net';
import * as tls from 'node:tls';
import { randomBytes } from 'node:crypto';
import { FTPError, type Client, type FTPContext, type FTPResponse } from 'basic-ftp';
import { SecurityRefusal, throwIfAborted } from '../errors';
import type { FtpLoginFacts } from './loginFacts';

export interface FtpsLoginCheckOptions {
  /** Aborting stops between checks (the caller's abort also closes the client, as for any request). */
  signal?: AbortSignal;
  /** How long to wait for a data connection to close after its final reply (default 2 s). */
  dataCloseMs?: number;
  /**
   * Check 4, a data connection without TLS session reuse (default true). vsftpd with
   * require_ssl_reuse=YES ends the session when it sees one: `false` keeps such a session open and
   * leaves `dataWithoutSessionReuse` undefined.
   */
  checkDataSessionReuse?: boolean;
}

/** At most this many SITE command names are kept, each at most SITE_NAME_MAX characters (server text). */
export const SITE_COMMANDS_MAX = 32;
const SITE_NAME_MAX = 16;
/** Evidence quoted from a reply is cut to this many characters (escaped again before display). */
const EVIDENCE_MAX = 160;
/** A listing of a name that does not exist is (near) empty; more than this is not read. */
const DATA_READ_MAX = 64 * 1024;

type DataSocket = net.Socket | tls.TLSSocket;

/** Final replies that mean the data connection itself failed or was refused (RFC 959, RFC 4217, RFC 2228). */
const DATA_FAILURES: ReadonlySet<number> = new Set([425, 426, 431, 522, 533, 534, 535, 536]);

export async function ftpsLoginChecks(client: Client, opts: FtpsLoginCheckOptions = {}): Promise<FtpLoginFacts> {
  const facts: FtpLoginFacts = {};
  const notes: string[] = [];
  const { signal } = opts;
  const closeMs = opts.dataCloseMs ?? 2000;
  const missing = `secure-transfer-audit-${randomBytes(6).toString('hex')}.missing`;
  // Each check on its own: an FTP refusal is a note, a dead control connection ends the checks.
  const step = async (what: string, fn: () => Promise<void>): Promise<void> => {
    throwIfAborted(signal);
    if (client.closed) return;
    try {
      await fn();
    } catch (err) {
      throwIfAborted(signal);
      notes.push(`${what} could not be checked: ${oneLine(err)}.`);
    }
  };

  await step('SITE HELP', async () => {
    const res = await client.sendIgnoringError('SITE HELP');
    facts.site = { reply: res.code, commands: res.code >= 200 && res.code < 300 ? siteCommandsOf(res.message) : [] };
  });
  await step('CCC', async () => {
    const feat = await client.sendIgnoringError('FEAT');
    if (feat.code === 211 && featLines(feat.message).some((l) => /^CCC\b/i.test(l))) {
      facts.cccOffered = { evidence: 'FEAT after login lists CCC' };
      return;
    }
    const help = await client.sendIgnoringError('HELP CCC');
    if (helpOffersCcc(help)) facts.cccOffered = { evidence: `HELP CCC was answered "${bounded(help.message)}"` };
  });
  await step('PROT C', async () => {
    const prot = await client.sendIgnoringError('PROT C');
    try {
      if (prot.code < 200 || prot.code >= 300) {
        facts.protCAccepted = { reply: prot.code, listed: false };
        return;
      }
      // LIST first: ProFTPD answers NLST of a missing name 450 before touching the data connection.
      let got = await listOverDataConnection(client, 'clear', `LIST ${missing}`, closeMs);
      if (!got.started && !client.closed) got = await listOverDataConnection(client, 'clear', `NLST ${missing}`, closeMs);
      facts.protCAccepted = { reply: prot.code, listed: got.accepted };
      if (!got.started && got.end !== undefined && !DATA_FAILURES.has(got.end) && got.end < 500) {
        notes.push(`PROT C was answered ${prot.code}, but the listing of a missing name was answered ${got.end} before the data connection was used, so whether data may cross in clear is not known.`);
      }
    } finally {
      await restoreProtP(client, notes);
    }
  });
  // Last: vsftpd (require_ssl_reuse=YES) answers a data connection that did not resume the TLS
  // session with 522 and then ENDS the session — its defence against data-connection stealing.
  if (opts.checkDataSessionReuse === false) {
    if (notes.length) facts.notes = notes;
    return facts;
  }
  await step('A data connection without TLS session reuse', async () => {
    const got = await listOverDataConnection(client, 'tls-fresh', `LIST ${missing}`, closeMs);
    if (got.resumed) {
      notes.push('The data connection resumed the TLS session although none was offered, so session reuse could not be checked.');
      return;
    }
    if (!got.started && got.end !== undefined && !got.handshake && !DATA_FAILURES.has(got.end)) {
      notes.push(`The server answered LIST with ${got.end} before using the data connection, so whether it requires TLS session reuse is not known.`);
      return;
    }
    facts.dataWithoutSessionReuse = got.accepted;
    if (!got.accepted && (await endedBy(client))) {
      notes.push(`The server refused a data connection that did not resume the TLS session (${got.end ?? 'no reply'}) and ended the session, as vsftpd does with require_ssl_reuse=YES: reconnect to go on.`);
    }
  });
  if (notes.length) facts.notes = notes;
  return facts;
}

/** True when the server has closed the control connection (vsftpd's answer to a reuse-less data connection). */
async function endedBy(client: Client): Promise<boolean> {
  if (client.closed) return true;
  try {
    // Awaited to the end (basic-ftp runs one request at a time); the request timeout bounds it.
    await client.sendIgnoringError('NOOP');
  } catch {
    // The NOOP's failure is the closed connection itself.
  }
  return client.closed;
}

/** PROT P again; a session that can't have it back is closed, never left to move files in clear. */
async function restoreProtP(client: Client, notes: string[]): Promise<void> {
  if (client.closed) return;
  let code: number | string;
  try {
    code = (await client.sendIgnoringError('PROT P')).code;
  } catch (err) {
    code = oneLine(err);
  }
  if (typeof code === 'number' && code >= 200 && code < 300) return;
  client.close();
  notes.push(`PROT P could not be restored after the PROT C check (${code}), so the session was closed rather than left to move files in clear.`);
}

interface ListOutcome {
  /** 150/125 arrived. */
  started: boolean;
  /** The final reply code (2xx, 4xx, 5xx); undefined when none came. */
  end?: number;
  /**
   * The server used the data connection: 150/125, then anything but a data-connection or protection
   * failure — 226 for an empty listing (vsftpd, pure-ftpd), or ProFTPD's 450 "no such file", which it
   * sends only after the data connection is up (it says 425 when it cannot build it).
   */
  accepted: boolean;
  /** The data connection completed a TLS handshake (tls-fresh only). */
  handshake: boolean;
  /** The TLS handshake resumed a session (it must not, in tls-fresh mode). */
  resumed: boolean;
}

/**
 * Opens a data connection the session's own way (see the file comment), sends `command` and reads its
 * replies to the end. `tls-fresh`: TLS with the session's options (certificate verification
 * included) but no session to resume; `clear`: plain TCP (after PROT C).
 */
async function listOverDataConnection(client: Client, mode: 'tls-fresh' | 'clear', command: string, closeMs: number): Promise<ListOutcome> {
  const data = await openDataConnection(client, mode);
  let handshake = false;
  let resumed = false;
  let bytes = 0;
  const closed = new Promise<void>((resolve) => data.once('close', () => resolve()));
  data.on('error', () => undefined); // a refused data connection is an answer, not a session error
  if (data instanceof tls.TLSSocket) {
    data.once('secureConnect', () => {
      handshake = true;
      resumed = data.isSessionReused();
    });
  }
  data.on('data', (chunk: Buffer) => {
    bytes += chunk.length;
    if (bytes > DATA_READ_MAX) data.destroy();
  });
  try {
    let started = false;
    const end = await client.ftp.handle(command, (res: FTPResponse | Error, task) => {
      if (res instanceof FTPError) task.resolve(res.code);
      else if (res instanceof Error) task.reject(res);
      else if (res.code === 150 || res.code === 125) started = true;
      else if (res.code >= 200) task.resolve(res.code);
    });
    if (started) await Promise.race([closed, delay(closeMs)]);
    const worked = started && end !== undefined && !DATA_FAILURES.has(end) && (mode === 'clear' || (handshake && !resumed));
    return { started, end, accepted: worked, handshake, resumed };
  } finally {
    data.destroy();
  }
}

/**
 * Runs the client's own passive-mode strategy on a view of its FTP context: replies and commands go
 * to the real control connection, but the TLS session is withheld (`tls-fresh`) or the control socket
 * does not look like TLS so no TLS is wrapped (`clear`), and the data socket stays here instead of
 * being adopted by basic-ftp (whose default handlers would close the whole session on its errors).
 * Session tickets issued on this connection are dropped: the next real transfer resumes as before.
 */
async function openDataConnection(client: Client, mode: 'tls-fresh' | 'clear'): Promise<DataSocket> {
  const ctx = client.ftp;
  const control = ctx.socket;
  let captured: DataSocket | undefined;
  const forward = <T extends object>(target: T, prop: string | symbol): unknown => {
    const value: unknown = Reflect.get(target, prop, target);
    return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value;
  };
  const controlView = new Proxy(control, {
    get: (target, prop) => (prop === 'getSession' ? () => undefined : forward(target, prop)),
    getPrototypeOf: (target) => (mode === 'clear' ? net.Socket.prototype : Reflect.getPrototypeOf(target)),
  });
  const view = new Proxy(ctx, {
    get: (target, prop) => {
      if (prop === 'socket') return controlView;
      if (prop === 'tlsSessionStore') return undefined;
      if (prop === 'dataSocket') return captured;
      return forward(target, prop);
    },
    set: (target, prop, value) => {
      if (prop === 'dataSocket') captured = value as DataSocket | undefined;
      else if (prop !== 'tlsSessionStore') Reflect.set(target, prop, value, target);
      return true;
    },
  });
  try {
    await client.prepareTransfer(view as FTPContext);
  } catch (err) {
    captured?.destroy();
    // ftpsProxy opens data connections only next to a TLS control connection: no clear one through a proxy.
    if (mode === 'clear' && err instanceof SecurityRefusal) throw new Error('a clear data connection is not opened through the proxy');
    throw err;
  }
  if (!captured) throw new Error('no data connection was opened');
  if (mode === 'clear' && captured instanceof tls.TLSSocket) {
    captured.destroy();
    throw new Error('the data connection was wrapped in TLS');
  }
  return captured;
}

/**
 * SITE command names in a `SITE HELP` reply (server text, bounded): upper-case words of every line
 * but the prose ones (vsftpd: "214 CHMOD UMASK HELP"; ProFTPD and pure-ftpd: one per line between a
 * heading and a closing line). ProFTPD marks unimplemented commands with `*`: those are left out.
 */
export function siteCommandsOf(message: string): string[] {
  const names = new Set<string>();
  const lines = message.split(/\r?\n/).slice(0, 200);
  for (const [i, raw] of lines.entries()) {
    const line = raw.replace(/^\d{3}[ -]?/, '').trim();
    const words = line.split(/\s+/).filter(Boolean);
    // A prose line (a heading, "Direct comments to …") has lower-case words; a list line has none.
    const isList = words.length > 0 && words.every((w) => /^[A-Z][A-Z0-9_]*\*?$/.test(w));
    if (!isList) continue;
    // A multi-line reply's closing line is prose or a single name; a single-line reply is the list.
    if (lines.length > 1 && i === lines.length - 1 && words.length > 1) continue;
    for (const w of words) {
      if (w.endsWith('*') || w.length > SITE_NAME_MAX || w === 'SITE') continue;
      names.add(w);
      if (names.size >= SITE_COMMANDS_MAX) return [...names];
    }
  }
  return [...names];
}

/**
 * True when `HELP CCC` says CCC is implemented: ProFTPD answers "214 Syntax: CCC …"; a server that
 * lists all its commands (vsftpd) names CCC among them only when it has it (ProFTPD's own list marks
 * it `CCC*`, unimplemented, and says so in its FEAT instead).
 */
export function helpOffersCcc(res: { code: number; message: string }): boolean {
  if (res.code < 200 || res.code >= 300) return false;
  const text = res.message.split(/\r?\n/).slice(0, 200).join('\n');
  if (/^\d{3}[ -]Syntax:\s*CCC\b/im.test(text)) return true;
  return /(^|\s)CCC(\s|$)/m.test(text.replace(/^\d{3}[ -]/gm, ''));
}

const featLines = (message: string): string[] =>
  message
    .split(/\r?\n/)
    .slice(1, -1)
    .map((l) => l.trim());

const bounded = (text: string): string => {
  const one = text.replace(/\s*\r?\n\s*/g, ' ').trim();
  return one.length > EVIDENCE_MAX ? one.slice(0, EVIDENCE_MAX) + '…' : one;
};

function oneLine(err: unknown): string {
  return bounded(err instanceof Error ? err.message : String(err));
}

const delay = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms).unref());
