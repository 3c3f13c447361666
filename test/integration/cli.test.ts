/**
 * The `secure-transfer` CLI contract, run as a user runs it (the bundled dist/cli.js as a child process)
 * against real servers: commands, trust decisions and exit codes 0/1/2/3.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { scratchDir, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], opts: { stdin?: string; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? os.tmpdir(),
    // No D-Bus session: the keychain is not reachable, so every password comes from --password-stdin.
    env: { PATH: process.env.PATH, HOME: opts.env?.HOME ?? home, SECURE_TRANSFER_STATE_DIR: stateDir, ...opts.env },
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

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
let home: string;
let stateDir: string;

before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-cli-home-'));
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-cli-state-'));
});

describe('secure-transfer over SFTP (OpenSSH)', () => {
  let sshd: RunningServer;
  let base: string;
  let pin: string;
  before(async () => {
    sshd = await startSshd();
    pin = sshd.hostKeys![0].fingerprint;
  });
  const url = (p: string) => `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${p}`;

  test('an unknown host key is refused non-interactively with exit 3, the fingerprint and how to pin it', async () => {
    const r = await cli(['ls', url('/'), '--password-stdin'], { stdin: TEST_USER.password });
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.includes(pin), r.stderr);
    assert.match(r.stderr, /--fingerprint/);
    assert.equal(r.stderr.trim().split('\n').length, 1, 'one sentence, no stack trace');
    const log = await sshd.readLog();
    assert.doesNotMatch(log, /(Accepted|Failed) (password|publickey)/, 'no authentication attempt reached the server');
  });

  test('a pinned fingerprint that does not match is refused as changed (exit 3), showing both', async () => {
    const wrong = 'SHA256:' + randomBytes(32).toString('base64').replace(/=+$/, '');
    const r = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', wrong], { stdin: TEST_USER.password });
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.includes(pin) && r.stderr.includes(wrong), r.stderr);
  });

  test('put, ls (text and --json), get, mv, mkdir and rm round trip with equal hashes', async () => {
    const dirs = await scratchDir('cli-sftp');
    base = dirs.remote;
    const content = randomBytes(300_000);
    const local = path.join(dirs.local, 'Grüße.bin');
    await fs.writeFile(local, content);
    const auth = ['--password-stdin', '--fingerprint', pin];
    const ok = async (args: string[]) => {
      const r = await cli([...args, ...auth], { stdin: TEST_USER.password });
      assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
      return r;
    };
    await ok(['mkdir', url(`${base}/a/b`)]);
    await ok(['put', local, url(`${base}/a/b/`)]);
    const listing = await ok(['ls', url(`${base}/a/b`)]);
    assert.match(listing.stdout, /Grüße\.bin/);
    const json = JSON.parse((await ok(['ls', url(`${base}/a/b`), '--json'])).stdout) as Array<{ name: string; size: number; type: string }>;
    assert.deepEqual(json.map((e) => [e.name, e.size, e.type]), [['Grüße.bin', content.length, 'file']]);
    await ok(['mv', url(`${base}/a/b/Grüße.bin`), 'renamed.bin']);
    const back = path.join(dirs.local, 'back.bin');
    await ok(['get', url(`${base}/a/b/renamed.bin`), back]);
    assert.equal(sha256(await fs.readFile(back)), sha256(content));
    const notEmpty = await cli(['rm', url(`${base}/a`), ...auth], { stdin: TEST_USER.password });
    assert.equal(notEmpty.code, 2, 'a folder without -r is a usage error');
    await ok(['rm', '-r', url(`${base}/a`)]);
    const gone = await cli(['ls', url(`${base}/a`), ...auth], { stdin: TEST_USER.password });
    assert.equal(gone.code, 1, gone.stderr);
    assert.match(gone.stderr, /not (exist|found)|No such/i);

    // Monitoring: every step above is in the activity log, with the host key, and no secret is.
    const activityDir = path.join(stateDir, 'activity');
    const log = (await Promise.all((await fs.readdir(activityDir)).map((f) => fs.readFile(path.join(activityDir, f), 'utf8')))).join('');
    const entries = log.trim().split('\n').map((l) => JSON.parse(l) as { action: string; result: string; path?: string; bytes?: number; fingerprint?: string });
    assert.ok(entries.some((e) => e.action === 'connect' && e.result === 'ok' && e.fingerprint === pin), 'connect with fingerprint');
    assert.ok(entries.some((e) => e.action === 'upload' && e.result === 'ok' && e.bytes === content.length), 'upload with bytes');
    assert.ok(entries.some((e) => e.action === 'download' && e.result === 'ok' && e.path?.endsWith('renamed.bin')), 'download');
    assert.ok(entries.some((e) => e.action === 'delete' && e.result === 'ok' && e.path === `${base}/a`), 'delete');
    assert.ok(entries.some((e) => e.action === 'connect' && e.result === 'refused'), 'refused connections are recorded too');
    assert.ok(!log.includes(TEST_USER.password), 'never a secret');
  });

  test('put -r and get -r copy a folder tree, never uploading .git', async () => {
    const dirs = await scratchDir('cli-tree');
    const src = path.join(dirs.local, 'site');
    await fs.mkdir(path.join(src, 'css'), { recursive: true });
    await fs.mkdir(path.join(src, '.git'), { recursive: true });
    await fs.writeFile(path.join(src, 'index.html'), '<h1>hi</h1>');
    await fs.writeFile(path.join(src, 'css', 'x.css'), 'body{}');
    await fs.writeFile(path.join(src, '.git', 'HEAD'), 'ref: refs/heads/main');
    const auth = ['--password-stdin', '--fingerprint', pin];
    const up = await cli(['put', '-r', src, url(dirs.remote + '/'), ...auth], { stdin: TEST_USER.password });
    assert.equal(up.code, 0, up.stderr);
    await assert.rejects(fs.stat(path.join(dirs.remote, 'site', '.git')), 'the .git folder must not be uploaded');
    const down = path.join(dirs.local, 'down');
    const r = await cli(['get', '-r', url(dirs.remote + '/site'), down, ...auth], { stdin: TEST_USER.password });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await fs.readFile(path.join(down, 'css', 'x.css'), 'utf8'), 'body{}');
    assert.equal(await fs.readFile(path.join(down, 'index.html'), 'utf8'), '<h1>hi</h1>');
  });

  test('--accept-new records the key; the next run trusts it without flags', async () => {
    const state = await fs.mkdtemp(path.join(os.tmpdir(), 'st-cli-accept-'));
    const first = await cli(['ls', url('/'), '--password-stdin', '--accept-new'], { stdin: TEST_USER.password, env: { SECURE_TRANSFER_STATE_DIR: state } });
    assert.equal(first.code, 0, first.stderr);
    const trust = await fs.readFile(path.join(state, 'trust.json'), 'utf8');
    assert.ok(trust.includes(pin));
    assert.ok(!trust.includes(TEST_USER.password), 'the trust store never holds a secret');
    const second = await cli(['ls', url('/'), '--password-stdin'], { stdin: TEST_USER.password, env: { SECURE_TRANSFER_STATE_DIR: state } });
    assert.equal(second.code, 0, second.stderr);
  });

  test('a key in an OpenSSH known_hosts file (read-only) is trusted', async () => {
    const dirs = await scratchDir('cli-kh');
    const pub = (await fs.readFile(sshd.hostKeys![0].publicKeyFile, 'utf8')).trim().split(/\s+/).slice(0, 2).join(' ');
    const kh = path.join(dirs.local, 'known_hosts');
    await fs.writeFile(kh, `[127.0.0.1]:${sshd.port} ${pub}\n`);
    const before = await fs.readFile(kh, 'utf8');
    const r = await cli(['ls', url('/'), '--password-stdin', '--known-hosts', kh], { stdin: TEST_USER.password });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await fs.readFile(kh, 'utf8'), before, 'known_hosts is never written');
  });

  test('a wrong password is exit 1 with one sentence naming the user and host', async () => {
    const r = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', pin], { stdin: 'wrong-password' });
    assert.equal(r.code, 1, r.stderr);
    assert.ok(r.stderr.includes(TEST_USER.name), r.stderr);
    assert.ok(!r.stderr.includes('wrong-password'));
  });

  test('profile:NAME/path uses the team profile file; a secret in it is refused naming file and JSON path', async () => {
    const dirs = await scratchDir('cli-profile');
    await fs.mkdir(path.join(dirs.local, '.vscode'));
    const file = path.join(dirs.local, '.vscode', 'secure-transfer.json');
    const profile = { name: 'box', protocol: 'sftp', host: '127.0.0.1', port: sshd.port, username: TEST_USER.name, remotePath: dirs.remote, fingerprints: [pin] };
    await fs.writeFile(path.join(dirs.remote, 'hello.txt'), 'hello');
    await fs.writeFile(file, JSON.stringify({ profiles: [profile] }));
    const ok = await cli(['ls', 'profile:box/', '--password-stdin'], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /hello\.txt/);
    await fs.writeFile(file, JSON.stringify({ profiles: [{ ...profile, password: 'x' }] }));
    const bad = await cli(['ls', 'profile:box/', '--password-stdin'], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /secure-transfer\.json/);
    assert.match(bad.stderr, /profiles\[0\]\.password/);
    assert.match(bad.stderr, /keychain/);
  });

  test('a policy in the team file refuses a host outside allowedHosts (exit 3, naming the rule)', async () => {
    const dirs = await scratchDir('cli-policy');
    await fs.mkdir(path.join(dirs.local, '.vscode'));
    await fs.writeFile(path.join(dirs.local, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [], policy: { allowedHosts: ['*.example.com'] } }));
    const r = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /allowedHosts/);
  });

  test('policy.forbiddenAlgorithms is never offered: forbidding the server\'s only host key type refuses the connection (exit 3)', async () => {
    const dirs = await scratchDir('cli-policy-alg');
    await fs.mkdir(path.join(dirs.local, '.vscode'));
    const file = path.join(dirs.local, '.vscode', 'secure-transfer.json');
    await fs.writeFile(file, JSON.stringify({ profiles: [], policy: { forbiddenAlgorithms: ['ssh-ed25519'] } }));
    const r = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /host-key algorithm/);
    assert.match(r.stderr, /policy\.forbiddenAlgorithms/);
    await fs.writeFile(file, JSON.stringify({ profiles: [], policy: { forbiddenAlgorithms: ['aes128-gcm@openssh.com', 'chacha20-poly1305@openssh.com'] } }));
    const ok = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('a policy with blockOnSeverity refuses a server whose audit reaches it (exit 3), before any login', async () => {
    const dirs = await scratchDir('cli-policy-audit');
    await fs.mkdir(path.join(dirs.local, '.vscode'));
    // The default test sshd offers password authentication: a "low" finding.
    await fs.writeFile(path.join(dirs.local, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [], policy: { blockOnSeverity: 'low' } }));
    const logBefore = (await sshd.readLog()).length;
    const r = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /blockOnSeverity/);
    assert.doesNotMatch((await sshd.readLog()).slice(logBefore), /Accepted (password|publickey)/);
    await fs.writeFile(path.join(dirs.local, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [], policy: { blockOnSeverity: 'critical' } }));
    const ok = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', pin], { stdin: TEST_USER.password, cwd: dirs.local });
    assert.equal(ok.code, 0, ok.stderr);
  });
});

describe('secure-transfer over FTPS (vsftpd)', () => {
  let ftp: RunningServer;
  before(async () => {
    ftp = await startVsftpd({ mode: 'explicit' });
  });
  const url = (p: string) => `ftpes://${TEST_USER.name}@127.0.0.1:${ftp.port}${p}`;

  test('a self-signed certificate is refused non-interactively with exit 3 and its fingerprint', async () => {
    const r = await cli(['ls', url('/'), '--password-stdin'], { stdin: TEST_USER.password });
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.includes(ftp.cert!.fingerprint), r.stderr);
  });

  test('with --ca the certificate is verified and files round trip', async () => {
    const dirs = await scratchDir('cli-ftps');
    const local = path.join(dirs.local, 'f.bin');
    const content = randomBytes(100_000);
    await fs.writeFile(local, content);
    const auth = ['--password-stdin', '--ca', ftp.cert!.certFile];
    const put = await cli(['put', local, url(dirs.remote + '/f.bin'), ...auth], { stdin: TEST_USER.password });
    assert.equal(put.code, 0, put.stderr);
    const back = path.join(dirs.local, 'back.bin');
    const get = await cli(['get', url(dirs.remote + '/f.bin'), back, ...auth], { stdin: TEST_USER.password });
    assert.equal(get.code, 0, get.stderr);
    assert.equal(sha256(await fs.readFile(back)), sha256(content));
  });

  test('with --fingerprint the pinned certificate is accepted', async () => {
    const r = await cli(['ls', url('/'), '--password-stdin', '--fingerprint', ftp.cert!.fingerprint], { stdin: TEST_USER.password });
    assert.equal(r.code, 0, r.stderr);
  });

  test('ftp:// is refused before any connection (exit 3) and names the alternatives', async () => {
    const r = await cli(['ls', `ftp://${TEST_USER.name}@127.0.0.1:${ftp.port}/`, '--password-stdin'], { stdin: TEST_USER.password });
    assert.equal(r.code, 3);
    assert.match(r.stderr, /ftpes/);
  });
});
