/**
 * Turns what ssh2 throws into one sentence a user can act on. Both tables are data: add a row, not
 * an if-branch.
 */
import { NotFoundError, SecureTransferError, type ErrorCode, type ErrorDetails, type ErrorDetailsByCode, type ErrorKind } from '../errors';
import type { ServerAddress } from '../profiles/types';
import { escapeControlChars, serverText } from '../displayText';
import { hostPort } from '../profiles/serverAddress';

/** What each side offered per algorithm category, captured from ssh2's handshake debug lines. */
export type AlgorithmOffers = Map<string, { local?: string; remote?: string }>;

const OFFER_LINE = /^Handshake: \((local|remote)\) (.+?): (.*)$/;

/** Feeds one ssh2 debug line; records "(local) C->S cipher: a,b" style lines. */
export function recordOffer(offers: AlgorithmOffers, debugLine: string): void {
  const m = OFFER_LINE.exec(debugLine);
  if (!m) return;
  const [, side, category, list] = m;
  const entry = offers.get(category) ?? {};
  entry[side as 'local' | 'remote'] = list;
  offers.set(category, entry);
}

/** ssh2's "no matching …" wording → the category name in its debug lines and a human name. */
const NEGOTIATION_FAILURES: ReadonlyArray<{ suffix: string; category: string; what: string }> = [
  { suffix: 'key exchange algorithm', category: 'KEX method', what: 'key-exchange algorithm' },
  { suffix: 'host key format', category: 'Host key format', what: 'host-key algorithm' },
  { suffix: 'C->S cipher', category: 'C->S cipher', what: 'cipher' },
  { suffix: 'S->C cipher', category: 'S->C cipher', what: 'cipher' },
  { suffix: 'C->S MAC', category: 'C->S MAC', what: 'MAC' },
  { suffix: 'S->C MAC', category: 'S->C MAC', what: 'MAC' },
  { suffix: 'C->S compression', category: 'C->S compression', what: 'compression method' },
  { suffix: 'S->C compression', category: 'S->C compression', what: 'compression method' },
];

interface ConnectErrorContext {
  server: ServerAddress;
  timeoutMs: number;
  offers: AlgorithmOffers;
}

type Ssh2Error = Error & { code?: string | number; level?: string };

type NoCommonAlgorithm = ErrorDetailsByCode['no-common-algorithm'];

/** The fields of a failed negotiation: which category, and both sides' lists as the handshake logged them. */
function noCommonAlgorithmDetails(c: ConnectErrorContext, e: Ssh2Error): NoCommonAlgorithm {
  const row = NEGOTIATION_FAILURES.find((r) => e.message.endsWith(r.suffix));
  const offered = row ? c.offers.get(row.category) : undefined;
  return {
    server: { host: c.server.host, port: c.server.port },
    what: row?.what ?? 'algorithm',
    // The server's list is its own text (algorithm names are whatever it sends): escaped and bounded.
    ...(offered?.remote ? { serverOffers: serverText(offered.remote), clientOffers: offered.local } : {}),
  };
}

/** "host:22 and Secure Transfer have no cipher in common: the server offers …" — built from the fields. */
export function noCommonAlgorithmText(d: NoCommonAlgorithm): string {
  const detail = d.serverOffers ? ` the server offers ${d.serverOffers}, this client offers ${d.clientOffers ?? 'its defaults'}` : '';
  return `${hostPort(d.server)} and Secure Transfer have no ${d.what} in common${detail ? `:${detail}` : ''}`;
}

interface ConnectFailure {
  code: ErrorCode;
  kind: ErrorKind;
  matches: (e: Ssh2Error) => boolean;
  message: (c: ConnectErrorContext, e: Ssh2Error) => string;
  /** The fields callers build sentences from (ErrorDetailsByCode[code]). */
  details?: (c: ConnectErrorContext, e: Ssh2Error) => ErrorDetails;
}

/**
 * What ssh2 (and Node's socket) throws while connecting → our sentence. `kind` 'security' marks a
 * refusal made to keep the user safe (exit 3, like every other security refusal); the rest are
 * failures (exit 1). ssh2's own wording never reaches the user: unknown errors get the catch-all.
 */
export const CONNECT_FAILURES: ReadonlyArray<ConnectFailure> = [
  {
    code: 'connection-refused',
    kind: 'failure',
    matches: (e) => e.code === 'ECONNREFUSED',
    message: (c) => `The connection to ${hostPort(c.server)} was refused: check that an SSH server listens on that host and port.`,
  },
  {
    code: 'host-not-found',
    kind: 'failure',
    matches: (e) => e.code === 'ENOTFOUND' || e.code === 'EAI_AGAIN',
    message: (c) => `The host name "${c.server.host}" could not be resolved: check its spelling and your network or DNS settings.`,
  },
  {
    code: 'host-unreachable',
    kind: 'failure',
    matches: (e) => e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH',
    message: (c) => `${hostPort(c.server)} cannot be reached from this machine: check the address, your network and any VPN.`,
  },
  {
    code: 'connect-timeout',
    kind: 'failure',
    matches: (e) => e.level === 'client-timeout' || e.code === 'ETIMEDOUT',
    message: (c) => `Timed out after ${+(c.timeoutMs / 1000).toFixed(1)} s connecting to ${hostPort(c.server)}: check the host, port and firewall, or raise the profile's connectTimeout.`,
  },
  {
    code: 'no-common-algorithm',
    kind: 'security',
    matches: (e) => /no matching /i.test(e.message),
    message: (c, e) =>
      `${noCommonAlgorithmText(noCommonAlgorithmDetails(c, e))}; the server likely only supports outdated algorithms — ask its administrator to enable modern ones.`,
    details: noCommonAlgorithmDetails,
  },
  {
    // The server could not prove it holds the host key it presented (a forged or broken key exchange).
    code: 'host-key-proof-failed',
    kind: 'security',
    matches: (e) => /signature verification failed|failed to (verify|prove)|Error while converting handshake signature/i.test(e.message),
    message: (c) => `${hostPort(c.server)} could not prove that it holds the host key it presented, so nothing was sent: this may be an attack or a broken server — ask its administrator.`,
  },
  {
    // Strict key exchange (the Terrapin counter-measure) saw a packet where none may be: tampering.
    code: 'handshake-tampered',
    kind: 'security',
    matches: (e) => /strict KEX/i.test(e.message),
    message: (c) => `The SSH key exchange with ${hostPort(c.server)} was tampered with or broken (a packet arrived where strict key exchange allows none), so nothing was sent: retry, and ask the network's and server's administrators if it persists.`,
  },
  {
    code: 'connection-closed',
    kind: 'failure',
    matches: (e) => e.code === 'ECONNRESET' || e.code === 'EPIPE' || /before handshake|Connection lost|Timed out while waiting for handshake|Bad packet length|Bad identification|Invalid packet|Protocol error/i.test(e.message),
    message: (c) => `${hostPort(c.server)} closed the connection before the SSH login finished: check that this port runs SSH (not FTP or HTTP) and that the server allows your address.`,
  },
];

/** ssh2's `utils.parseKey` result for an encrypted key parsed without a passphrase (OpenSSH, PEM and PPK wordings). */
export function keyNeedsPassphrase(parsed: Error): boolean {
  return /no passphrase given/i.test(parsed.message);
}

export function mapConnectError(err: unknown, ctx: ConnectErrorContext): Error {
  if (err instanceof SecureTransferError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2Error;
  const row = CONNECT_FAILURES.find((r) => r.matches(e));
  if (row) return new SecureTransferError(row.message(ctx, e), row.kind, row.code, { cause: e, ...(row.details ? { details: row.details(ctx, e) } : {}) });
  // Catch-all: ssh2's text is written for its developers (and may quote the server), so only a
  // system error code (ECONNABORTED…) is shown; the original stays as `cause` for the log.
  const sys = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? ` (${e.code})` : '';
  return new SecureTransferError(
    `The SSH connection to ${hostPort(ctx.server)} failed${sys} before the session was ready: check that this host and port run an SSH server and retry.`,
    'failure',
    'connection-failed',
    { cause: e },
  );
}

/** SFTP status codes (draft-ietf-secsh-filexfer-02 §7) that need their own wording. */
const STATUS_FAILURES: Readonly<Record<number, (op: string, path: string, where: string, user: string, cause: Error) => SecureTransferError>> = {
  2: (op, path, where, _u, cause) => new NotFoundError(`Cannot ${op} ${path} on ${where}: it does not exist.`, { cause }),
  3: (op, path, where, user, cause) =>
    new SecureTransferError(`Permission denied: ${user} may not ${op} ${path} on ${where}; check the permissions of the file and its folder.`, 'failure', 'permission-denied', { cause }),
  6: (op, path, where, _u, cause) => new SecureTransferError(`Cannot ${op} ${path}: the connection to ${where} is gone; reconnect and retry.`, 'failure', 'connection-lost', { cause }),
  7: (op, path, where, _u, cause) => new SecureTransferError(`Cannot ${op} ${path}: the connection to ${where} was lost; reconnect and retry.`, 'failure', 'connection-lost', { cause }),
  8: (op, path, where, _u, cause) => new SecureTransferError(`Cannot ${op} ${path}: the SFTP server at ${where} does not support this operation.`, 'failure', 'unsupported', { cause }),
};

/** Maps an SFTP error for operation `op` ("read", "create the folder", …) on `path`. */
export function mapSftpError(err: unknown, op: string, path: string, server: ServerAddress): Error {
  if (err instanceof SecureTransferError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2Error;
  const where = hostPort(server);
  // Paths may be names the server chose (a recursive download): never raw controls in a message.
  const shownPath = escapeControlChars(path);
  const byStatus = typeof e.code === 'number' ? STATUS_FAILURES[e.code] : undefined;
  if (byStatus) return byStatus(op, shownPath, where, server.username, e);
  if (/no response|not connected|channel.*(closed|not open)/i.test(e.message)) return STATUS_FAILURES[7](op, shownPath, where, server.username, e);
  // An SFTP status message (numeric code) is the server's own text: shown, escaped and bounded.
  if (typeof e.code === 'number') {
    return new SecureTransferError(`Cannot ${op} ${shownPath} on ${where}: the server said "${serverText(e.message)}".`, 'failure', 'sftp-failure', { cause: e });
  }
  // Anything else is ssh2's or Node's own wording, written for developers: not shown.
  const sys = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? ` (${e.code})` : '';
  return new SecureTransferError(`Cannot ${op} ${shownPath} on ${where}: the SFTP request failed unexpectedly${sys}; retry, and reconnect if it keeps failing.`, 'failure', 'sftp-failure', { cause: e });
}
