/**
 * One-time codes without a profile: `secure-transfer ls sftp://…` (a URL, so mfa is not set) against
 * OpenSSH with PAM google-authenticator, the seed stored in a real OS keychain (gnome-keyring in a
 * private D-Bus session) by `secure-transfer secret set-totp`. The CLI runs as users run it (dist/cli.js),
 * without a terminal.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { startSshd, stopAll, TEST_USER } from '../harness';
import { createKeychainHome, runInKeychain, type KeychainHome } from '../harness/keyring';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

let sshd: Awaited<ReturnType<typeof startSshd>>;
before(async () => {
  sshd = await startSshd({ pam: 'totp-password' });
});

const url = () => `sftp://${TEST_USER.name}@${sshd.host}:${sshd.port}`;
/** No agent, no terminal, a private state folder: only the keychain and --password-stdin answer. */
const cli = (kc: KeychainHome, args: string[], stdin?: string) =>
  runInKeychain(kc, [process.execPath, CLI, ...args], { stdin, env: { SSH_AUTH_SOCK: '', SECURE_TRANSFER_STATE_DIR: path.join(kc.home, 'state') } });

test('a TOTP seed stored for a server answers its code prompt on a URL connection (no profile, no terminal)', async () => {
  const kc = await createKeychainHome();
  const stored = await cli(kc, ['secret', 'set-totp', url()], sshd.totpSeed);
  assert.equal(stored.code, 0, stored.stderr);

  const before = (await sshd.readLog()).length;
  const r = await cli(kc, ['ls', `${url()}/`, '--fingerprint', sshd.hostKeys![0].fingerprint, '--password-stdin'], TEST_USER.password);
  assert.equal(r.code, 0, r.stderr);
  assert.match((await sshd.readLog()).slice(before), /Accepted keyboard-interactive\/pam for sttest/);
});

test('with no seed stored and no terminal: exit 1 and one sentence saying how to store the seed', async () => {
  const kc = await createKeychainHome();
  const r = await cli(kc, ['ls', `${url()}/`, '--fingerprint', sshd.hostKeys![0].fingerprint, '--password-stdin'], TEST_USER.password);
  assert.equal(r.code, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(`asks for a one-time code ("Verification code:")`), r.stderr);
  assert.ok(lines[0].includes(`\`secure-transfer secret set-totp ${url()}\``), r.stderr);
});
