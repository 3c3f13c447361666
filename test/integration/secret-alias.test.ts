/**
 * `secure-transfer secret set-password sftp://ALIAS/` stores the password under the server the alias
 * resolves to in ~/.ssh/config (HostName, Port, User), so `ls sftp://ALIAS/` — which connects to that
 * server — finds it in a real OS keychain (gnome-keyring in a private D-Bus session), without a
 * terminal, an agent or --password-stdin.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { startSshd, stopAll, TEST_USER } from '../harness';
import { createKeychainHome, runInKeychain, type KeychainHome } from '../harness/keyring';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

let sshd: Awaited<ReturnType<typeof startSshd>>;
let kc: KeychainHome;
before(async () => {
  sshd = await startSshd();
  kc = await createKeychainHome();
  await fs.mkdir(path.join(kc.home, '.ssh'), { recursive: true, mode: 0o700 });
  await fs.writeFile(path.join(kc.home, '.ssh', 'config'), `Host box\n  HostName ${sshd.host}\n  Port ${sshd.port}\n  User ${TEST_USER.name}\n  IdentitiesOnly yes\n`);
});

/** No agent, no terminal, a private state folder: only the keychain can answer the password. */
const cli = (args: string[], stdin?: string) =>
  runInKeychain(kc, [process.execPath, CLI, ...args], { stdin, env: { SSH_AUTH_SOCK: '', SECURE_TRANSFER_STATE_DIR: path.join(kc.home, 'state') } });

test('secret set-password sftp://ALIAS/ stores under the resolved server; ls sftp://ALIAS/ logs in with it; forget removes it', async () => {
  const resolved = `sftp://${TEST_USER.name}@${sshd.host}:${sshd.port}`;
  const stored = await cli(['secret', 'set-password', 'sftp://box/'], `${TEST_USER.password}\n`);
  assert.equal(stored.code, 0, stored.stderr);
  assert.equal(stored.stdout, `Stored the password for ${resolved} in the OS keychain.\n`);
  assert.equal((await cli(['secret', 'list'])).stdout, `${resolved}  password\n`);

  const ls = await cli(['ls', 'sftp://box/', '--fingerprint', sshd.hostKeys![0].fingerprint]);
  assert.equal(ls.code, 0, ls.stderr);

  const forgot = await cli(['secret', 'forget', 'sftp://box']);
  assert.equal(forgot.code, 0, forgot.stderr);
  assert.equal(forgot.stdout, `Forgot the password of ${resolved}.\n`);
  const again = await cli(['ls', 'sftp://box/', '--fingerprint', sshd.hostKeys![0].fingerprint]);
  assert.equal(again.code, 1, 'without the stored password and no terminal, the login cannot be answered');
});
