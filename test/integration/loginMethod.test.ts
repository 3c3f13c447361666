/**
 * RemoteFileSystem.loginMethod (OpenSSH sshd): how the session really logged in, which the
 * transfer's session-reuse rule reads — 'key' for a key alone (the profile's, or a default ~/.ssh
 * key found automatically), 'password' when the password did it.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { clientKeys, scratchDir, startSshd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { tempDir } from '../harness/common';
import { connectSftp, type SftpConnectOptions } from '../../src/core/session/sftp';
import type { CredentialProvider } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { storedReuseFacts, whyOneSession } from '../../src/core/transfer/sessionReuse';
import type { Profile } from '../../src/core/profiles/types';

after(stopAll);

let sshd: RunningServer;
before(async () => {
  sshd = await startSshd();
});

const asked: string[] = [];
const credentials: CredentialProvider = {
  password: async () => (asked.push('password'), TEST_USER.password),
  passphrase: async () => (asked.push('passphrase'), undefined),
  keyboardInteractive: async (_s, _n, _i, prompts) => (asked.push('keyboard'), prompts.map(() => TEST_USER.password)),
};

async function options(home: string, over: Partial<SftpConnectOptions> = {}): Promise<SftpConnectOptions> {
  const { local } = await scratchDir('trust');
  return {
    server: { protocol: 'sftp', host: sshd.host, port: sshd.port, username: TEST_USER.name },
    credentials,
    trust: { pinned: sshd.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: new TrustStore(path.join(local, 'trust.json')), decide: refuseUnknown },
    env: {},
    home,
    ...over,
  };
}

test('a password login is "password"; a default ~/.ssh key found automatically is "key", and then extra transfer sessions may open', async () => {
  const emptyHome = await tempDir('no-home', 0o700);
  asked.length = 0;
  const byPassword = await connectSftp(await options(emptyHome));
  await byPassword.close();
  assert.deepEqual(asked, ['password']);
  assert.equal(byPassword.loginMethod, 'password');

  const home = await tempDir('key-home', 0o700);
  await fs.mkdir(path.join(home, '.ssh'), { mode: 0o700 });
  await fs.copyFile((await clientKeys()).ed25519.privateKeyFile, path.join(home, '.ssh', 'id_ed25519'));
  await fs.chmod(path.join(home, '.ssh', 'id_ed25519'), 0o600);
  asked.length = 0;
  const byKey = await connectSftp(await options(home));
  await byKey.close();
  assert.deepEqual(asked, [], 'nothing was asked');
  assert.equal(byKey.loginMethod, 'key');

  // The reuse rule: the profile names no key and no password is stored, yet the first login needed none.
  const profile: Profile = { name: 'p', protocol: 'sftp', host: sshd.host, port: sshd.port, username: TEST_USER.name, fingerprints: [sshd.hostKeys![0].fingerprint] };
  const none = { get: async () => undefined, set: async () => undefined, delete: async () => undefined, keys: async () => [] };
  const trust = new TrustStore(path.join((await scratchDir('trust')).local, 'trust.json'));
  const sshConfig = { file: false as const };
  assert.equal(whyOneSession(profile, await storedReuseFacts(profile, none, trust, undefined, sshConfig, byPassword)), 'its password is not stored');
  assert.equal(whyOneSession(profile, await storedReuseFacts(profile, none, trust, undefined, sshConfig, byKey)), undefined);
});
