/**
 * What a logged-in session can tell about the server's security that the read-only probes can't
 * (the audit's "login" stage, judged by core/audit/auditLogin.ts). Gathered on the session the user
 * opened anyway — never an extra login — and only by asking, never by changing anything on the server.
 */
export interface LoginFacts {
  /**
   * The authentication methods that completed, in order (`publickey`, `password`,
   * `keyboard-interactive`); for FTPS `password`, plus `otp` when a one-time code was sent and required.
   */
  authMethods?: string[];
  /** Whether a one-time code (TOTP, typed) was asked for and answered during the login. */
  secondFactorAnswered?: boolean;
  /** The login folder and its permission bits where the server tells them. */
  home?: { path: string; permissions?: number; owner?: number };
  ftp?: FtpLoginFacts;
  /** Checks that could not be made, one sentence each (shown as notes, never fatal). */
  notes?: string[];
}

export interface FtpLoginFacts {
  /** A data connection whose TLS session did NOT resume the control connection's was accepted (a listing crossed). */
  dataWithoutSessionReuse?: boolean;
  /** PROT C was accepted after login and a (harmless) listing crossed in clear. */
  protCAccepted?: { reply: number; listed: boolean };
  /** Reply to `SITE HELP` after login, and the SITE commands it names (server text). */
  site?: { reply: number; commands: string[] };
  /** Whether the logged-in server offers CCC (post-login FEAT / HELP): CCC itself is never sent. */
  cccOffered?: { evidence: string };
  /** Checks that could not be made or decided, one sentence each (the caller adds them to LoginFacts.notes). */
  notes?: string[];
}

export interface LoginFactsOptions {
  signal?: AbortSignal;
}
