/**
 * Bad input through the real CLI (dist/cli.js): missing or broken key files, bad fingerprints, bad
 * TOTP seeds, broken profile files, a missing CA file. Each gets exactly one line on stderr that
 * names what and where, the documented exit code, and never a stack trace.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO_ROOT, TEST_USER, startSshd, startVsftpd, stopAll, type RunningServer } from '../harness';
import { count } from './stats';
import { faultTest } from './support';

after(stopAll);

const CLI = path.join(REPO_ROOT, 'dist', 'cli.js');
let sshd: RunningServer;
let vsftpd: RunningServer;
let home: string;

before(async () => {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first.`);
  [sshd, vsftpd] = await Promise.all([startSshd(), startVsftpd({ mode: 'explicit' })]);
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-bad-input-'));
  await fs.writeFile(path.join(home, 'not-a-key'), 'this is not a private key\n');
  await fs.writeFile(path.join(home, 'broken.json'), '{ "profiles": [ { "name": "x", ');
  await fs.writeFile(path.join(home, 'typed.json'), JSON.stringify({ profiles: [{ name: 'x', protocol: 'sftp', host: 'h', username: 'u', port: '22x', colour: 'red' }] }));
});
after(() => fs.rm(home, { recursive: true, force: true }));

function cli(args: string[], stdin = ''): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    // A private HOME: no real known_hosts, trust store or keychain is read or written.
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, HOME: home, XDG_CONFIG_HOME: path.join(home, '.config') }, cwd: home });
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stdin.end(stdin);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, stdout });
    });
  });
}

const sftpUrl = () => `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}/`;
const ftpesUrl = () => `ftpes://${TEST_USER.name}@127.0.0.1:${vsftpd.port}/`;
const pinSsh = () => ['--fingerprint', sshd.hostKeys![0].fingerprint];

const CASES: Array<{ name: string; args: () => string[]; stdin?: string; exit: number; says: RegExp }> = [
  { name: 'a missing private key file', args: () => ['ls', sftpUrl(), ...pinSsh(), '--identity', path.join(home, 'missing_ed25519')], exit: 2, says: /missing_ed25519/ },
  { name: 'a private key file that is not a key', args: () => ['ls', sftpUrl(), ...pinSsh(), '--identity', path.join(home, 'not-a-key')], exit: 2, says: /not-a-key/ },
  { name: 'a fingerprint in no known form', args: () => ['ls', sftpUrl(), '--fingerprint', 'SHA256:nope'], exit: 2, says: /SHA256:nope/ },
  { name: 'an MD5 fingerprint', args: () => ['ls', sftpUrl(), '--fingerprint', 'MD5:12:34:56'], exit: 2, says: /MD5:12:34:56/ },
  { name: 'a valid but wrong pinned fingerprint', args: () => ['ls', sftpUrl(), '--fingerprint', `SHA256:${'A'.repeat(43)}`], exit: 3, says: /127\.0\.0\.1/ },
  { name: 'a TOTP seed that is not base32', args: () => ['secret', 'set-totp', sftpUrl()], stdin: 'not base32!!\n', exit: 2, says: /base32/ },
  { name: 'an otpauth URI without a secret', args: () => ['secret', 'set-totp', sftpUrl()], stdin: 'otpauth://totp/x?issuer=y\n', exit: 2, says: /secret|seed/i },
  { name: 'a missing CA file for FTPS', args: () => ['ls', ftpesUrl(), '--ca', path.join(home, 'missing-ca.pem'), '--password-stdin'], stdin: `${TEST_USER.password}\n`, exit: 2, says: /missing-ca\.pem/ },
  { name: 'a profile file cut off mid-way', args: () => ['ls', 'profile:x/', '--config', path.join(home, 'broken.json')], exit: 2, says: /broken\.json.*line/ },
  { name: 'a profile with a wrong-typed port and an unknown key', args: () => ['ls', 'profile:x/', '--config', path.join(home, 'typed.json')], exit: 2, says: /typed\.json/ },
  { name: 'a missing profile file', args: () => ['ls', 'profile:x/', '--config', path.join(home, 'nope.json')], exit: 2, says: /nope\.json/ },
  { name: 'a plain ftp:// URL', args: () => ['ls', `ftp://${TEST_USER.name}@127.0.0.1:${vsftpd.port}/`], exit: 3, says: /plain FTP/i },
  { name: 'a URL with a port out of range', args: () => ['ls', 'sftp://u@127.0.0.1:99999/'], exit: 2, says: /99999/ },
];

describe('bad input through the CLI', () => {
  for (const c of CASES) {
    faultTest(`${c.name}: one clear line, exit ${c.exit}, no stack trace`, async () => {
      count('hostileInputsTried');
      const r = await cli(c.args(), c.stdin);
      const lines = r.stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, `expected one line on stderr, got:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |\bat .+\.js:\d+/, 'a stack trace reached the user');
      assert.match(lines[0], c.says, `the message should say what and where: ${lines[0]}`);
      assert.equal(r.code, c.exit, `exit code for: ${lines[0]}`);
    });
  }
});
