/**
 * Server text never reaches the terminal raw (issue 11, item 5): keyboard-interactive prompts and
 * instructions, the no-terminal error that quotes them, FTP replies and greetings, and a PASV that
 * names another host (item 8: exit 3, our sentence, none of basic-ftp's). The real CLI runs as a
 * child process, with piped stdin and under a pseudo-terminal (`script`).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeCertificate, type CertFiles } from '../harness';
import { HOSTILE_USER, dir, file, startHostileSftpServer, type HostileSftpOptions, type HostileSftpServer } from '../hostile/hostileSftpServer';
import { startHostileFtpServer, type HostileFtpOptions, type HostileFtpServer } from '../hostile/hostileFtpServer';
import { count } from './stats';
import { assertOneSentence, faultTest } from './support';

const CLI = path.resolve(__dirname, '../../src/cli/main.js');

/** What a hostile server hides in its text: clear screen, retitle, a fake line, a bidi override, a C1 CSI. */
const CLEAR = '\u001b[2J\u001b[H';
const RETITLE = '\u001b]0;retitled by the server\u0007';
const FAKE_LINE = '\r\nHost key verified. ';
const BIDI = '\u202e';
const C1_CSI = '\u009b31m';
const HOSTILE_TEXT = `${CLEAR}${RETITLE}${FAKE_LINE}${BIDI}${C1_CSI}`;

/** Anything a terminal acts on that a server could have put there (a CR counts: it rewrites the line). */
// eslint-disable-next-line no-control-regex
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
let stateDir: string;
const sftpServers: HostileSftpServer[] = [];
const ftpServers: HostileFtpServer[] = [];
let cert: CertFiles;

before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-escapes-home-'));
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-escapes-state-'));
  cert = await makeCertificate();
});
after(async () => {
  await Promise.all([...sftpServers, ...ftpServers].map((s) => s.close()));
  await fs.rm(home, { recursive: true, force: true });
  await fs.rm(stateDir, { recursive: true, force: true });
});

const env = (): NodeJS.ProcessEnv => ({ PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: stateDir, TERM: 'xterm' });

/** The CLI with piped stdin/stdout/stderr (no terminal: questions cannot be asked). */
async function cli(args: string[], stdin = ''): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], { cwd: home, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

/**
 * The CLI under a pseudo-terminal (util-linux `script`), so it is interactive: each time `output`
 * shows `waitFor[i]`, `answers[i]` is typed. Returns everything the terminal received.
 */
async function cliOnTerminal(args: string[], waitFor: string[], answers: string[]): Promise<{ code: number; screen: string }> {
  const command = [process.execPath, CLI, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: home, env: env(), stdio: ['pipe', 'pipe', 'pipe'] });
  let screen = '';
  let step = 0;
  const onData = (d: Buffer) => {
    screen += d.toString('utf8');
    while (step < waitFor.length && screen.includes(waitFor[step])) child.stdin.write(answers[step++]);
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  child.stdin.destroy();
  return { code, screen };
}

async function hostileSftp(opts: Omit<HostileSftpOptions, 'root'>): Promise<HostileSftpServer> {
  const s = await startHostileSftpServer({ root: dir([['hello.txt', file('hello\n')]]), ...opts });
  sftpServers.push(s);
  return s;
}

async function hostileFtp(opts: Omit<HostileFtpOptions, 'certFile' | 'keyFile'>): Promise<HostileFtpServer> {
  const s = await startHostileFtpServer({ certFile: cert.certFile, keyFile: cert.keyFile, ...opts });
  ftpServers.push(s);
  return s;
}

function assertNoRawControls(what: string, text: string): void {
  assert.ok(!RAW_CONTROL.test(text), `${what} carries a raw control or bidi character: ${JSON.stringify(text)}`);
}

describe('keyboard-interactive text from a hostile SSH server', () => {
  faultTest('piped stdin: the no-terminal error quotes the prompt escaped, on one line, nothing raw on stdout or stderr', async () => {
    const s = await hostileSftp({
      keyboardInteractive: { name: `name${RETITLE}`, instructions: `Read this${CLEAR}${FAKE_LINE}`, prompts: [{ prompt: `${HOSTILE_TEXT}Enter your PIN: `, echo: false }] },
    });
    const r = await cli(['ls', `sftp://${HOSTILE_USER.username}@${s.host}:${s.port}/`, '--fingerprint', s.fingerprint]);
    assert.equal(r.code, 1, r.stderr);
    assertNoRawControls('stderr', r.stderr);
    assertNoRawControls('stdout', r.stdout);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one sentence: ${r.stderr}`);
    assertOneSentence(lines[0]);
    // The prompt is quoted (so the user sees what was asked), escaped rather than dropped.
    assert.match(r.stderr, /\\x1b\[2J/);
    assert.match(r.stderr, /\\x1b\]0;retitled by the server\\x07/);
    assert.match(r.stderr, /\\x0d\\x0aHost key verified/);
    assert.match(r.stderr, /\\u\{202e\}/);
    assert.match(r.stderr, /Enter your PIN/);
    count('escapesNeutralised', 5);
  });

  faultTest('on a terminal: the prompt is shown escaped, the answer is accepted, the listing follows', async () => {
    const s = await hostileSftp({
      keyboardInteractive: { name: 'x', instructions: 'y', prompts: [{ prompt: `${HOSTILE_TEXT}Enter your PIN: `, echo: false }] },
    });
    const { code, screen } = await cliOnTerminal(['ls', `sftp://${HOSTILE_USER.username}@${s.host}:${s.port}/`, '--fingerprint', s.fingerprint], ['Enter your PIN: '], ['1234\r']);
    assert.equal(code, 0, screen);
    assert.match(screen, /hello\.txt/, 'the listing after the login');
    // readline may draw with its own escape sequences on a terminal; none of the server's arrives.
    for (const [what, raw] of Object.entries({ CLEAR, RETITLE, BIDI, C1_CSI, BEL: '\u0007' })) {
      assert.ok(!screen.includes(raw), `the server's ${what} reached the terminal: ${JSON.stringify(screen)}`);
    }
    assert.ok(!/[\r\n]Host key verified/.test(screen), `a fake line reached the terminal: ${JSON.stringify(screen)}`);
    assert.match(screen, /\\x1b\[2J\\x1b\[H\\x1b\]0;retitled by the server\\x07\\x0d\\x0aHost key verified/);
    count('escapesNeutralised', 5);
  });
});

describe('FTP replies from a hostile FTPS server', () => {
  const url = (s: HostileFtpServer, p: string) => `ftpes://${s.username}@${s.host}:${s.port}${p}`;

  faultTest('a refusal reply full of escapes and fake lines: exit 1, one sentence, escaped', async () => {
    const s = await hostileFtp({
      files: { '/secret.txt': 'secret\n' },
      replies: { RETR: `550-${CLEAR}no${RETITLE}\r\n Host key verified.${BIDI}\r\n550 ${C1_CSI}such file\r\n` },
    });
    const local = path.join(home, 'out.txt');
    const r = await cli(['get', url(s, '/secret.txt'), local, '--fingerprint', cert.fingerprint, '--password-stdin'], s.password);
    assert.equal(r.code, 1, r.stderr);
    assertNoRawControls('stderr', r.stderr);
    assertNoRawControls('stdout', r.stdout);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    // The reply is quoted (the server's reason matters), escaped rather than dropped.
    assert.match(r.stderr, /\\x1b\[2J\\x1b\[Hno\\x1b\]0;retitled by the server\\x07 Host key verified\.\\u\{202e\} 550 \\x9b31msuch file/);
    count('escapesNeutralised', 4);
  });

  faultTest('a greeting that refuses with escapes: one sentence, escaped', async () => {
    const s = await hostileFtp({ greeting: `421 ${CLEAR}${RETITLE}go away${BIDI}${FAKE_LINE}\r\n` });
    const r = await cli(['ls', url(s, '/'), '--fingerprint', cert.fingerprint, '--password-stdin'], s.password);
    assert.notEqual(r.code, 0, r.stderr);
    assertNoRawControls('stderr', r.stderr);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /421 \\x1b\[2J\\x1b\[H\\x1b\]0;retitled by the server\\x07go away\\u\{202e\}/);
    count('escapesNeutralised', 3);
  });

  faultTest('PASV naming another host: refused for security (exit 3), our sentence, no basic-ftp wording', async () => {
    const s = await hostileFtp({ mlsd: () => ['type=file;size=1; a.txt'], replies: { PASV: '227 Entering Passive Mode (10,9,9,9,4,1)\r\n' } });
    const r = await cli(['ls', url(s, '/'), '--fingerprint', cert.fingerprint, '--password-stdin'], s.password);
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /another host \(10\.9\.9\.9\)/);
    assert.doesNotMatch(r.stderr, /instantiate|allowSeparateTransferHost|basic-ftp/i);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    count('hostileInputsTried');
  });
});

describe('exit codes of security refusals through the CLI', () => {
  const cases: Array<[string, NonNullable<HostileSftpOptions['algorithms']>]> = [
    ['only a CBC cipher', { cipher: ['aes128-cbc'] }],
    ['only diffie-hellman-group1-sha1', { kex: ['diffie-hellman-group1-sha1'] }],
  ];
  for (const [what, algorithms] of cases) {
    faultTest(`an SSH server offering ${what} is refused with exit 3 and our sentence`, async () => {
      const s = await hostileSftp({ algorithms });
      const r = await cli(['ls', `sftp://${HOSTILE_USER.username}@${s.host}:${s.port}/`, '--fingerprint', s.fingerprint, '--password-stdin'], HOSTILE_USER.password);
      assert.equal(r.code, 3, r.stderr);
      assert.match(r.stderr, /have no .* in common/);
      assert.doesNotMatch(r.stderr, /Handshake failed/);
      assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    });
  }
});
