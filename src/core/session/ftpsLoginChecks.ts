/**
 * The FTPS part of a session's login facts (loginFacts.ts), asked on the logged-in control connection:
 * does a data connection work without resuming the control connection's TLS session; is PROT C
 * accepted (proved with a harmless listing of a name that does not exist); which SITE commands are
 * offered; is CCC offered (post-login FEAT/HELP — CCC itself is never sent: it would strip TLS from
 * the user's own session). Leaves the session as it found it (PROT P).
 *
 * SKELETON: filled in by the a-anon branch.
 */
import type { FtpLoginFacts } from './loginFacts';

export async function ftpsLoginChecks(client: unknown, opts: { signal?: AbortSignal } = {}): Promise<FtpLoginFacts> {
  void client;
  void opts;
  return {};
}
