import * as posix from 'node:path/posix';
import { serverText } from '../displayText';

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
  home?: FolderFact;
  /**
   * The profile's start folder (remotePath) when it is not the login folder: where the user browses
   * and deploys, judged like the login folder.
   */
  startFolder?: FolderFact;
  ftp?: FtpLoginFacts;
  /** Checks that could not be made, one sentence each (shown as notes, never fatal). */
  notes?: string[];
}

/** A folder and its permission bits (0o777 range) and numeric owner where the server tells them. */
export interface FolderFact {
  path: string;
  permissions?: number;
  owner?: number;
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
  /** The profile's remotePath (absolute, or relative to the login folder): judged too when it is another folder. */
  startFolder?: string;
  /**
   * Also run the checks some servers answer by ending the session — a data connection without TLS
   * session reuse makes vsftpd (`require_ssl_reuse=YES`) close the control connection. Only Test
   * Connection sets it (its session is closed right after); after an ordinary connect the user's
   * session must survive the look, so those checks are left out (ftp-data-no-session-reuse is then
   * not judged).
   */
  mayEndSession?: boolean;
}

/** How a session looks at one folder: its stat (follows a final symlink, as the user's paths do). */
type Stat = (path: string, opts: { signal?: AbortSignal }) => Promise<{ permissions?: number; uid?: number }>;

/**
 * The login folder's and the start folder's facts, each by one stat on the session. A folder that
 * cannot be looked at becomes a note (never an error: the login audit must not fail a connection).
 */
export async function folderFacts(stat: Stat, home: string, opts: LoginFactsOptions, describe: (err: unknown) => string): Promise<Pick<LoginFacts, 'home' | 'startFolder' | 'notes'>> {
  const notes: string[] = [];
  const look = async (path: string, what: string): Promise<FolderFact> => {
    try {
      const e = await stat(path, { signal: opts.signal });
      if (e.permissions === undefined) notes.push(`The server does not tell the permissions of ${what} ${serverText(path)}.`);
      return { path, ...(e.permissions !== undefined ? { permissions: e.permissions } : {}), ...(e.uid !== undefined ? { owner: e.uid } : {}) };
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      notes.push(`The permissions of ${what} ${serverText(path)} could not be read: ${describe(err)}`);
      return { path };
    }
  };
  const result: Pick<LoginFacts, 'home' | 'startFolder' | 'notes'> = { home: await look(home, 'the login folder') };
  const start = opts.startFolder === undefined || opts.startFolder === '' ? undefined : posix.resolve(home, opts.startFolder.replace(/^~(?=\/|$)/, home));
  if (start !== undefined && start !== home) result.startFolder = await look(start, 'the start folder');
  if (notes.length) result.notes = notes;
  return result;
}
