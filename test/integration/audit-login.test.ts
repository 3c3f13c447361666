/**
 * The audit's login stage against real servers (OpenSSH, OpenSSH + PAM google-authenticator,
 * vsftpd): which methods let the user in, a single factor where MFA is expected, a world-writable
 * login or start folder — on the session that logged in anyway — and `secure-transfer test`
 * printing the login findings and recording them in the activity log.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clientKeys, scratchDir, startProftpd, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';
import { tempDir } from '../harness/common';
import { testUserIds } from '../harness/user';
import { connectSftp, type SftpFileSystem } from '../../src/core/session/sftp';
import { connectFtps } from '../../src/core/session/ftps';
import { staticCredentials, type CredentialProvider } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { createCredentialProvider } from '../../src/core/mfa/provider';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { setPassword, setTotpSeed } from '../../src/core/secrets/secrets';
import { auditSessionLogin } from '../../src/core/audit/auditLogin';
import type { LoginAuditReport } from '../../src/core/audit/types';
import type { Profile, ServerAddress } from '../../src/core/profiles/types';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

type Sshd = Awaited<ReturnType<typeof startSshd>>;
const sftpAddress = (s: RunningServer): ServerAddress => ({ protocol: 'sftp', host: s.host, port: s.port, username: TEST_USER.name });
const profileOf = (s: RunningServer, over: Partial<Profile> = {}): Profile => ({ name: 'p', ...sftpAddress(s), ...over });

async function sftpLogin(s: Sshd, credentials: CredentialProvider, identityFile?: string): Promise<SftpFileSystem> {
  const trustStore = TrustStore.inDir(await tempDir('login-audit-trust', 0o700));
  return connectSftp({
    server: sftpAddress(s),
    credentials,
    ...(identityFile ? { identityFile } : {}),
    agent: false,
    env: {},
    home: await tempDir('login-audit-home', 0o700), // no default ~/.ssh keys
    trust: { pinned: [s.hostKeys![0].fingerprint], trustStore, decide: refuseUnknown },
  });
}

/** The login audit of one open session, then the session closed. */
async function audited(rfs: RemoteFileSystem, profile: Profile, extra: { policy?: { requireMfa: boolean } } = {}): Promise<LoginAuditReport> {
  try {
    const report = await auditSessionLogin(rfs, { profile, ...(extra.policy ? { policy: extra.policy } : {}) });
    assert.ok(report, 'the session tells its login facts');
    return report;
  } finally {
    await rfs.close();
  }
}

/**
 * The findings of the rules these tests are about (single factor, writable folders, session reuse):
 * the FTPS checks of SITE and CCC also report what each server offers (ftps-login-checks.test.ts).
 */
const ids = (r: LoginAuditReport) => r.findings.map((f) => f.id).filter((id) => id !== 'ftp-site-commands' && id !== 'ftp-login-ccc');

describe('OpenSSH without a second factor', () => {
  let sshd: Sshd;
  before(async () => {
    sshd = await startSshd();
  });

  test('a password login where the profile expects MFA (mfa prompt) is login-single-factor, naming the password', async () => {
    const report = await audited(await sftpLogin(sshd, staticCredentials(TEST_USER.password)), profileOf(sshd, { mfa: 'prompt' }));
    assert.deepEqual(report.facts.authMethods, ['password']);
    assert.equal(report.facts.secondFactorAnswered, false);
    assert.deepEqual(ids(report), ['login-single-factor']);
    assert.match(report.findings[0].evidence, /with a password alone/);
    assert.equal(report.findings[0].stage, 'login');
  });

  test('the same login without any MFA expectation is no finding; the login folder is the home with its mode and owner', async () => {
    const report = await audited(await sftpLogin(sshd, staticCredentials(TEST_USER.password)), profileOf(sshd));
    assert.deepEqual(ids(report), []);
    const { uid } = await testUserIds();
    const st = await fs.stat(TEST_USER.home);
    assert.deepEqual(report.facts.home, { path: TEST_USER.home, permissions: st.mode & 0o777, owner: uid });
  });

  test('a key alone under a policy that requires MFA is login-single-factor, naming the key', async () => {
    const keys = await clientKeys();
    const report = await audited(await sftpLogin(sshd, staticCredentials(), keys.ed25519.privateKeyFile), profileOf(sshd), { policy: { requireMfa: true } });
    assert.deepEqual(report.facts.authMethods, ['publickey']);
    assert.deepEqual(ids(report), ['login-single-factor']);
    assert.match(report.findings[0].evidence, /with a key alone/);
  });

  test('a world-writable start folder (remotePath) is home-world-writable with its path and mode; 0755 is not', async () => {
    const { remote } = await scratchDir('login-audit-0777');
    await fs.chmod(remote, 0o777);
    const open = await audited(await sftpLogin(sshd, staticCredentials(TEST_USER.password)), profileOf(sshd, { remotePath: remote }));
    assert.deepEqual(ids(open), ['home-world-writable']);
    assert.equal(open.findings[0].subject, remote);
    assert.ok(open.findings[0].evidence.includes(`${remote} is drwxrwxrwx (0777)`), open.findings[0].evidence);
    await fs.chmod(remote, 0o755);
    const closed = await audited(await sftpLogin(sshd, staticCredentials(TEST_USER.password)), profileOf(sshd, { remotePath: remote }));
    assert.deepEqual(ids(closed), []);
    assert.deepEqual(closed.facts.startFolder?.permissions, 0o755);
  });
});

describe('OpenSSH with PAM google-authenticator (a real second factor)', () => {
  test('password + one-time code (keyboard-interactive): the code counts, no finding where MFA is expected', async () => {
    const sshd = await startSshd({ pam: 'totp-password' });
    const store = memorySecretStore();
    await setPassword(store, sftpAddress(sshd), TEST_USER.password);
    await setTotpSeed(store, sftpAddress(sshd), sshd.totpSeed!);
    const creds = createCredentialProvider({ store, server: sftpAddress(sshd), mfa: 'totp' });
    const report = await audited(await sftpLogin(sshd, creds), profileOf(sshd, { mfa: 'totp' }));
    assert.deepEqual(report.facts.authMethods, ['keyboard-interactive']);
    assert.equal(report.facts.secondFactorAnswered, true);
    assert.deepEqual(ids(report), []);
  });

  test('key, then a one-time code (AuthenticationMethods publickey,keyboard-interactive): both steps recorded in order', async () => {
    const sshd = await startSshd({ pam: 'totp-publickey' });
    const store = memorySecretStore();
    await setTotpSeed(store, sftpAddress(sshd), sshd.totpSeed!);
    const creds = createCredentialProvider({ store, server: sftpAddress(sshd), mfa: 'totp' });
    const report = await audited(await sftpLogin(sshd, creds, (await clientKeys()).ed25519.privateKeyFile), profileOf(sshd, { mfa: 'totp' }));
    assert.deepEqual(report.facts.authMethods, ['publickey', 'keyboard-interactive']);
    assert.equal(report.facts.secondFactorAnswered, true);
    assert.deepEqual(ids(report), []);
  });
});

describe('vsftpd (explicit FTPS)', () => {
  let ftp: RunningServer;
  let workDir: string;
  before(async () => {
    ftp = await startVsftpd({ mode: 'explicit' });
    workDir = await tempDir('login-audit-ftps', 0o700);
  });
  const ftpsLogin = () =>
    connectFtps({
      server: { protocol: 'ftpes', host: ftp.host, port: ftp.port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      tls: { pinned: [ftp.cert!.fingerprint], trustStore: new TrustStore(path.join(workDir, 'trust.json')), decide: refuseUnknown },
      connectTimeoutMs: 10_000,
    });
  const ftpProfile = (over: Partial<Profile> = {}): Profile => ({ name: 'f', protocol: 'ftpes', host: ftp.host, port: ftp.port, username: TEST_USER.name, ...over });

  test('authMethods is the password alone (single factor where MFA is expected); the login folder (PWD) has its mode from the parent listing', async () => {
    const report = await audited(await ftpsLogin(), ftpProfile({ mfa: 'prompt' }));
    assert.deepEqual(report.facts.authMethods, ['password']);
    assert.equal(report.facts.secondFactorAnswered, false);
    assert.deepEqual(ids(report), ['login-single-factor']);
    assert.equal(report.facts.home?.path, TEST_USER.home);
    assert.equal(report.facts.home?.permissions, (await fs.stat(TEST_USER.home)).mode & 0o777);
  });

  test('a world-writable start folder is home-world-writable; after chmod 755 it is not', async () => {
    const { remote } = await scratchDir('login-audit-ftps-0777');
    await fs.chmod(remote, 0o777);
    const open = await audited(await ftpsLogin(), ftpProfile({ remotePath: remote }));
    assert.deepEqual(ids(open), ['home-world-writable']);
    assert.match(open.findings[0].evidence, /drwxrwxrwx \(0777\)/);
    await fs.chmod(remote, 0o755);
    const closed = await audited(await ftpsLogin(), ftpProfile({ remotePath: remote }));
    assert.deepEqual(ids(closed), []);
    assert.equal(closed.facts.startFolder?.permissions, 0o755);
  });
});

describe('FTPS checks that can end a session run only in Test Connection (mayEndSession)', () => {
  const login = async (ftp: RunningServer, workDir: string) =>
    connectFtps({
      server: { protocol: 'ftpes', host: ftp.host, port: ftp.port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      tls: { pinned: [ftp.cert!.fingerprint], trustStore: new TrustStore(path.join(workDir, 'trust.json')), decide: refuseUnknown },
      connectTimeoutMs: 10_000,
    });
  const profileFor = (ftp: RunningServer): Profile => ({ name: 'f', protocol: 'ftpes', host: ftp.host, port: ftp.port, username: TEST_USER.name });

  test('after an ordinary connect the look leaves out the reuse-less data connection, and vsftpd (require_ssl_reuse=YES) keeps the session', async () => {
    const ftp = await startVsftpd({ mode: 'explicit' });
    const rfs = await login(ftp, await tempDir('login-audit-keep', 0o700));
    try {
      const report = await auditSessionLogin(rfs, { profile: profileFor(ftp) });
      assert.equal(report?.facts.ftp?.dataWithoutSessionReuse, undefined, 'not checked after an ordinary connect');
      // The session is still the user's: it lists and reads after the look.
      assert.ok((await rfs.list(TEST_USER.home)).length >= 0);
      assert.equal(typeof (await rfs.realpath('.')), 'string');
    } finally {
      await rfs.close();
    }
  });

  test('Test Connection (mayEndSession) checks it: a vsftpd without require_ssl_reuse is ftp-data-no-session-reuse', async () => {
    const ftp = await startVsftpd({ mode: 'weak' });
    const rfs = await login(ftp, await tempDir('login-audit-reuse', 0o700));
    try {
      const ordinary = await auditSessionLogin(rfs, { profile: profileFor(ftp) });
      assert.ok(!ordinary?.findings.some((f) => f.id === 'ftp-data-no-session-reuse'));
      const tested = await auditSessionLogin(rfs, { profile: profileFor(ftp), mayEndSession: true });
      assert.equal(tested?.facts.ftp?.dataWithoutSessionReuse, true);
      assert.ok(tested?.findings.some((f) => f.id === 'ftp-data-no-session-reuse'), ids(tested!).join(', '));
    } finally {
      await rfs.close();
    }
  });
});

describe('ProFTPD mod_tls (modes from MLST unix.mode)', () => {
  test('the login folder and a world-writable start folder get their modes from MLST; the start folder is a finding', async () => {
    const ftp = await startProftpd({ mode: 'ftps' });
    const workDir = await tempDir('login-audit-proftpd', 0o700);
    const { remote } = await scratchDir('login-audit-proftpd-0777');
    await fs.chmod(remote, 0o777);
    const rfs = await connectFtps({
      server: { protocol: ftp.protocol as 'ftps' | 'ftpes', host: ftp.host, port: ftp.port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      tls: { pinned: [ftp.cert!.fingerprint], trustStore: new TrustStore(path.join(workDir, 'trust.json')), decide: refuseUnknown },
      connectTimeoutMs: 10_000,
    });
    const report = await audited(rfs, { name: 'pf', protocol: ftp.protocol as 'ftps' | 'ftpes', host: ftp.host, port: ftp.port, username: TEST_USER.name, remotePath: remote });
    assert.deepEqual(report.facts.authMethods, ['password']);
    assert.equal(report.facts.home?.path, TEST_USER.home);
    assert.equal(report.facts.home?.permissions, (await fs.stat(TEST_USER.home)).mode & 0o777);
    assert.deepEqual(ids(report), ['home-world-writable']);
    assert.equal(report.findings[0].subject, remote);
  });
});

describe('secure-transfer test prints the login findings and logs them', () => {
  let sshd: Sshd;
  let stateDir: string;
  before(async () => {
    sshd = await startSshd();
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-login-audit-state-'));
  });

  async function cli(args: string[], cwd: string, stdin: string): Promise<{ code: number; stdout: string; stderr: string }> {
    const home = await tempDir('login-audit-cli-home', 0o700);
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: stateDir }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.stdin.end(stdin);
    const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
    return { code, stdout, stderr };
  }

  test('profile with mfa prompt and a world-writable remotePath: both findings after the steps, exit 0, an audit entry naming them', async () => {
    const dirs = await scratchDir('login-audit-cli');
    await fs.chmod(dirs.remote, 0o777);
    await fs.mkdir(path.join(dirs.local, '.vscode'));
    const profile = { name: 'box', protocol: 'sftp', host: '127.0.0.1', port: sshd.port, username: TEST_USER.name, remotePath: dirs.remote, fingerprints: [sshd.hostKeys![0].fingerprint], mfa: 'prompt', agent: false };
    await fs.writeFile(path.join(dirs.local, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [profile] }));
    const r = await cli(['test', 'profile:box', '--password-stdin'], dirs.local, TEST_USER.password);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const lines = r.stdout.trim().split('\n');
    const heading = lines.indexOf('Seen after logging in (2 findings):');
    assert.ok(heading > 0 && lines[heading - 1] === '✓ Closed the connection.', r.stdout);
    assert.match(lines[heading + 1], /^ {2}HIGH Logged in with a single factor where MFA is expected: The server let the user in with a password alone.* Fix: /);
    assert.match(lines[heading + 2], new RegExp(`^ {2}HIGH The login folder is world-writable: .*${dirs.remote} is drwxrwxrwx \\(0777\\).* Fix: `));

    const log = (await fs.readFile(path.join(stateDir, 'activity', 'activity.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { action: string; server: string; detail?: string });
    const entry = log.find((e) => e.action === 'audit');
    assert.ok(entry, JSON.stringify(log));
    assert.equal(entry.server, `sftp://127.0.0.1:${sshd.port}`);
    assert.match(entry.detail!, /after login: 2 findings: .*login-single-factor \(high\).*home-world-writable \(high\)/);
  });

  test('nothing found: no extra lines, the close stays the last line', async () => {
    const dirs = await scratchDir('login-audit-cli-clean');
    await fs.chmod(dirs.remote, 0o755);
    await fs.mkdir(path.join(dirs.local, '.vscode'));
    const profile = { name: 'ok', protocol: 'sftp', host: '127.0.0.1', port: sshd.port, username: TEST_USER.name, remotePath: dirs.remote, fingerprints: [sshd.hostKeys![0].fingerprint], agent: false };
    await fs.writeFile(path.join(dirs.local, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [profile] }));
    const r = await cli(['test', 'profile:ok', '--password-stdin'], dirs.local, TEST_USER.password);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.equal(r.stdout.trim().split('\n').at(-1), '✓ Closed the connection.');
    assert.doesNotMatch(r.stdout, /Seen after logging in/);
  });
});
