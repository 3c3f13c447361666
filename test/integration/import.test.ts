/**
 * `secure-transfer import --scrub` with the real OS keychain (gnome-keyring in a private D-Bus
 * session): the password of a vscode-sftp sftp.json ends up in the keychain and in neither file, and
 * the imported profile then logs in to the harness sshd with that keychain password alone.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { startSshd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { createKeychainHome, nodeSnippetArgv, runInKeychain, type KeychainHome } from '../harness/keyring';

after(stopAll);

const CLI_MAIN = path.resolve(__dirname, '../../src/cli/main.js');

const READ_SECRET = `
const { KeyringSecretStore } = require(out + '/src/cli/keyringStore.js');
new KeyringSecretStore().get(args[0]).then((v) => process.stdout.write(JSON.stringify(v ?? null)), (e) => { process.stderr.write(e.message); process.exitCode = 1; });`;

describe('import into the real OS keychain', () => {
  let kc: KeychainHome;
  let sshd: RunningServer;
  let project: string;
  before(async () => {
    kc = await createKeychainHome();
    sshd = await startSshd();
    project = await fs.mkdtemp(path.join(os.tmpdir(), 'st-import-project-'));
    await fs.mkdir(path.join(project, '.vscode'));
    await fs.writeFile(
      path.join(project, '.vscode', 'sftp.json'),
      `{
  // what vscode-sftp users have: a plaintext password
  "name": "harness",
  "host": "127.0.0.1",
  "port": ${sshd.port},
  "username": "${TEST_USER.name}",
  "password": ${JSON.stringify(TEST_USER.password)},
  "remotePath": "${TEST_USER.home}",
  "uploadOnSave": false
}
`,
    );
  });
  after(() => fs.rm(project, { recursive: true, force: true }));

  const run = (args: string[]) =>
    runInKeychain(kc, [process.execPath, CLI_MAIN, ...args], { cwd: project, env: { SECURE_TRANSFER_STATE_DIR: path.join(kc.home, 'state') } });

  test('--scrub: the password is in the keychain and in neither file', async () => {
    const r = await run(['import', '.vscode/sftp.json', '--scrub']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, new RegExp(`Imported "harness" \\(sftp://${TEST_USER.name}@127\\.0\\.0\\.1:${sshd.port}\\) from config "harness"; password moved to the OS keychain\\.`));
    assert.match(r.stdout, /Wrote 1 profile\(s\) to \.vscode\/secure-transfer\.json; removed 1 entry's secrets from \.vscode\/sftp\.json\./);

    const read = await runInKeychain(kc, nodeSnippetArgv(READ_SECRET, [`password:sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}`]));
    assert.equal(read.code, 0, read.stderr);
    assert.equal(JSON.parse(read.stdout), TEST_USER.password);

    const source = await fs.readFile(path.join(project, '.vscode', 'sftp.json'), 'utf8');
    const profiles = await fs.readFile(path.join(project, '.vscode', 'secure-transfer.json'), 'utf8');
    assert.ok(!source.includes(TEST_USER.password) && !source.includes('"password"'), source);
    assert.match(source, /\/\/ what vscode-sftp users have/);
    assert.ok(!profiles.includes(TEST_USER.password), profiles);
    assert.deepEqual(JSON.parse(profiles).profiles[0], {
      name: 'harness', protocol: 'sftp', host: '127.0.0.1', username: TEST_USER.name, port: sshd.port, remotePath: TEST_USER.home, uploadOnSave: false,
    });
  });

  test('the imported profile logs in with the keychain password alone (no prompt, no stdin)', async () => {
    const r = await run(['ls', 'profile:harness/', '--fingerprint', sshd.hostKeys![0].fingerprint]);
    assert.equal(r.code, 0, r.stderr);
  });
});
