/**
 * Request deadlines (profile `requestTimeout`): a server that accepts a request and never answers it
 * (while the connection stays up and keepalives are answered) must not make anything wait forever.
 * The operation fails at its deadline with one sentence naming what went unanswered, the server, the
 * time and the fix; the session is closed (it can't be trusted to answer in order any more); the
 * partial file stays and a re-run against a healthy server resumes it to the right content.
 *
 * Servers: our hostile SFTP server (ssh2 server API) and hostile FTPS server, which go silent on the
 * requests a test names, and real sshd / vsftpd behind the harness proxy stalling (or throttling)
 * mid-session.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { makeCertificate, scratchDir, startSshd, startTcpProxy, startVsftpd, stopAll, TEST_USER, type CertFiles, type RunningServer } from '../harness';
import { connectSftp, type SftpFileSystem } from '../../src/core/session/sftp';
import { connectFtps, type FtpsFileSystem } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { ReconnectingFileSystem } from '../../src/core/session/reconnecting';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { download } from '../../src/core/transfer/engine';
import { isPartialName } from '../../src/core/transfer/partialName';
import { startHostileSftpServer, dir, type HostileNode, type HostileSftpServer } from '../hostile/hostileSftpServer';
import { startHostileFtpServer, type HostileFtpOptions, type HostileFtpServer } from '../hostile/hostileFtpServer';
import { count } from './stats';
import { MiB, assertHash, cleanRejection, faultTest, giveToTestUser, openSftp, sha256, within, writeRandomFile } from './support';

/** The deadline in these tests; a hang is anything past BOUND_MS. */
const DEADLINE_MS = 2_000;
const BOUND_MS = 25_000;
const CLI = path.resolve(__dirname, '../../src/cli/main.js');

let work: string;
let cert: CertFiles;
const closers: Array<() => Promise<void>> = [];
before(async () => {
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'st-deadlines-'));
  cert = await makeCertificate();
});
after(async () => {
  await Promise.all(closers.map((c) => c().catch(() => undefined)));
  await stopAll();
  await fs.rm(work, { recursive: true, force: true });
});

let folderCounter = 0;
async function localFolder(): Promise<string> {
  const d = path.join(work, `l${++folderCounter}`);
  await fs.mkdir(d);
  return d;
}

/** The one sentence: what went unanswered, which server, after how long, and what to do. */
function assertDeadlineSentence(message: string, what: RegExp, server: string): void {
  assert.match(message, what, message);
  assert.ok(message.includes(server), `the server is not named: ${message}`);
  assert.match(message, /\b2 s\b/, `the time is not said: ${message}`);
  assert.match(message, /requestTimeout/, `the fix is not said: ${message}`);
}

/** The partial a failed download left next to `target` (and nothing at the target itself). */
async function partialOf(target: string): Promise<{ name: string; size: number }> {
  const names = await fs.readdir(path.dirname(target));
  assert.ok(!names.includes(path.basename(target)), 'a failed download left a file at the target');
  const partials = names.filter(isPartialName);
  assert.equal(partials.length, 1, `expected one partial, found ${JSON.stringify(names)}`);
  return { name: partials[0], size: (await fs.stat(path.join(path.dirname(target), partials[0]))).size };
}

// ---- hostile SFTP ----

interface SilentSftp {
  server: HostileSftpServer;
  /** Which requests go unanswered right now (by ssh2 event name); READs only from `readFrom`. */
  silence: Set<string>;
  readFrom: number;
}

async function silentSftp(root: HostileNode): Promise<SilentSftp> {
  const state: Omit<SilentSftp, 'server'> = { silence: new Set(), readFrom: 0 };
  const server = await startHostileSftpServer({
    root,
    silent: (request, args) => state.silence.has(request) && (request !== 'READ' || (args[1] as number) >= state.readFrom),
  });
  closers.push(() => server.close());
  return Object.assign(state, { server });
}

function openHostileSftp(s: HostileSftpServer, requestTimeoutMs = DEADLINE_MS): Promise<SftpFileSystem> {
  return connectSftp({
    server: { protocol: 'sftp', host: s.host, port: s.port, username: s.username },
    credentials: staticCredentials(s.password),
    trust: { pinned: [s.fingerprint], knownHostsFiles: [], trustStore: new TrustStore(path.join(work, `trust-sftp-${s.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
    requestTimeoutMs,
  });
}

const CONTENT = randomBytes(3 * MiB);
const sftpTree = (): HostileNode => dir([['data.bin', { kind: 'file', content: CONTENT }]]);

describe('deadlines: a silent SFTP server', () => {
  faultTest('OPEN answered, READ never: get fails at the deadline with one sentence, the session closes, a re-run resumes the partial', async () => {
    const s = await silentSftp(sftpTree());
    s.silence.add('READ');
    s.readFrom = MiB; // the first MiB arrives, then silence
    const target = path.join(await localFolder(), 'data.bin');
    const rfs = await openHostileSftp(s.server);
    try {
      const err = await cleanRejection(download(rfs, '/data.bin', target), BOUND_MS);
      assert.equal(err.code, 'request-timeout', err.message);
      assertDeadlineSentence(err.message, /READ \/data\.bin/, `${s.server.host}:${s.server.port}`);
      assert.match(err.message, /re-run resumes/);
      assert.equal(rfs.connected, false, 'a session whose request timed out must be closed');
      count('deadlinesHit');
    } finally {
      await rfs.close();
    }
    const partial = await partialOf(target);
    assert.ok(partial.size > 0 && partial.size <= MiB, `the partial holds the answered prefix (${partial.size} bytes)`);

    s.silence.clear();
    const again = await openHostileSftp(s.server);
    try {
      const result = await download(again, '/data.bin', target);
      assert.equal(result.resumed, 1, 'the re-run resumed the partial');
      assert.equal(result.movedBytes, CONTENT.length - partial.size, 'only the missing part was fetched');
    } finally {
      await again.close();
    }
    await assertHash(target, sha256(CONTENT), 'the resumed download');
  });

  faultTest('STAT, OPENDIR and OPEN that never answer each fail at their deadline, naming the request', async () => {
    const s = await silentSftp(sftpTree());
    for (const [request, run, what] of [
      ['STAT', (r: SftpFileSystem) => r.stat('/data.bin'), /inspect \/data\.bin/],
      ['OPENDIR', (r: SftpFileSystem) => r.list('/'), /list \//],
      ['OPEN', (r: SftpFileSystem) => r.readFile('/data.bin'), /read \/data\.bin/],
    ] as const) {
      s.silence.clear();
      const rfs = await openHostileSftp(s.server);
      s.silence.add(request);
      try {
        const err = await cleanRejection(run(rfs), BOUND_MS);
        assert.equal(err.code, 'request-timeout', err.message);
        assertDeadlineSentence(err.message, what, `${s.server.host}:${s.server.port}`);
        assert.equal(rfs.connected, false);
        count('deadlinesHit');
      } finally {
        await within(rfs.close(), BOUND_MS, `close() after a ${request} deadline`);
      }
    }
  });

  faultTest('the reconnecting session (the editor\'s) reconnects cleanly after a deadline and the next request succeeds', async () => {
    const s = await silentSftp(sftpTree());
    const rec = await ReconnectingFileSystem.connect(() => openHostileSftp(s.server), { initialDelayMs: 50 });
    try {
      s.silence.add('READ');
      const err = await cleanRejection(rec.downloadFile('/data.bin', path.join(await localFolder(), 'x.bin')), BOUND_MS);
      assert.equal(err.code, 'request-timeout', err.message);
      count('deadlinesHit');
      assert.equal(rec.linkUp, false, 'the timed-out connection is not used again');
      s.silence.clear();
      const entry = await within(rec.stat('/data.bin'), BOUND_MS, 'the first request after the deadline');
      assert.equal(entry.size, CONTENT.length);
      assert.equal(rec.reconnects, 1);
      assert.equal((await rec.readFile('/data.bin')).length, CONTENT.length);
    } finally {
      await rec.close();
    }
  });

});

// ---- the CLI ----

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function cli(args: string[], stdin: string, cwd: string): Promise<Run> {
  const home = await fs.mkdtemp(path.join(work, 'home-'));
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd,
    env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: path.join(home, 'state') },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(stdin);
  const code = await within(new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1))), BOUND_MS, 'the CLI');
  return { code, stdout, stderr };
}

describe('deadlines: the CLI', () => {
  faultTest('get --request-timeout 2 against a server that stops answering READ exits 1 with one sentence; the re-run resumes', async () => {
    const s = await silentSftp(sftpTree());
    s.silence.add('READ');
    s.readFrom = MiB;
    const cwd = await localFolder();
    const url = `sftp://${s.server.username}@${s.server.host}:${s.server.port}/data.bin`;
    const args = ['get', url, '.', '--fingerprint', s.server.fingerprint, '--password-stdin', '--request-timeout', '2'];
    const failed = await cli(args, s.server.password, cwd);
    assert.equal(failed.code, 1, failed.stderr);
    const lines = failed.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `one sentence, got: ${failed.stderr}`);
    assertDeadlineSentence(lines[0], /READ \/data\.bin/, `${s.server.host}:${s.server.port}`);
    count('deadlinesHit');
    const partial = await partialOf(path.join(cwd, 'data.bin'));
    assert.ok(partial.size > 0);

    s.silence.clear();
    const ok = await cli(args, s.server.password, cwd);
    assert.equal(ok.code, 0, ok.stderr);
    await assertHash(path.join(cwd, 'data.bin'), sha256(CONTENT), 'the CLI download resumed after a deadline');
  });

  faultTest('--request-timeout outside 0 < s <= 600 is a usage error (exit 2)', async () => {
    const cwd = await localFolder();
    for (const bad of ['0', '-1', 'soon', '601']) {
      const r = await cli(['ls', 'sftp://u@127.0.0.1:1/', '--request-timeout', bad], '', cwd);
      assert.equal(r.code, 2, `${bad}: ${r.stderr}`);
      assert.match(r.stderr, /--request-timeout/);
    }
  });
});

// ---- hostile FTPS ----

async function hostileFtp(opts: Omit<HostileFtpOptions, 'certFile' | 'keyFile'>): Promise<{ server: HostileFtpServer; opts: HostileFtpOptions }> {
  const full: HostileFtpOptions = { ...opts, certFile: cert.certFile, keyFile: cert.keyFile };
  const server = await startHostileFtpServer(full);
  closers.push(() => server.close());
  return { server, opts: full };
}

function openHostileFtps(s: HostileFtpServer): Promise<FtpsFileSystem> {
  return connectFtps({
    server: { protocol: 'ftpes', host: s.host, port: s.port, username: s.username },
    credentials: staticCredentials(s.password),
    tls: { pinned: [cert.fingerprint], trustStore: new TrustStore(path.join(work, `trust-ftp-${s.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
    requestTimeoutMs: DEADLINE_MS,
  });
}

const FTP_TEXT = 'x'.repeat(512 * 1024);

describe('deadlines: a silent FTPS server', () => {
  faultTest('a command that is never answered fails at the deadline with one sentence and closes the session', async () => {
    const { server, opts } = await hostileFtp({ files: { '/f.txt': FTP_TEXT } });
    const rfs = await openHostileFtps(server);
    opts.silentOn = ['SIZE', 'MLST'];
    try {
      const err = await cleanRejection(download(rfs, '/f.txt', path.join(await localFolder(), 'f.txt')), BOUND_MS);
      assert.equal(err.code, 'request-timeout', err.message);
      assertDeadlineSentence(err.message, /did not answer the command/, `${server.host}:${server.port}`);
      assert.equal(rfs.connected, false);
      count('deadlinesHit');
    } finally {
      await rfs.close();
    }
  });

  faultTest('a data connection that stalls mid-file fails at the deadline (idle, not total) and keeps the partial', async () => {
    const { server } = await hostileFtp({ files: { '/f.txt': FTP_TEXT }, stallRetrAfterBytes: 128 * 1024 });
    const target = path.join(await localFolder(), 'f.txt');
    const rfs = await openHostileFtps(server);
    try {
      const err = await cleanRejection(download(rfs, '/f.txt', target), BOUND_MS);
      assert.equal(err.code, 'request-timeout', err.message);
      assertDeadlineSentence(err.message, /no bytes on the data connection/, `${server.host}:${server.port}`);
      assert.match(err.message, /re-run resumes/);
      count('deadlinesHit');
    } finally {
      await rfs.close();
    }
    const partial = await partialOf(target);
    assert.equal(partial.size, 128 * 1024, 'the bytes that arrived are kept');
  });
});

// ---- real servers behind a stalling proxy ----

describe('deadlines: real servers behind a proxy that stalls mid-session', () => {
  let sshd: RunningServer;
  let vsftpd: RunningServer;
  let remote: string;
  before(async () => {
    [sshd, vsftpd] = await Promise.all([startSshd(), startVsftpd({ mode: 'explicit' })]);
    ({ remote } = await scratchDir('deadlines'));
  });

  /** Bytes both ways of a login through a clean proxy: a stall past this lands after the login. */
  async function loginBytes(server: RunningServer, open: (port: number) => Promise<{ close(): Promise<void> }>): Promise<number> {
    const proxy = await startTcpProxy({ host: server.host, port: server.port });
    try {
      const s = await open(proxy.port);
      const n = proxy.clientBytes().length + proxy.serverBytes().length;
      await s.close();
      return n;
    } finally {
      await proxy.stop();
    }
  }

  faultTest('OpenSSH: a link that goes silent mid-download fails at the request deadline; a re-run resumes to the right hash', async () => {
    const source = path.join(remote, 'sshd.bin');
    const hash = await writeRandomFile(source, 4 * MiB);
    await giveToTestUser(source);
    const open = (port: number) => openSftp(sshd, { port }, { requestTimeoutMs: DEADLINE_MS });
    const login = await loginBytes(sshd, open);
    const proxy = await startTcpProxy({ host: sshd.host, port: sshd.port }, { stallAfterBytes: login + MiB });
    const target = path.join(await localFolder(), 'sshd.bin');
    try {
      const rfs = await open(proxy.port);
      try {
        const err = await cleanRejection(download(rfs, source, target), BOUND_MS);
        assert.equal(err.code, 'request-timeout', err.message);
        assertDeadlineSentence(err.message, /sent no answer to (READ|OPEN|FSTAT)/, `127.0.0.1:${proxy.port}`);
        count('deadlinesHit');
      } finally {
        await within(rfs.close(), BOUND_MS, 'close() after a stalled link');
      }
    } finally {
      await proxy.stop();
    }
    const partial = await partialOf(target);
    // The re-run comes back to the same address through a clean proxy: a partial is resumed only
    // from the server (host, port, user, host key) it came from.
    const clean = await startTcpProxy({ host: sshd.host, port: sshd.port }, { port: proxy.port });
    try {
      const rfs = await open(clean.port);
      try {
        const result = await download(rfs, source, target);
        assert.equal(result.resumed, partial.size > 0 ? 1 : 0);
      } finally {
        await rfs.close();
      }
    } finally {
      await clean.stop();
    }
    await assertHash(target, hash, 'the download resumed after a stalled link');
  });

  faultTest('a slow link that keeps answering is not cut off: the deadline is per request, not per transfer', async () => {
    // ~5 s in all at 400 KB/s, every request answered well within its 2 s: the requests sent last
    // wait for the ones before them, which a deadline counted from sending would wrongly expire.
    const source = path.join(remote, 'slow.bin');
    const hash = await writeRandomFile(source, 2 * MiB);
    await giveToTestUser(source);
    const proxy = await startTcpProxy({ host: sshd.host, port: sshd.port }, { throttleBytesPerSec: 400 * 1024 });
    const target = path.join(await localFolder(), 'slow.bin');
    try {
      const rfs = await openSftp(sshd, { port: proxy.port }, { requestTimeoutMs: DEADLINE_MS });
      try {
        await within(download(rfs, source, target), 60_000, 'the throttled download');
      } finally {
        await rfs.close();
      }
    } finally {
      await proxy.stop();
    }
    await assertHash(target, hash, 'the throttled download');
  });
  faultTest('vsftpd: a control connection that goes silent after the login fails at the request deadline with one sentence', async () => {
    const source = path.join(remote, 'vsftpd.bin');
    await writeRandomFile(source, 256 * 1024);
    await giveToTestUser(source);
    const open = (port: number) =>
      connectFtps({
        server: { protocol: 'ftpes', host: vsftpd.host, port, username: TEST_USER.name },
        credentials: staticCredentials(TEST_USER.password),
        tls: { pinned: [vsftpd.cert!.fingerprint], trustStore: new TrustStore(path.join(work, `trust-vsftpd-${port}.json`)), decide: refuseUnknown },
        connectTimeoutMs: 10_000,
        requestTimeoutMs: DEADLINE_MS,
      });
    // The session's control connection is the proxy's last one (the first TLS attempt pins the
    // certificate); the stall lands half-way between the end of its login and the end of a download.
    const clean = await startTcpProxy({ host: vsftpd.host, port: vsftpd.port });
    let login: number;
    let whole: number;
    let earlier: number;
    try {
      const rfs = await open(clean.port);
      login = clean.connectionBytes().at(-1)!;
      earlier = Math.max(0, ...clean.connectionBytes().slice(0, -1));
      await download(rfs, source, path.join(await localFolder(), 'vsftpd.bin'));
      whole = clean.connectionBytes().at(-1)!;
      await rfs.close();
    } finally {
      await clean.stop();
    }
    const stallAt = Math.floor((login + whole) / 2);
    assert.ok(stallAt > login && stallAt > earlier, `the stall lands after the login (${earlier}, ${login} → ${whole} bytes)`);
    const proxy = await startTcpProxy({ host: vsftpd.host, port: vsftpd.port }, { stallAfterBytes: stallAt });
    try {
      const rfs = await open(proxy.port);
      try {
        const err = await cleanRejection(download(rfs, source, path.join(await localFolder(), 'vsftpd.bin')), BOUND_MS);
        assert.equal(err.code, 'request-timeout', err.message);
        assertDeadlineSentence(err.message, /did not answer the command|no bytes on the data connection/, `127.0.0.1:${proxy.port}`);
        assert.equal(rfs.connected, false);
        count('deadlinesHit');
      } finally {
        await within(rfs.close(), BOUND_MS, 'close() after a stalled control connection');
      }
    } finally {
      await proxy.stop();
    }
  });
});
