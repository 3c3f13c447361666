/** Removes secrets from text before it is logged. Plain logic, no VS Code API. */
import { redact, REDACTED } from '../core/secrets/redact';

/** `password=…`, `"passphrase": "…"`, FTP `PASS …`: masked even when the value was never seen. */
const ASSIGNMENT_PATTERNS: readonly RegExp[] = [
  /((?:password|passphrase|passwd|secret|totp)["']?\s*[:=]\s*["']?)[^\s"',&]+/gi,
  /(\bPASS\s+)\S+/g,
];

export class Redactor {
  private readonly secrets = new Set<string>();

  /** Remembers a secret value (in memory only) so it never reaches the log verbatim. */
  add(secret: string | undefined): void {
    if (secret) this.secrets.add(secret);
  }

  redact(text: string): string {
    const masked = redact(text, [...this.secrets]);
    return ASSIGNMENT_PATTERNS.reduce((out, p) => out.replace(p, `$1${REDACTED}`), masked);
  }
}
