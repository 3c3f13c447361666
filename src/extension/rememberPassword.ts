/**
 * After a login with a password the user typed: one non-modal offer to keep it in the OS keychain
 * ("Remember" / "Not now" / "Never for this server"). The typed password itself lives only in
 * memory (core/secrets/sessionPasswords.ts) until then. "Never" is remembered per server in VS Code's
 * global state: the server's keychain key (protocol, user, host, port), never a secret.
 */
import type * as vscode from 'vscode';
import { serverUrl } from '../core/profiles/serverAddress';
import type { ServerAddress } from '../core/profiles/types';
import { getSecret, setPassword } from '../core/secrets/secrets';
import { secretKey, type SecretStore } from '../core/secrets/secretStore';
import type { SessionPasswords } from '../core/secrets/sessionPasswords';
import type { ExtensionLogger } from './log';
import type { Ui } from './ui';

/** globalState: the servers whose password is never offered for the keychain (keychain keys, no secret). */
export const NEVER_REMEMBER_STATE = 'secureTransfer.neverRememberPassword';

export const REMEMBER = 'Remember';
export const NOT_NOW = 'Not now';
export const NEVER = 'Never for this server';

export interface RememberDeps {
  ui: Ui;
  secrets: SecretStore;
  passwords: SessionPasswords;
  state: vscode.Memento;
  log: ExtensionLogger;
}

export type RememberOutcome = 'stored' | 'not-now' | 'never' | 'not-offered';

function neverList(state: vscode.Memento): string[] {
  const v = state.get<unknown>(NEVER_REMEMBER_STATE);
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

export function neverRemember(state: vscode.Memento, server: ServerAddress): boolean {
  return neverList(state).includes(secretKey(server, 'password'));
}

/** Called after every successful connection; asks only when a typed password has not been offered yet. */
export async function offerToRemember(d: RememberDeps, server: ServerAddress): Promise<RememberOutcome> {
  const typed = d.passwords.takeUnoffered(server);
  if (typed === undefined || neverRemember(d.state, server)) return 'not-offered';
  // Someone stored one meanwhile (Set Password): nothing to offer.
  if ((await getSecret(d.secrets, server, 'password')) !== undefined) return 'not-offered';
  const where = serverUrl(server);
  const answer = await d.ui.offer(`Signed in to ${where}. Remember its password in the OS keychain, so no window asks for it again?`, REMEMBER, NOT_NOW, NEVER);
  if (answer === REMEMBER) {
    await setPassword(d.secrets, server, typed);
    d.log.info(`The password for ${where} is stored in the OS keychain (Remember).`);
    return 'stored';
  }
  if (answer === NEVER) {
    await d.state.update(NEVER_REMEMBER_STATE, [...neverList(d.state), secretKey(server, 'password')]);
    d.log.info(`The password for ${where} will not be offered for the keychain again (Never for this server).`);
    return 'never';
  }
  // "Not now" or dismissed: it stays in memory for this window only.
  return 'not-now';
}
