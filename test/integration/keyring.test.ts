/**
 * The CLI's secret commands against a real gnome-keyring (Secret Service) in a private D-Bus session.
 */
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createKeychainHome, nodeSnippetArgv, runInKeychain, runWithoutDbus, secretCliArgv, type KeychainHome } from '../harness/keyring';

const URL_A = 'sftp://alice@files.example.org:2222';
const URL_B = 'ftpes://bob@ftp.example.org';
const PASSWORD = 'kr-P4ss-7f3a9c';
const SEED = 'jbsw y3dp ehpk 3pxp';

/** Reads one secret inside the session through the same store the CLI uses. */
const READ_SECRET = `
const { KeyringSecretStore } = require(out + '/src/cli/keyringStore.js');
new KeyringSecretStore().get(args[0]).then((v) => process.stdout.write(JSON.stringify(v ?? null)), (e) => { process.stderr.write(e.message); process.exitCode = 1; });`;

describe('CLI secrets in a real OS keychain', () => {
  let kc: KeychainHome;
  before(async () => {
    kc = await createKeychainHome();
  });

  const cli = (args: string[], stdin?: string, unlockPassword?: string) => runInKeychain(kc, secretCliArgv(args), { stdin, unlockPassword });
  const read = async (key: string) => {
    const r = await runInKeychain(kc, nodeSnippetArgv(READ_SECRET, [key]));
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as string | null;
  };

  test('set-password and set-totp store the values; list shows servers and kinds only', async () => {
    const pw = await cli(['set-password', URL_A], `${PASSWORD}\n`);
    assert.equal(pw.code, 0, pw.stderr);
    assert.match(pw.stdout, /Stored the password for sftp:\/\/alice@files\.example\.org:2222/);

    const totp = await cli(['set-totp', URL_A], SEED);
    assert.equal(totp.code, 0, totp.stderr);
    assert.match(totp.stdout, /Next code: \d{3} \d{3} .*compare with your authenticator app/);
    assert.ok(!/JBSW/i.test(totp.stdout + totp.stderr), 'the seed is never printed');

    assert.equal((await cli(['set-password', URL_B], 'other-pass')).code, 0);

    assert.equal(await read('password:sftp://alice@files.example.org:2222'), PASSWORD, 'the trailing newline is not part of the password');
    assert.equal(await read('totp:sftp://alice@files.example.org:2222'), 'JBSWY3DPEHPK3PXP');

    const list = await cli(['list']);
    assert.equal(list.code, 0, list.stderr);
    assert.equal(
      list.stdout,
      'ftpes://bob@ftp.example.org:21  password\nsftp://alice@files.example.org:2222  password, TOTP seed\n',
    );
    assert.ok(!list.stdout.includes(PASSWORD) && !list.stdout.includes('other-pass'));
  });

  test('the secrets survive a restart of the keychain daemon', async () => {
    // Every runInKeychain() is a new D-Bus session and a new daemon over the same HOME.
    assert.equal(await read('password:sftp://alice@files.example.org:2222'), PASSWORD);
    assert.match((await cli(['list'])).stdout, /sftp:\/\/alice@files\.example\.org:2222 {2}password, TOTP seed/);
  });

  test('forget removes every secret of one server and leaves the others', async () => {
    const r = await cli(['forget', URL_A]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /Forgot the password, TOTP seed of sftp:\/\/alice@files\.example\.org:2222/);
    assert.equal(await read('password:sftp://alice@files.example.org:2222'), null);
    assert.equal(await read('totp:sftp://alice@files.example.org:2222'), null);
    assert.equal((await cli(['list'])).stdout, 'ftpes://bob@ftp.example.org:21  password\n');
  });

  test('a locked keychain is one clear error, not "no password stored"', async () => {
    for (const args of [['list'], ['set-password', URL_A]]) {
      const r = await cli(args, 'x', 'not-the-keyring-password');
      assert.equal(r.code, 1, r.stderr);
      assert.match(r.stderr.trim(), /^secure-transfer secret: The OS keychain \(Secret Service\) is locked: unlock it .*then retry\.$/);
    }
    const r = await runInKeychain(kc, nodeSnippetArgv(READ_SECRET, ['password:ftpes://bob@ftp.example.org:21']), { unlockPassword: 'wrong' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /locked/);
    // Nothing was written or lost by the failed attempts.
    assert.equal((await cli(['list'])).stdout, 'ftpes://bob@ftp.example.org:21  password\n');
  });

  test('no D-Bus session at all is one clear error', async () => {
    const r = await runWithoutDbus(kc, secretCliArgv(['set-password', URL_A]), { stdin: PASSWORD });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr.trim(), /^secure-transfer secret: The OS keychain \(Secret Service\) is not available: .*D-Bus.*retry\.$/);
    assert.ok(!r.stderr.includes('    at '), 'no stack trace');
  });

  test('bad input: usage errors exit 2 with one sentence and store nothing', async () => {
    const cases: [string[], string | undefined, RegExp][] = [
      [['set-totp', URL_A], 'JBSWY3DPEHPK', /only 56 bits.*at least 80 bits/],
      [['set-password', URL_A], '', /No password was given on stdin/],
      [['set-password', 'sftp://files.example.org'], 'pw', /no user name/],
      [['frobnicate'], undefined, /no subcommand "frobnicate"/],
      [['forget'], undefined, /takes one URL, got 0/],
    ];
    for (const [args, stdin, pattern] of cases) {
      const r = await cli(args, stdin);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, pattern);
    }
    const plain = await cli(['set-password', 'ftp://alice@ftp.example.org'], 'pw');
    assert.equal(plain.code, 3, 'plain FTP is refused for security');
    assert.equal((await cli(['list'])).stdout, 'ftpes://bob@ftp.example.org:21  password\n');
  });
});
