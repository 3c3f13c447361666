/** Set Password, Set TOTP Secret, Forget Secrets (OS keychain) and Replace Pinned Key (trust store). */
import { forgetServer, setPassword, setTotpSeed } from '../../core/secrets/secrets';
import { hostPort, serverUrl } from '../../core/profiles/serverAddress';
import type { Profile, Protocol, ServerAddress } from '../../core/profiles/types';
import { resolveServer } from '../../core/connect';
import type { IdentityKind } from '../../core/trust/types';
import type { Services } from '../services';
import { resolveProfile, type TargetArg } from '../targets';
import { connectCommand } from './connection';
import type { Commands } from './types';

/**
 * The server a profile's secrets are kept under: the one connect() asks the keychain about (an SFTP
 * profile's ~/.ssh/config alias resolved to its HostName, Port and User; others as written).
 */
async function secretServer(s: Services, profile: Profile): Promise<ServerAddress> {
  return (await resolveServer(profile, s.sshConfig)).server;
}

async function setPasswordCommand(s: Services, arg?: TargetArg, password?: string): Promise<boolean> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to store the password for');
  if (!r) return false;
  const server = await secretServer(s, r.profile);
  const pw = password ?? (await s.ui.input({ prompt: `Password for ${serverUrl(server)} (kept in the OS keychain)`, password: true, ignoreFocusOut: true }));
  if (!pw) return false;
  s.log.redactor.add(pw);
  await setPassword(s.secrets, server, pw);
  s.ui.info(`The password for ${serverUrl(server)} is stored in the OS keychain.`);
  return true;
}

async function setTotpSecret(s: Services, arg?: TargetArg, seed?: string): Promise<string | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to store the TOTP secret for');
  if (!r) return undefined;
  const server = await secretServer(s, r.profile);
  const text = seed ?? (await s.ui.input({ prompt: `TOTP secret (base32 or otpauth:// URI) for ${serverUrl(server)}`, password: true, ignoreFocusOut: true }));
  if (!text) return undefined;
  s.log.redactor.add(text);
  const stored = await setTotpSeed(s.secrets, server, text);
  s.ui.info(`TOTP secret stored for ${serverUrl(server)}. Current code: ${stored.code} (${stored.secondsLeft} s left): compare it with your authenticator app.`);
  return stored.code;
}

async function forgetSecrets(s: Services, arg?: TargetArg, options?: { confirmed?: boolean }): Promise<string[]> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to forget the secrets of');
  if (!r) return [];
  const server = await secretServer(s, r.profile);
  if (!options?.confirmed) {
    const answer = await s.ui.confirm(`Forget the stored password, passphrase and TOTP secret of ${serverUrl(server)}?`, 'They are removed from the OS keychain.', 'Forget');
    if (answer !== 'Forget') return [];
  }
  const kinds = await forgetServer(s.secrets, server);
  // What was typed in this window goes too: "forget" must mean the next connection asks.
  s.passwords.forget(server);
  await s.connections.disconnect(r.profile.name);
  s.ui.info(kinds.length ? `Forgot the ${kinds.join(', ')} of ${serverUrl(server)}.` : `Nothing was stored for ${serverUrl(server)}.`);
  return kinds;
}

const IDENTITY_KIND: Readonly<Record<Protocol, IdentityKind>> = { sftp: 'host-key', ftpes: 'certificate', ftps: 'certificate' };

async function replacePinnedKey(s: Services, arg?: TargetArg, options?: { confirmed?: boolean }): Promise<boolean> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'whose pinned key or certificate changed');
  if (!r) return false;
  const p = r.profile;
  // Where the trust store knows the identity: the resolved server (or the ssh config's HostKeyAlias).
  const { trust } = await resolveServer(p, s.sshConfig);
  const what = IDENTITY_KIND[p.protocol] === 'host-key' ? 'host key' : 'certificate';
  if (!options?.confirmed) {
    const answer = await s.ui.confirmSafe(
      `Forget the remembered ${what} of ${hostPort(trust)}?`,
      `Do this only if the server's administrator confirmed that the ${what} was replaced. You will then be asked to trust the new one, with its fingerprint shown.`,
      'Keep the Old Key',
      'Forget and Reconnect',
    );
    if (answer !== 'Forget and Reconnect') return false;
  }
  const removed = await s.trustStore.forget(IDENTITY_KIND[p.protocol], trust.host, trust.port);
  s.log.warn(`Forgot ${removed} remembered ${what}(s) of ${hostPort(trust)} (Replace Pinned Key).`);
  if (p.fingerprints?.length) s.ui.info(`The profile "${p.name}" also pins fingerprints in ${p.source.location}: update them there too.`);
  await s.connections.disconnect(p.name);
  await connectCommand(s, p.name);
  return true;
}

export const SECRET_AND_TRUST_COMMANDS: Commands = {
  'secureTransfer.setPassword': setPasswordCommand,
  'secureTransfer.setTotpSecret': setTotpSecret,
  'secureTransfer.forgetSecrets': forgetSecrets,
  'secureTransfer.replacePinnedKey': replacePinnedKey,
};
