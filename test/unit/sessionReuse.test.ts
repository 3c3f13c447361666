/** core/transfer/sessionReuse.ts: the one table that decides when a transfer opens extra sessions (extension and CLI). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Profile } from '../../src/core/profiles/types';
import { secretKey, type SecretStore } from '../../src/core/secrets/secretStore';
import { SessionPasswords } from '../../src/core/secrets/sessionPasswords';
import { extraSessionFactory, SESSION_REUSE_RULES, sharedReuseFacts, storedReuseFacts, whyOneSession, type ReuseFacts } from '../../src/core/transfer/sessionReuse';
import { TrustStore } from '../../src/core/trust/trustStore';

const server = { protocol: 'sftp', host: 'files.example', port: 22, username: 'ann' } as const;
const profile = (extra: Partial<Profile> = {}): Profile => ({ name: 'p', ...server, ...extra });
const allKnown: ReuseFacts = { storedPassword: true, storedTotpSeed: true, rememberedIdentity: true };

function memorySecrets(entries: Record<string, string> = {}): SecretStore {
  const map = new Map(Object.entries(entries));
  return { get: async (k) => map.get(k), set: async (k, v) => void map.set(k, v), delete: async (k) => void map.delete(k), keys: async () => [...map.keys()] };
}

test('every row of the table has a reason clause of its own', () => {
  const reasons = SESSION_REUSE_RULES.map((r) => r.unless);
  assert.equal(new Set(reasons).size, reasons.length);
  for (const r of reasons) assert.match(r, /^[a-z].*[^.]$/, `"${r}" reads as a clause after "use one connection: "`);
});

test('extra sessions open only when a login can repeat without asking anything', () => {
  const cases: Array<[string, Partial<Profile>, Partial<ReuseFacts>, boolean]> = [
    ['stored password, remembered key', {}, {}, true],
    ['password typed, not stored', {}, { storedPassword: false }, false],
    ['key file instead of a password', { identityFile: '/k' }, { storedPassword: false }, true],
    ['ssh-agent instead of a password', { agent: true }, { storedPassword: false }, true],
    ['agent turned off', { agent: false }, { storedPassword: false }, false],
    ['the first login used a key found automatically (agent or default ~/.ssh key)', {}, { storedPassword: false, keyLogin: true }, true],
    ['the first login used a password (not stored)', {}, { storedPassword: false, keyLogin: false }, false],
    ['host key trusted once only', {}, { rememberedIdentity: false }, false],
    ['FTPS with a CA-signed certificate (nothing remembered)', { protocol: 'ftpes', port: 21 }, { rememberedIdentity: false }, true],
    ['a code typed at every login', { mfa: 'prompt' }, {}, false],
    ['TOTP from a stored seed', { mfa: 'totp' }, {}, true],
    ['TOTP without a stored seed', { mfa: 'totp' }, { storedTotpSeed: false }, false],
  ];
  for (const [what, p, f, silent] of cases) {
    const why = whyOneSession(profile(p), { ...allKnown, ...f });
    assert.equal(why === undefined, silent, `${what}: ${why}`);
  }
  assert.equal(whyOneSession(profile({ mfa: 'prompt' }), allKnown), 'its profile asks for a one-time code at every login (mfa "prompt")');
});

test('stored facts come from the secret store and the trust store (or the profile pins)', async () => {
  const trustStore = TrustStore.inDir(mkdtempSync(path.join(os.tmpdir(), 'st-trust-')));
  const secrets = memorySecrets({ [secretKey(server, 'password')]: 'pw' });
  assert.deepEqual(await storedReuseFacts(profile(), secrets, trustStore), { storedPassword: true, storedTotpSeed: false, rememberedIdentity: false });
  assert.equal((await storedReuseFacts(profile({ fingerprints: ['SHA256:x'] }), secrets, trustStore)).rememberedIdentity, true);
  await trustStore.remember({ kind: 'host-key', protocol: 'sftp', host: server.host, port: server.port, fingerprint: 'SHA256:y', keyType: 'ssh-ed25519' });
  assert.equal((await storedReuseFacts(profile(), secrets, trustStore)).rememberedIdentity, true);
  assert.equal((await storedReuseFacts(profile(), memorySecrets(), trustStore)).storedPassword, false);

  const deps = { context: () => ({ trustStore }), secrets, trustStore };
  assert.equal(typeof (await extraSessionFactory(profile(), deps)), 'function');
  assert.equal(await extraSessionFactory(profile(), { ...deps, secrets: memorySecrets() }), undefined, 'no factory without the stored password');
  // A password typed earlier in the window counts as given: the extra sessions reuse it without asking.
  const typed = new SessionPasswords();
  typed.set(profile(), 'typed-pw');
  assert.equal((await storedReuseFacts(profile(), memorySecrets(), trustStore, typed)).storedPassword, true);
  assert.equal(typeof (await extraSessionFactory(profile(), { ...deps, secrets: memorySecrets(), remembered: typed })), 'function');
});

test('sessions sharing the first one\'s answers (the CLI) reuse the password and the identity, never a typed code', async () => {
  const none = memorySecrets();
  const seeded = memorySecrets({ [secretKey(server, 'totp')]: 'JBSWY3DPEHPK3PXP' });
  // A password typed once and a host key accepted once carry over: several sessions.
  assert.equal(whyOneSession(profile(), await sharedReuseFacts(profile(), none)), undefined);
  assert.equal(whyOneSession(profile({ mfa: 'none' }), await sharedReuseFacts(profile({ mfa: 'none' }), none)), undefined);
  // Every login needs a code typed in: one session (nobody wants to be asked four times).
  assert.match(whyOneSession(profile({ mfa: 'prompt' }), await sharedReuseFacts(profile({ mfa: 'prompt' }), seeded)) ?? '', /mfa "prompt"/);
  assert.match(whyOneSession(profile({ mfa: 'totp' }), await sharedReuseFacts(profile({ mfa: 'totp' }), none)) ?? '', /no TOTP seed/);
  assert.equal(whyOneSession(profile({ mfa: 'totp' }), await sharedReuseFacts(profile({ mfa: 'totp' }), seeded)), undefined);
});

test('an ssh-config alias: stored facts are looked up under the server connect() reaches (HostName, Port, User; HostKeyAlias)', async () => {
  const { writeFileSync } = await import('node:fs');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'st-reuse-alias-'));
  const file = path.join(dir, 'ssh_config');
  writeFileSync(file, 'Host box\n  HostName files.example\n  Port 2200\n  User ann\nHost keyed\n  HostName files.example\n  User ann\n  HostKeyAlias box-key\n');
  const sshConfig = { file };
  const real = { protocol: 'sftp', host: 'files.example', port: 2200, username: 'ann' } as const;
  // As a loaded profile without user or port: username '' and defaulted.port.
  const alias: Profile = { name: 'a', protocol: 'sftp', host: 'box', port: 22, username: '', defaulted: { port: true } };
  const trustStore = TrustStore.inDir(mkdtempSync(path.join(os.tmpdir(), 'st-trust-')));
  await trustStore.remember({ kind: 'host-key', protocol: 'sftp', host: 'files.example', port: 2200, fingerprint: 'SHA256:y', keyType: 'ssh-ed25519' });
  const secrets = memorySecrets({ [secretKey(real, 'password')]: 'pw', [secretKey(real, 'totp')]: 'JBSWY3DPEHPK3PXP' });
  assert.deepEqual(await storedReuseFacts(alias, secrets, trustStore, undefined, sshConfig), { storedPassword: true, storedTotpSeed: true, rememberedIdentity: true });
  const typed = new SessionPasswords();
  typed.set(real, 'typed');
  assert.equal((await storedReuseFacts(alias, memorySecrets(), trustStore, typed, sshConfig)).storedPassword, true);
  assert.equal(typeof (await extraSessionFactory(alias, { context: () => ({ trustStore, sshConfig }), secrets, trustStore })), 'function');
  // HostKeyAlias: the trust store knows the key under the alias name (port 22), as the session looks it up.
  const keyed: Profile = { ...alias, host: 'keyed' };
  assert.equal((await storedReuseFacts(keyed, secrets, trustStore, undefined, sshConfig)).rememberedIdentity, false);
  await trustStore.remember({ kind: 'host-key', protocol: 'sftp', host: 'box-key', port: 22, fingerprint: 'SHA256:z', keyType: 'ssh-ed25519' });
  assert.equal((await storedReuseFacts(keyed, secrets, trustStore, undefined, sshConfig)).rememberedIdentity, true);
  // The CLI's pool: a seed stored for the resolved server answers mfa "totp".
  assert.equal(whyOneSession({ ...alias, mfa: 'totp' }, await sharedReuseFacts({ ...alias, mfa: 'totp' }, secrets, sshConfig)), undefined);
});
