import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInProcess } from './cli-helpers';

test('--help prints the commands and exits 0', async () => {
  const r = await runInProcess(['--help']);
  assert.equal(r.code, 0);
  for (const c of ['ls <url>', 'get <url>', 'put <local>', 'mkdir', 'rm <url>', 'mv <url>', 'audit', 'secret']) assert.match(r.stdout, new RegExp(c.replace(/[<>]/g, '.')));
});

test('no command is a usage error (exit 2)', async () => {
  const r = await runInProcess([]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /Usage: secure-transfer/);
});

test('an unknown command is a usage error naming it', async () => {
  const r = await runInProcess(['lss', 'sftp://a@b/']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown command "lss"/);
});

test('an unknown option is one sentence and exit 2, no stack trace', async () => {
  const r = await runInProcess(['ls', 'sftp://a@127.0.0.1/', '--bogus']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--bogus/);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  assert.equal(r.stderr.trim().split('\n').length, 1);
});

test('a wrong number of arguments is a usage error with the usage line', async () => {
  const r = await runInProcess(['get', 'sftp://a@127.0.0.1/x']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /get <url> <local>/);
});

test('ftp:// is refused for security (exit 3) and says what to use instead', async () => {
  const r = await runInProcess(['ls', 'ftp://alice@127.0.0.1/']);
  assert.equal(r.code, 3);
  assert.match(r.stderr, /ftpes|sftp/);
});

test('a password in the URL is refused as a usage error pointing to the keychain', async () => {
  const r = await runInProcess(['ls', 'sftp://alice:hunter2@127.0.0.1/']);
  assert.equal(r.code, 2);
  assert.doesNotMatch(r.stderr, /hunter2/);
  assert.match(r.stderr, /keychain|password-stdin/i);
});

test('a malformed --fingerprint is a usage error', async () => {
  const r = await runInProcess(['ls', 'sftp://alice@127.0.0.1:1/', '--fingerprint', 'SHA256:nope']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /SHA256:/);
});

test('a profile: target without a profile file says which file is missing', async () => {
  const r = await runInProcess(['ls', 'profile:prod/'], { cwd: '/nonexistent-dir-for-test' });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /secure-transfer\.json/);
});

test('a malformed option is one sentence built from what was typed (exit 2), not Node\'s multi-line text', async () => {
  const cases: Array<[string[], string]> = [
    [['ls', '--foo'], "Unknown option '--foo'"],
    [['ls', '-x'], "Unknown option '-x'"],
    [['ls', '--constructor'], "Unknown option '--constructor'"],
    [['ls', 'sftp://a@h/', '--config'], "Option '--config' needs a value"],
    [['ls', 'sftp://a@h/', '--config', '--accept-new'], "Option '--config' needs a value (write --config=VALUE for one starting with \"-\")"],
    [['ls', 'sftp://a@h/', '--accept-new=yes'], "Option '--accept-new' takes no value"],
    [['ls', '--\u001b[2J'], "Unknown option '--\\x1b[2J'"],
  ];
  for (const [argv, problem] of cases) {
    const { code, stderr } = await runInProcess(argv);
    assert.equal(code, 2, stderr);
    assert.equal(stderr, `secure-transfer ls: ls: ${problem}. Usage: secure-transfer ls <url> [--json]\n`);
  }
});
