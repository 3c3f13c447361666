/** FTP replies and socket errors → one clear sentence with the FTP code and the path. */
import { FTPError } from 'basic-ftp';
import { NotFoundError, SecureTransferError, UsageError, describeError } from '../errors';
import { tlsFailureReason } from '../trust/certTls';

/** Reply texts that say "not found" outright (vsftpd's are vaguer; those are probed instead). */
const NOT_FOUND_TEXT = /no such file|not found|does not exist|doesn't exist|cannot find|can't find|can't check for file existence/i;
/** Replies meaning "the file is not available", which may or may not be a missing path. */
const MAYBE_NOT_FOUND_CODES = new Set([450, 550]);

export function replyText(err: FTPError): string {
  // A hostile reply must not reach the user's terminal with escape sequences in it.
  // eslint-disable-next-line no-control-regex
  return err.message.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '').trim();
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
export function ftpError(err: unknown, what: string, subject: string, where: string, missing = false): Error {
  if (err instanceof SecureTransferError) return err;
  if (err instanceof FTPError) {
    const text = replyText(err);
    if (saysNotFound(err) || (missing && mayBeNotFound(err))) {
      return new NotFoundError(`${subject} does not exist on ${where} (${what}: ${text}).`, { cause: err });
    }
    return new SecureTransferError(`${where} refused to ${what} ${subject}: ${text}.`, 'failure', `ftp-${err.code}`, { cause: err });
  }
  const said = err instanceof Error && /SSL routines/.test(err.message) ? tlsFailureReason(err) : describeError(err).replace(/\.$/, '');
  // basic-ftp quotes server replies in its own errors ("Can't parse response to 'PASV': …").
  // eslint-disable-next-line no-control-regex
  const reason = said.replace(/\s+/g, ' ').replace(/[\u0000-\u001f\u007f-\u009f]/g, '');
  return new SecureTransferError(`Could not ${what} ${subject} on ${where}: ${reason}.`, 'failure', 'connection', {
    cause: err,
  });
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
