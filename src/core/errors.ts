/**
 * Every error a user can see is one of these: one sentence saying what went wrong, where, and how
 * to fix it. The `kind` decides the CLI exit code, so callers never map messages to codes by hand.
 */

export type ErrorKind =
  /** Network, authentication, not found, server refused… (exit 1). */
  | 'failure'
  /** The command line or a profile is malformed (exit 2). */
  | 'usage'
  /** Refused on purpose: plaintext, unknown/changed key or certificate, old TLS, policy (exit 3). */
  | 'security';

export const EXIT_CODES: Readonly<Record<ErrorKind, number>> = { failure: 1, usage: 2, security: 3 };

export class SecureTransferError extends Error {
  constructor(
    message: string,
    readonly kind: ErrorKind = 'failure',
    /** A stable machine-readable reason, e.g. `host-key-changed`, `not-found`. */
    readonly code: string = kind,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SecureTransferError';
  }
}

export class UsageError extends SecureTransferError {
  constructor(message: string, code = 'usage', options?: { cause?: unknown }) {
    super(message, 'usage', code, options);
    this.name = 'UsageError';
  }
}

/** A connection or operation refused to keep the user safe. Nothing secret has been sent. */
export class SecurityRefusal extends SecureTransferError {
  constructor(message: string, code = 'security', options?: { cause?: unknown }) {
    super(message, 'security', code, options);
    this.name = 'SecurityRefusal';
  }
}

/** The remote path does not exist (maps SSH_FX_NO_SUCH_FILE and FTP 550 "not found"). */
export class NotFoundError extends SecureTransferError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'failure', 'not-found', options);
    this.name = 'NotFoundError';
  }
}

/** The operation was cancelled through its AbortSignal. */
export class CancelledError extends SecureTransferError {
  constructor(message = 'The operation was cancelled.') {
    super(message, 'failure', 'cancelled');
    this.name = 'CancelledError';
  }
}

export function exitCodeFor(err: unknown): number {
  return err instanceof SecureTransferError ? EXIT_CODES[err.kind] : 1;
}

/** The one sentence to show a user for any thrown value (never a stack trace). */
export function describeError(err: unknown): string {
  if (err instanceof SecureTransferError) return err.message;
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}

export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}
