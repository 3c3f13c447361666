/**
 * One-time codes answered automatically, against a real OpenSSH with PAM google-authenticator.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { clientKeys, startSshd, stopAll, TEST_USER } from '../harness';
import { tempDir } from '../harness/common';
import { connectSftp } from '../../src/core/session/sftp';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { createCredentialProvider, type CredentialProviderOptions } from '../../src/core/mfa/provider';
import { parseTotpSeed } from '../../src/core/totp/seed';
import { totpCode } from '../../src/core/totp/code';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { setPassword, setTotpSeed } from '../../src/core/secrets/secrets';
import type { ServerAddress } from '../../src/core/profiles/types';
import type { CredentialProvider } from '../../src/core/session/credentials';
import { SecureTransferError } from '../../src/core/errors';

after(stopAll);

type Sshd = Awaited<ReturnType<typeof startSshd>>;

const addressOf = (sshd: Sshd): ServerAddress => ({ protocol: 'sftp', host: sshd.host, port: sshd.port, username: TEST_USER.name });

/** Records every keyboard-interactive answer the provider gives (to prove which code was sent). */
function recording(provider: CredentialProvider): CredentialProvider & { answers: string[][] } {
  const answers: string[][] = [];
  return {
    ...provider,
    async keyboardInteractive(...args) {
      const a = await provider.keyboardInteractive(...args);
      answers.push(a);
      return a;
    },
    answers,
  };
}

async function login(sshd: Sshd, credentials: CredentialProvider, identityFile?: string) {
  const trustStore = TrustStore.inDir(await tempDir('totp-trust', 0o700));
  const fs = await connectSftp({
    server: addressOf(sshd),
    credentials,
    identityFile,
    trust: { pinned: [sshd.hostKeys![0].fingerprint], trustStore, decide: refuseUnknown },
  });
  const home = fs.homeDir;
  await fs.close();
  return home;
}

async function storeFor(sshd: Sshd, secrets: { password?: string; seed?: string }) {
  const store = memorySecretStore();
  if (secrets.password) await setPassword(store, addressOf(sshd), secrets.password);
  if (secrets.seed) await setTotpSeed(store, addressOf(sshd), secrets.seed);
  return store;
}

const provider = (sshd: Sshd, store: CredentialProviderOptions['store'], extra: Partial<CredentialProviderOptions> = {}) =>
  recording(createCredentialProvider({ store, server: addressOf(sshd), mfa: 'totp', ...extra }));

/** Waits (at most ~12 s) for a fresh 30-s window, so a test's logins fall in one window. */
async function atWindowStartWithAtLeast(seconds: number): Promise<void> {
  while (30 - ((Date.now() / 1000) % 30) < seconds) await sleep(250);
}

test('password + code via keyboard-interactive, both from the store, no prompter', async () => {
  const sshd = await startSshd({ pam: 'totp-password' });
  const creds = provider(sshd, await storeFor(sshd, { password: TEST_USER.password, seed: sshd.totpSeed }));
  assert.equal(await login(sshd, creds), TEST_USER.home);
  const flat = creds.answers.flat();
  assert.ok(flat.includes(TEST_USER.password), 'the stored password answered the Password prompt');
  assert.ok(flat.some((a) => /^\d{6}$/.test(a)), 'a 6-digit code answered the Verification code prompt');
});

test('public key + code', async () => {
  const sshd = await startSshd({ pam: 'totp-publickey' });
  const keys = await clientKeys();
  const creds = provider(sshd, await storeFor(sshd, { seed: sshd.totpSeed }));
  assert.equal(await login(sshd, creds, keys.ed25519.privateKeyFile), TEST_USER.home);
  assert.equal(creds.answers.flat().filter((a) => /^\d{6}$/.test(a)).length, 1);
});

test('a wrong seed fails with the authentication error, not a hang or a retry loop', async () => {
  const sshd = await startSshd({ pam: 'totp-password' });
  const creds = provider(sshd, await storeFor(sshd, { password: TEST_USER.password, seed: 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP' }));
  await assert.rejects(login(sshd, creds), (err: unknown) => {
    assert.ok(err instanceof SecureTransferError);
    assert.equal(err.code, 'auth-failed');
    return true;
  });
  assert.ok(creds.answers.length <= 4, 'at most one retry round');
});

test('two logins within one 30-s window work (the same code twice)', async () => {
  const sshd = await startSshd({ pam: 'totp-password' });
  const store = await storeFor(sshd, { password: TEST_USER.password, seed: sshd.totpSeed });
  await atWindowStartWithAtLeast(15);
  const first = provider(sshd, store);
  const second = provider(sshd, store);
  assert.equal(await login(sshd, first), TEST_USER.home);
  assert.equal(await login(sshd, second), TEST_USER.home);
  const code = (p: { answers: string[][] }) => p.answers.flat().find((a) => /^\d{6}$/.test(a));
  assert.equal(code(first), code(second), 'both logins sent the same code');
});

test('a code rejected near the end of its window is retried once with the next code, and the login succeeds', async () => {
  const sshd = await startSshd({ pam: 'totp-password' });
  const store = await storeFor(sshd, { password: TEST_USER.password, seed: sshd.totpSeed });
  await atWindowStartWithAtLeast(12);
  // A clock two windows behind, 3 s before its window ends: the server (±1 window) rejects that
  // code; the next window's code is one behind the real one, which it accepts.
  const realStep = Math.floor(Date.now() / 1000 / 30);
  const lagging = (realStep - 2) * 30 + 27;
  const creds = provider(sshd, store, { now: () => lagging });
  assert.equal(await login(sshd, creds), TEST_USER.home);
  const seed = parseTotpSeed(sshd.totpSeed!);
  const codes = creds.answers.flat().filter((a) => /^\d{6}$/.test(a));
  assert.deepEqual(codes, [totpCode(seed, lagging), totpCode(seed, lagging + 30)]);
});
