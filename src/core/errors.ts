/**
 * Every error a user can see is one of these: one sentence saying what went wrong, where, and how
 * to fix it. The `kind` decides the CLI exit code, so callers never map messages to codes by hand.
 * The `code` is one of ERROR_CODES (the type checker refuses any other), and a code that callers
 * build sentences about carries typed `details` (ErrorDetailsByCode): read those, never the message.
 */
import { serverText } from './displayText';

export type ErrorKind =
  /** Network, authentication, not found, server refused… (exit 1). */
  | 'failure'
  /** The command line or a profile is malformed (exit 2). */
  | 'usage'
  /** Refused on purpose: plaintext, unknown/changed key or certificate, old TLS, policy (exit 3). */
  | 'security';

export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = { failure: 1, usage: 2, security: 3 };

/**
 * Every stable, machine-readable reason an error can carry, with the kind (and so the exit code) it
 * is raised with. Add a row here when a new reason appears; tests check the table against the exit
 * codes the README documents.
 */
export const ERROR_CODES = {
  // The kinds themselves: an error with no more specific reason.
  failure: 'failure',
  usage: 'usage',
  security: 'security',

  // Command line, profiles and named files (exit 2).
  'bad-url': 'usage',
  'bad-target': 'usage',
  'bad-protocol': 'usage',
  'bad-username': 'usage',
  'bad-password': 'usage',
  'bad-path': 'usage',
  'bad-fingerprint': 'usage',
  'bad-totp-seed': 'usage',
  'bad-identity-file': 'usage',
  'bad-ca-file': 'usage',
  'bad-known-hosts-file': 'usage',
  'bad-proxy': 'usage',
  'bad-ssh-config': 'usage',
  'no-profile-file': 'usage',
  'bad-import-file': 'usage',
  'bad-baseline': 'usage',
  'secret-in-url': 'usage',
  'empty-secret': 'usage',
  'stdin-too-long': 'usage',
  'transfer-failed': 'usage',
  // Profile file problems (profiles/validate.ts ProblemCode): the file is malformed, so exit 2.
  syntax: 'usage',
  'secret-in-profile': 'usage',
  'verification-disabled': 'usage',
  'plain-ftp': 'usage',
  'unknown-key': 'usage',
  'duplicate-name': 'usage',
  'duplicate-key': 'usage',
  'wrong-protocol': 'usage',
  missing: 'usage',
  'invalid-value': 'usage',

  // Refused to keep the user safe (exit 3).
  'plaintext-ftp': 'security',
  'policy-violation': 'security',
  'policy-invalid': 'security',
  'host-key-unknown': 'security',
  'host-key-changed': 'security',
  'host-key-revoked': 'security',
  'host-key-proof-failed': 'security',
  'handshake-tampered': 'security',
  'no-common-algorithm': 'security',
  'certificate-expired': 'security',
  'certificate-not-yet-valid': 'security',
  'certificate-invalid': 'security',
  'certificate-hostname-mismatch': 'security',
  'certificate-untrusted': 'security',
  'certificate-changed': 'security',
  'certificate-chain-incomplete': 'security',
  'ftps-not-offered': 'security',
  'ftps-not-verified': 'security',
  'ftps-data-unprotected': 'security',
  'tls-handshake-failed': 'security',
  'tls-refused': 'security',
  'pasv-other-host': 'security',
  'unsafe-name': 'security',
  'partial-replaced': 'security',

  // Failures (exit 1): connecting.
  'connection-refused': 'failure',
  'host-not-found': 'failure',
  'host-unreachable': 'failure',
  'network-unreachable': 'failure',
  'connect-timeout': 'failure',
  'connection-closed': 'failure',
  'connection-failed': 'failure',
  'connect-failed': 'failure',
  connection: 'failure',
  'tls-failed': 'failure',
  'audit-unreachable': 'failure',
  // A profile behind jump hosts: its target is not probed (an audit never logs in to a bastion).
  'audit-behind-jump-host': 'failure',
  // A SOCKS5 / HTTP CONNECT proxy that could not be reached, or refused the tunnel (session/proxy.ts).
  'proxy-unreachable': 'failure',
  'proxy-refused': 'failure',
  // Logging in.
  'auth-failed': 'failure',
  'bad-passphrase': 'failure',
  'needs-interaction': 'failure',
  'no-totp-seed': 'failure',
  'keychain-unavailable': 'failure',
  'keychain-locked': 'failure',
  // A session that is gone.
  'connection-lost': 'failure',
  disconnected: 'failure',
  'reconnect-failed': 'failure',
  'request-timeout': 'failure',
  'data-timeout': 'failure',
  'data-connection-failed': 'failure',
  'pool-closed': 'failure',
  cancelled: 'failure',
  // Remote operations.
  'not-found': 'failure',
  'permission-denied': 'failure',
  'already-exists': 'failure',
  'not-a-directory': 'failure',
  'mkdir-failed': 'failure',
  unsupported: 'failure',
  'sftp-failure': 'failure',
  'ftp-bad-reply': 'failure',
  'ftp-reply-too-large': 'failure',
  'listing-format': 'failure',
  // A listing longer than LISTING_LIMITS (session/remoteFileSystem.ts): a server that never ends one.
  'listing-too-large': 'failure',
  // Transfers.
  'local-file': 'failure',
  'local-file-changed': 'failure',
  'file-changed': 'failure',
  'remote-changed': 'failure',
  'size-mismatch': 'failure',
  'hash-mismatch': 'failure',
  'resume-mismatch': 'failure',
  'resume-refused': 'failure',
  'unsafe-partial': 'failure',
  'name-too-long': 'failure',
  // Local state files.
  'state-locked': 'failure',
  'state-lock-lost': 'failure',
} as const satisfies Record<string, ErrorKind>;

/** An FTP server's refusal, by its reply code (`ftp-550`); always a failure (exit 1). */
export type FtpReplyCode = `ftp-${number}`;

export type ErrorCode = keyof typeof ERROR_CODES | FtpReplyCode;

/** The kind a code is raised with (FTP reply codes: 'failure'). */
export function kindOfCode(code: ErrorCode): ErrorKind {
  return Object.prototype.hasOwnProperty.call(ERROR_CODES, code) ? ERROR_CODES[code as keyof typeof ERROR_CODES] : 'failure';
}

/** A server as errors name it: the fields, so a caller can format it the way it needs. */
export interface ErrorServer {
  host: string;
  port: number;
}

/** A presented identity that does not match the expected one(s). */
export interface IdentityChangedDetails {
  server: ErrorServer;
  /** The fingerprints that would have been accepted (`SHA256:…`). */
  expected: string[];
  /** The fingerprint the server presented. */
  presented: string;
}

/** Structured fields of the codes callers build sentences about (the rest carry only a message). */
export interface ErrorDetailsByCode {
  'no-common-algorithm': {
    server: ErrorServer;
    /** What kind of algorithm: 'cipher', 'MAC', 'key-exchange algorithm'… */
    what: string;
    /** The server's list as it sent it, already escaped and bounded (serverText). */
    serverOffers?: string;
    /** This client's list (undefined: its defaults). */
    clientOffers?: string;
  };
  'host-key-changed': IdentityChangedDetails & { keyType: string };
  'certificate-changed': IdentityChangedDetails;
  'host-key-unknown': { server: ErrorServer; keyType: string; presented: string };
  'host-key-revoked': { server: ErrorServer; keyType: string; presented: string };
  'policy-violation': { rule: `policy.${string}` };
  [code: FtpReplyCode]: { reply: number };
}

/** The details a code carries (undefined for codes without any). */
export type ErrorDetails<C extends ErrorCode = ErrorCode> = C extends keyof ErrorDetailsByCode ? ErrorDetailsByCode[C] : undefined;

export interface ErrorOptions<C extends ErrorCode = ErrorCode> {
  cause?: unknown;
  details?: ErrorDetails<C>;
}

export class SecureTransferError<C extends ErrorCode = ErrorCode> extends Error {
  /** A stable machine-readable reason, e.g. `host-key-changed`, `not-found`. */
  readonly code: C;
  /** Fields to build sentences from (see ErrorDetailsByCode); never parse `message`. */
  readonly details?: ErrorDetails<C>;

  constructor(
    message: string,
    readonly kind: ErrorKind = 'failure',
    code?: C,
    options?: ErrorOptions<C>,
  ) {
    super(message, options && 'cause' in options ? { cause: options.cause } : undefined);
    this.name = 'SecureTransferError';
    this.code = code ?? (kind as C);
    if (options?.details !== undefined) this.details = options.details;
  }
}

/** Narrows to an error with one of `codes`, so its `details` are typed. */
export function hasErrorCode<C extends ErrorCode>(err: unknown, ...codes: C[]): err is SecureTransferError<C> {
  return err instanceof SecureTransferError && (codes as ErrorCode[]).includes(err.code);
}

export class UsageError<C extends ErrorCode = ErrorCode> extends SecureTransferError<C> {
  constructor(message: string, code?: C, options?: ErrorOptions<C>) {
    super(message, 'usage', code ?? ('usage' as C), options);
    this.name = 'UsageError';
  }
}

/** A connection or operation refused to keep the user safe. Nothing secret has been sent. */
export class SecurityRefusal<C extends ErrorCode = ErrorCode> extends SecureTransferError<C> {
  constructor(message: string, code?: C, options?: ErrorOptions<C>) {
    super(message, 'security', code ?? ('security' as C), options);
    this.name = 'SecurityRefusal';
  }
}

/** The remote path does not exist (maps SSH_FX_NO_SUCH_FILE and FTP 550 "not found"). */
export class NotFoundError extends SecureTransferError<'not-found'> {
  constructor(message: string, options?: ErrorOptions<'not-found'>) {
    super(message, 'failure', 'not-found', options);
    this.name = 'NotFoundError';
  }
}

/** The operation was cancelled through its AbortSignal. */
export class CancelledError extends SecureTransferError<'cancelled'> {
  constructor(message = 'The operation was cancelled.') {
    super(message, 'failure', 'cancelled');
    this.name = 'CancelledError';
  }
}

export function exitCodeFor(err: unknown): number {
  return err instanceof SecureTransferError ? EXIT_CODES[err.kind] : 1;
}

/** A Node error's code (`ENOENT`, `ERR_…`, `CERT_HAS_EXPIRED`): it says what happened, so it is shown with it. */
function systemCode(err: Error): string | undefined {
  const code = (err as NodeJS.ErrnoException).code;
  return typeof code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(code) ? code : undefined;
}

/**
 * The one sentence to show a user for any thrown value (never a stack trace). Ours are their own
 * message; anything else (Node, a library) is text nobody checked: shown escaped and bounded
 * (serverText), with a system error's code.
 */
export function describeError(err: unknown): string {
  if (err instanceof SecureTransferError) return err.message;
  if (err instanceof Error) {
    const message = serverText(err.message);
    const code = systemCode(err);
    return code && !err.message.includes(code) ? `${message} (${code})` : message;
  }
  return serverText(String(err));
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
