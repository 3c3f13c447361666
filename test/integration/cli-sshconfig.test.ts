/**
 * ~/.ssh/config applied to real connections (the bundled CLI against the harness sshd): an alias
 * with no user in the URL reaches HostName/Port/User from the config; a policy judges the RESOLVED
 * host, so an alias can't slip past allowedHosts; --ssh-config none turns the config off;
 * StrictHostKeyChecking yes refuses an unknown key without asking.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientKeys, scratchDir, startSshd, stopAll, TEST_USER, type RunningServer } from '../harness';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
let stateDir: string;

async function cli(args: string[], opts: { stdin?: string; cwd?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? os.tmpdir(),
    env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: stateDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(opts.stdin ?? '');
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

describe('~/.ssh/config for sftp:// (OpenSSH sshd)', () => {
  let sshd: RunningServer;
  let pin: string;
  let remote: string;
  before(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-sshcfg-home-'));
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-sshcfg-state-'));
    sshd = await startSshd();
    pin = sshd.hostKeys![0].fingerprint;
    remote = (await scratchDir('cli-sshconfig')).remote;
    await fs.writeFile(path.join(remote, 'hello.txt'), 'hi');
    const keys = await clientKeys();
    const hostPub = (await fs.readFile(sshd.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    await fs.mkdir(path.join(home, '.ssh'), { mode: 0o700 });
    await fs.writeFile(
      path.join(home, '.ssh', 'config'),
      [
        'Host box',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${TEST_USER.name}`,
        `  IdentityFile ${keys.ed25519.privateKeyFile}`,
        'Host strictbox',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${TEST_USER.name}`,
        '  StrictHostKeyChecking yes',
        'Host narrowbox',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${TEST_USER.name}`,
        '  Ciphers 3des-cbc',
        'Host aliasbox',
        '  HostName 127.0.0.1',
        `  Port ${sshd.port}`,
        `  User ${TEST_USER.name}`,
        '  HostKeyAlias st-key-alias',
        '  UserKnownHostsFile ~/.ssh/alias_known_hosts /dev/null',
        'Match exec "touch /tmp/st-sshconfig-never-run"',
        '  User nobody',
        '',
      ].join('\n'),
      { mode: 0o600 },
    );
    // The server's key is known only under its HostKeyAlias, in a UserKnownHostsFile of the config.
    await fs.writeFile(path.join(home, '.ssh', 'alias_known_hosts'), `st-key-alias ${hostPub}\n`, { mode: 0o600 });
  });

  test('sftp://ALIAS/path with no user: HostName, Port and User come from the config', async () => {
    const r = await cli(['ls', `sftp://box${remote}`, '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello\.txt/);
    const log = await sshd.readLog();
    assert.match(log, new RegExp(`Accepted \\w+ for ${TEST_USER.name} from 127\\.0\\.0\\.1`), 'the config User logged in');
    await assert.rejects(fs.stat('/tmp/st-sshconfig-never-run'), 'Match exec was never run');
  });

  test('HostKeyAlias + UserKnownHostsFile: the key is found under the alias (no pin needed); /dev/null adds nothing', async () => {
    const r = await cli(['ls', `sftp://aliasbox${remote}`, '--password-stdin'], { stdin: TEST_USER.password });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /hello\.txt/);
    // Without the alias the same server is unknown: the known_hosts entry really was looked up by it.
    const plain = await cli(['ls', `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${remote}`, '--password-stdin'], { stdin: TEST_USER.password });
    assert.equal(plain.code, 3, plain.stderr);
  });

  test('the key comes from the config (IdentityFile)', async () => {
    const r = await cli(['ls', `sftp://box${remote}`, '--fingerprint', pin]);
    assert.equal(r.code, 0, r.stderr);
  });

  test('--ssh-config none: the alias is just a name again (no such host)', async () => {
    const r = await cli(['ls', `sftp://box${remote}`, '--ssh-config', 'none', '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password });
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(r.stderr, /127\.0\.0\.1/);
  });

  test('--ssh-config FILE that does not exist: exit 2, one sentence', async () => {
    const r = await cli(['ls', `sftp://box${remote}`, '--ssh-config', path.join(home, 'nope')]);
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /The ssh config file .*nope does not exist/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  test('a policy that allows only other hosts refuses the alias by its real HostName, before any packet', async () => {
    const dirs = await scratchDir('cli-sshconfig-policy');
    await fs.mkdir(path.join(dirs.local, '.vscode'), { recursive: true });
    await fs.writeFile(path.join(dirs.local, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [], policy: { allowedHosts: ['box', '*.example.com'] } }));
    const before = (await sshd.readLog()).length;
    const r = await cli(['ls', `sftp://box${remote}`, '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /allowedHosts/);
    assert.match(r.stderr, /127\.0\.0\.1/, 'the sentence names the resolved host');
    const log = (await sshd.readLog()).slice(before);
    assert.doesNotMatch(log, /Connection from|Accepted|Failed/, 'nothing reached the server');
  });

  test('StrictHostKeyChecking yes: an unknown host key is refused without a prompt, even with --accept-new', async () => {
    const r = await cli(['ls', `sftp://strictbox${remote}`, '--password-stdin', '--accept-new'], { stdin: TEST_USER.password });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /StrictHostKeyChecking yes/);
    assert.ok(r.stderr.includes(pin));
  });

  test('Ciphers can only narrow: a list with nothing we offer is one sentence naming the keyword and file', async () => {
    const r = await cli(['ls', `sftp://narrowbox${remote}`, '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password });
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /Ciphers in .*config for narrowbox names no cipher algorithm this client offers/);
  });
});
