/** FTP replies and socket errors → one clear sentence with the FTP code and the path. */
import { FTPError } from 'basic-ftp';
import { NotFoundError, SecureTransferError, UsageError, type ErrorCode, type ErrorKind } from '../errors';
import { tlsFailureReason } from '../trust/certTls';
import { escapeControlChars, serverText } from '../displayText';

/** Reply texts that say "not found" outright (vsftpd's are vaguer; those are probed instead). */
const NOT_FOUND_TEXT = /no such file|not found|does not exist|doesn't exist|cannot find|can't find|can't check for file existence/i;
/** Replies meaning "the file is not available", which may or may not be a missing path. */
const MAYBE_NOT_FOUND_CODES = new Set([450, 550]);

/** An FTP reply's text (the server's own words), on one line, escaped and bounded. */
export function replyText(err: FTPError): string {
  // A hostile reply must not reach the user's terminal with escape sequences in it.
  return serverText(err.message.replace(/[ \t\r\n]+/g, ' ').trim());
}

type LibraryError = Error & { code?: string | number };

/**
 * What basic-ftp and Node throw that is not an FTP reply → our reason (the end of one sentence).
 * basic-ftp's texts are written for developers ("instantiate the Client with …") and may quote the
 * server: they never reach the user; a server's words only do, escaped, where a row says so.
 * `kind` 'security' marks a refusal made to keep the user safe (exit 3).
 */
export const FTP_LIBRARY_FAILURES: ReadonlyArray<{ code: ErrorCode; kind: ErrorKind; matches: (e: LibraryError) => boolean; reason: (e: LibraryError) => string }> = [
  {
    code: 'pasv-other-host',
    kind: 'security',
    matches: (e) => /returned another host/i.test(e.message),
    reason: (e) => {
      const host = /another host \(([^)]*)\)/.exec(e.message)?.[1];
      return `the server asked for the data connection to go to another host${host ? ` (${serverText(host, 64)})` : ''}, which Secure Transfer refuses so that files cannot be diverted; ask the server's administrator to fix its passive address (e.g. pasv_address, MasqueradeAddress, ForcePassiveIP)`;
    },
  },
  {
    code: 'tls-refused',
    kind: 'security',
    matches: (e) => typeof e.code === 'string' && /^(ERR_TLS_CERT_ALTNAME_INVALID|CERT_|UNABLE_TO_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|ERR_SSL_)/.test(e.code),
    reason: (e) => `the TLS connection was refused (${e.code}), so nothing was transferred: check the server's certificate and TLS settings`,
  },
  {
    // A TLS error that is not a verdict on the certificate (an alert, a broken record): a failure.
    code: 'tls-failed',
    kind: 'failure',
    matches: (e) => /SSL routines/.test(e.message),
    reason: (e) => `the TLS connection failed (${serverText(tlsFailureReason(e), 120)}): check that the server offers TLS 1.2 or newer on data connections`,
  },
  {
    code: 'ftp-bad-reply',
    kind: 'failure',
    matches: (e) => /^Can't parse|as a numerical value|Unexpected FTP response/i.test(e.message),
    reason: () => 'the server answered with a reply that is not valid FTP; check that this port runs an FTP server, or ask its administrator',
  },
  {
    code: 'ftp-reply-too-large',
    kind: 'failure',
    matches: (e) => /response exceeded maximum allowed size|Maximum bytes exceeded/i.test(e.message),
    reason: () => 'the server sent a reply larger than Secure Transfer accepts, so the connection was closed',
  },
  {
    code: 'listing-format',
    kind: 'failure',
    matches: (e) => /directory listing/i.test(e.message),
    reason: () => 'the server lists folders in a format Secure Transfer cannot read (only MLSD, Unix and DOS listings are supported)',
  },
  {
    code: 'data-timeout',
    kind: 'failure',
    matches: (e) => /^Timeout/i.test(e.message),
    reason: () => 'the server stopped answering (a data or control connection timed out); check the network and retry',
  },
  {
    code: 'data-connection-failed',
    kind: 'failure',
    matches: (e) => /no data connection|transfer strategies/i.test(e.message),
    reason: () => 'no data connection could be opened to the server; check that passive mode is allowed by its firewall and retry',
  },
  {
    code: 'local-file-changed',
    kind: 'failure',
    matches: (e) => /changed while it was being uploaded/i.test(e.message),
    reason: () => 'the local file changed while it was being uploaded; upload it again once it is no longer being written',
  },
  {
    code: 'bad-path',
    kind: 'usage',
    matches: (e) => /Contains control characters/i.test(e.message),
    reason: () => 'a path contains a control character, which FTP cannot send safely; use a name without control characters',
  },
  {
    code: 'connection-lost',
    kind: 'failure',
    matches: (e) =>
      (typeof e.code === 'string' && /^(ECONNRESET|EPIPE|ECONNABORTED|ERR_STREAM_PREMATURE_CLOSE)$/.test(e.code)) ||
      /closed connection unexpectedly|FIN packet|Socket closed|Client is closed|Control socket is disconnected/i.test(e.message),
    reason: () => 'the connection to the server was lost; reconnect and retry',
  },
  {
    code: 'connection-refused',
    kind: 'failure',
    matches: (e) => e.code === 'ECONNREFUSED',
    reason: () => 'the server refused the connection (ECONNREFUSED); check the host and port',
  },
  {
    code: 'network-unreachable',
    kind: 'failure',
    matches: (e) => typeof e.code === 'string' && /^(ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(e.code),
    reason: (e) => `the server cannot be reached (${e.code}); check the host, the network and any VPN or firewall`,
  },
];

/** The row for a library or Node error; a catch-all that shows only a system error code. */
export function ftpLibraryFailure(err: unknown): { code: ErrorCode; kind: ErrorKind; reason: string } {
  const e = (err instanceof Error ? err : new Error(String(err))) as LibraryError;
  const row = FTP_LIBRARY_FAILURES.find((r) => r.matches(e));
  if (row) return { code: row.code, kind: row.kind, reason: row.reason(e) };
  const sys = typeof e.code === 'string' && /^E[A-Z]+$/.test(e.code) ? ` (${e.code})` : '';
  return { code: 'connection', kind: 'failure', reason: `the FTP connection failed unexpectedly${sys}; retry, and reconnect if it keeps failing` };
}

export function saysNotFound(err: unknown): boolean {
  return err instanceof FTPError && MAYBE_NOT_FOUND_CODES.has(err.code) && NOT_FOUND_TEXT.test(err.message);
}

export function mayBeNotFound(err: unknown): boolean {
  return err instanceof FTPError && MAYBE_NOT_FOUND_CODES.has(err.code);
}

/**
 * @param what  the operation as a verb phrase ("download", "list")
 * @param subject  the path(s) it was about, for the message
 * @param missing  whether a probe found the path absent (for vague 550 replies)
 */
export function ftpError(err: unknown, what: string, rawSubject: string, where: string, missing = false): Error {
  if (err instanceof SecureTransferError) return err;
  // The subject may be a name the server chose (a recursive download): never raw controls in a message.
  const subject = escapeControlChars(rawSubject);
  if (err instanceof FTPError) {
    const text = replyText(err);
    if (saysNotFound(err) || (missing && mayBeNotFound(err))) {
      return new NotFoundError(`${subject} does not exist on ${where} (${what}: ${text}).`, { cause: err });
    }
    return new SecureTransferError(`${where} refused to ${what} ${subject}: ${text}.`, 'failure', `ftp-${err.code}`, { cause: err, details: { reply: err.code } });
  }
  const failure = ftpLibraryFailure(err);
  return new SecureTransferError(`Could not ${what} ${subject} on ${where}: ${failure.reason}.`, failure.kind, failure.code, { cause: err });
}

/** basic-ftp's words when its control reply or data watchdog timed out (FtpContext, transfer.js). */
const TIMEOUTS: ReadonlyArray<{ pattern: RegExp; silence: string }> = [
  { pattern: /\bTimeout \(data socket\)/, silence: 'sent or took no bytes on the data connection' },
  { pattern: /\bTimeout when trying to open data connection/, silence: 'did not accept the data connection' },
  { pattern: /\bTimeout \(control socket\)/, silence: 'did not answer the command' },
];

/**
 * The one sentence for a request the server left unanswered past the session's requestTimeout
 * (basic-ftp has closed the connection by then); undefined for any other error.
 */
export function ftpTimeoutError(err: unknown, what: string, subject: string, where: string, timeoutMs: number): SecureTransferError | undefined {
  const row = err instanceof Error && !(err instanceof FTPError) ? TIMEOUTS.find((r) => r.pattern.test(err.message)) : undefined;
  if (!row) return undefined;
  const transfer = what === 'download' || what === 'upload to';
  return new SecureTransferError(
    `${where} ${row.silence} for ${+(timeoutMs / 1000).toFixed(1)} s (${what} ${subject}), so the connection was closed: try again, or raise the profile's requestTimeout (--request-timeout) if the server is just slow${transfer ? '; what was transferred is kept and a re-run resumes it' : ''}.`,
    'failure',
    'request-timeout',
    { cause: err },
  );
}

/** FTP is line-based: a CR, LF or NUL in a path would end the command and start another. */
export function assertSafeFtpPath(path: string, role = 'remote path'): void {
  if (typeof path !== 'string' || path === '') {
    throw new UsageError(`The ${role} is empty: give an absolute remote path such as /home/user/file.txt.`, 'bad-path');
  }
  if (/[\r\n\0]/.test(path)) {
    throw new UsageError(
      `The ${role} ${JSON.stringify(path.slice(0, 120))} contains a line break or NUL character, which FTP cannot send safely: use a name without control characters.`,
      'bad-path',
    );
  }
}
