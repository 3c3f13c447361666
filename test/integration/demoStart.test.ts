/**
 * `npm start` end to end.
 * - `--cli`: builds, starts the demo server and drives the real CLI through the walk-through (refusal
 *   of the unknown host key with exit 3, pinning, put/ls/get, equal hashes).
 * - browser mode (what `npm start` does without desktop VS Code): code-server serves the workbench
 *   behind its login, the demo workspace pins the demo server's key, and the demo server answers.
 */
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO_ROOT } from '../harness/common';
import { CODE_SERVER_ENTRY } from '../harness/codeServer';

const START = path.join(REPO_ROOT, 'scripts', 'start.mjs');

it('npm start -- --cli refuses the unknown host key, then round-trips a file with the pinned fingerprint', () => {
  const r = spawnSync(process.execPath, [START, '--cli'], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 120_000 });
  const output = `${r.stdout}\n${r.stderr}`;
  assert.equal(r.status, 0, output);
  const fingerprint = /host key fingerprint is (SHA256:[A-Za-z0-9+/]{43})/.exec(output)?.[1];
  assert.ok(fingerprint, output);
  // Each command's block starts with "$ secure-transfer"; the first (untrusted) one must show the
  // fingerprint and exit 3, and every later one must pass it as a pin.
  const [untrusted, ...pinned] = output.split('\n$ secure-transfer ').slice(1);
  assert.ok(untrusted.includes(fingerprint) && untrusted.includes('(exit 3)'), untrusted);
  assert.ok(!untrusted.split('\n')[0].includes('--fingerprint'), untrusted);
  assert.ok(pinned.length >= 5 && pinned.every((b) => b.includes(`--fingerprint ${fingerprint}`) && b.includes('(exit 0)')), output);
  assert.match(output, /Equal: the file made the round trip intact\./);
});

/** The first line a TCP server sends (the SSH identification string). */
function firstLine(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('no banner within 5 s')));
    socket.on('data', (d) => {
      data += d.toString('latin1');
      if (data.includes('\n')) {
        socket.destroy();
        resolve(data.split(/\r?\n/)[0]);
      }
    });
    socket.on('error', reject);
  });
}

it('npm start (browser mode) serves the VS Code workbench with the extension and a demo workspace pinned to the running demo server', { skip: !existsSync(CODE_SERVER_ENTRY) && 'code-server is not installed (scripts/setup-code-server.sh)', timeout: 90_000 }, async () => {
  const child = spawn(process.execPath, [START, '--browser'], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 75_000;
    while (!/code-server password: \S+/.test(output)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `npm start printed no URL:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /Open in your browser: (\S+)/.exec(output)![1];
    const password = /code-server password: (\S+)/.exec(output)![1];
    const sftpPort = Number(/Demo SFTP server: +sftp:\/\/demo@127\.0\.0\.1:(\d+)\//.exec(output)![1]);
    const fingerprint = /host key (SHA256:[A-Za-z0-9+/]{43})/.exec(output)![1];
    const parsed = new URL(url);
    const payload = JSON.parse(parsed.searchParams.get('payload')!) as [string, string][];
    assert.deepEqual(payload.find(([k]) => k === 'extensionDevelopmentPath')?.[1], `vscode-remote://${parsed.host}${REPO_ROOT}`);

    // The workbench sits behind code-server's login, which keeps the folder and payload.
    const anonymous = await fetch(url, { redirect: 'manual' });
    assert.equal(anonymous.status, 302);
    assert.match(anonymous.headers.get('location') ?? '', /login/);
    const login = await fetch(new URL(`/login${parsed.search}`, url), { method: 'POST', body: new URLSearchParams({ password }), redirect: 'manual' });
    const cookie = login.headers.get('set-cookie')?.split(';')[0];
    assert.ok(cookie, `login refused (${login.status})`);
    const workbench = await fetch(url, { headers: { cookie }, redirect: 'manual' });
    assert.equal(workbench.status, 200);
    assert.match(await workbench.text(), /workbench/);

    // The demo workspace's shared profile points at the running demo server, its key pinned.
    const profileFile = path.join(parsed.searchParams.get('folder')!, '.vscode', 'secure-transfer.json');
    const [profile] = (JSON.parse(readFileSync(profileFile, 'utf8')) as { profiles: { port: number; fingerprints: string[] }[] }).profiles;
    assert.equal(profile.port, sftpPort);
    assert.deepEqual(profile.fingerprints, [fingerprint]);
    assert.match(await firstLine(sftpPort), /^SSH-2\.0-/);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    const code = await exited;
    assert.equal(code, 0, `npm start did not stop cleanly on SIGTERM:\n${output}`);
  }
  assert.match(output, /Demo stopped; its temp folder is removed\./);
});

/** `npm start -- --serve [--weak]` until its URL is printed; then `run` gets it, and the demo is stopped. */
async function withServe<T>(extra: string[], run: (url: string, fingerprint: string, output: string) => Promise<T>): Promise<T> {
  const child = spawn(process.execPath, [START, '--serve', ...extra], { cwd: REPO_ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  try {
    const deadline = Date.now() + 60_000;
    while (!/Host key: +SHA256:/.test(output)) {
      assert.ok(Date.now() < deadline && child.exitCode === null, `npm start -- --serve printed no URL:\n${output}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const url = /URL: +(sftp:\/\/\S+?)\/?\s/.exec(output)![1];
    const fingerprint = /Host key: +(SHA256:\S+)/.exec(output)![1];
    return await run(url, fingerprint, output);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid!, 'SIGTERM');
    await exited;
  }
}

/** `secure-transfer audit URL --fail-on medium` (exit 4 when a finding is medium or worse). */
function auditCli(url: string, fingerprint: string): { status: number | null; output: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, 'dist', 'cli.js'), 'audit', url, '--fingerprint', fingerprint, '--fail-on', 'medium'], {
    encoding: 'utf8', timeout: 60_000, env: { ...process.env, SECURE_TRANSFER_STATE_DIR: mkdtempSync(path.join(os.tmpdir(), 'st-demo-audit-')) },
  });
  return { status: r.status, output: `${r.stdout}\n${r.stderr}` };
}

it('npm start serves a demo whose audit is clean (nothing medium or worse); npm start -- --weak one whose audit is not', { timeout: 150_000 }, async () => {
  await withServe([], async (url, fingerprint) => {
    const clean = auditCli(url, fingerprint);
    assert.equal(clean.status, 0, clean.output);
    assert.doesNotMatch(clean.output, /\b(CRITICAL|HIGH|MEDIUM)\b/, clean.output);
  });
  await withServe(['--weak'], async (url, fingerprint, output) => {
    assert.match(output, /--weak: the demo server also offers legacy algorithms/);
    const weak = auditCli(url, fingerprint);
    assert.equal(weak.status, 4, weak.output);
    assert.match(weak.output, /ssh-weak-kex[\s\S]*diffie-hellman-group1-sha1/);
    assert.match(weak.output, /ssh-weak-mac[\s\S]*hmac-md5/);
  });
});
