/**
 * A second line of defence for loggers, output channels and reports: callers pass no secrets, and
 * anything that slips through is masked here.
 */
import type { Logger } from '../log';

export const REDACTED = '‹redacted›';

/** Secrets shorter than this are not masked: masking "1" or "ab" everywhere would garble text and hide nothing. */
const MIN_REDACT_LENGTH = 4;

/** Replaces every occurrence of each secret (longest first, so overlapping secrets are fully masked). */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  const masks = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= MIN_REDACT_LENGTH))].sort((a, b) => b.length - a.length);
  return masks.reduce((out, secret) => out.split(secret).join(REDACTED), text);
}

/** A logger that masks the given secrets (looked up at each call, so late-known secrets count). */
export function redactingLogger(inner: Logger, secrets: () => readonly (string | undefined)[]): Logger {
  const wrap = (write: (m: string) => void) => (message: string) => write(redact(message, secrets()));
  return {
    trace: wrap((m) => inner.trace(m)),
    debug: wrap((m) => inner.debug(m)),
    info: wrap((m) => inner.info(m)),
    warn: wrap((m) => inner.warn(m)),
    error: wrap((m) => inner.error(m)),
  };
}
