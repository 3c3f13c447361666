/**
 * Proxies (issue 14, deliverable 5) with real proxy processes: microsocks (SOCKS5) and tinyproxy
 * (HTTP CONNECT), the CLI run as users run it (dist/cli.js). Each test proves the route from the
 * proxy's own log: the CONNECT to the server's port, and for FTPS to the data ports as well (a real
 * file transfer, vsftpd with require_ssl_reuse, so the data connection's TLS session was reused).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { connectFtps } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { SecureTransferError } from '../../src/core/errors';
import { startHostileFtpServer } from '../hostile/hostileFtpServer';
import { makeCertificate, scratchDir, startHttpProxy, startSocksProxy, startSshd, startVsftpd, stopAll, TEST_USER, type RunningProxy, type RunningServer } from '../harness';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
let stateDir: string;

async function cli(args: string[], env: NodeJS.ProcessEnv = {}, cwd = os.tmpdir()): Promise<Run> {
  // Every command but `audit` (which sends no credential) reads the password from stdin.
  const child = spawn(process.execPath, [CLI, ...args, ...(args[0] === 'audit' ? [] : ['--password-stdin'])], {
    cwd,
    // Only what the test names: no proxy variable of the machine running the tests leaks in.
    env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: stateDir, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(TEST_USER.password);
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** microsocks's line for a tunnel to 127.0.0.1:port. */
const socksLine = (port: number) => new RegExp(`connected to 127\\.0\\.0\\.1:${port}\\b`);
/** tinyproxy's line for a CONNECT to 127.0.0.1:port. */
const connectLine = (port: number) => new RegExp(`CONNECT 127\\.0\\.0\\.1:${port} HTTP`);

function oneSentence(r: Run): void {
  assert.equal(r.stderr.trim().split('\n').length, 1, `one sentence, no stack trace: ${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\bat .*\.js:\d+/);
}

before(async () => {
  home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-proxy-home-'));
  stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-proxy-state-'));
});

describe('SFTP through a proxy (OpenSSH sshd)', () => {
  let sshd: RunningServer;
  let pin: string;
  let socks: RunningProxy;
  let http: RunningProxy;
  let remote: string;
  let local: string;
  const content = randomBytes(200_000);
  const url = (p: string) => `sftp://${TEST_USER.name}@127.0.0.1:${sshd.port}${p}`;

  before(async () => {
    [sshd, socks, http] = await Promise.all([startSshd(), startSocksProxy(), startHttpProxy()]);
    pin = sshd.hostKeys![0].fingerprint;
    ({ remote, local } = await scratchDir('proxy-sftp'));
    await fs.writeFile(path.join(local, 'up.bin'), content);
    const put = await cli(['put', path.join(local, 'up.bin'), url(`${remote}/data.bin`), '--fingerprint', pin]);
    assert.equal(put.code, 0, put.stderr);
  });

  test('--proxy socks5h://: ls and get go through microsocks, the file arrives intact', async () => {
    const ls = await cli(['ls', url(remote), '--fingerprint', pin, '--proxy', socks.url]);
    assert.equal(ls.code, 0, ls.stderr);
    assert.match(ls.stdout, /data\.bin/);
    const back = path.join(local, 'socks.bin');
    const get = await cli(['get', url(`${remote}/data.bin`), back, '--fingerprint', pin, '--proxy', socks.url]);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(sha256(await fs.readFile(back)), sha256(content));
    await socks.waitForLog(socksLine(sshd.port));
  });

  test('ALL_PROXY=http://… (the environment): ls and get go through tinyproxy with CONNECT', async () => {
    const env = { ALL_PROXY: http.url };
    const ls = await cli(['ls', url(remote), '--fingerprint', pin], env);
    assert.equal(ls.code, 0, ls.stderr);
    const back = path.join(local, 'http.bin');
    const get = await cli(['get', url(`${remote}/data.bin`), back, '--fingerprint', pin], env);
    assert.equal(get.code, 0, get.stderr);
    assert.equal(sha256(await fs.readFile(back)), sha256(content));
    await http.waitForLog(connectLine(sshd.port));
  });

  test('HTTPS_PROXY wins over ALL_PROXY, and a SOCKS5 password comes from the environment', async () => {
    const guarded = await startSocksProxy({ username: 'proxyuser', password: 'pr0xy:pass' });
    try {
      const r = await cli(['ls', url(remote), '--fingerprint', pin], { HTTPS_PROXY: guarded.url, ALL_PROXY: 'socks5h://127.0.0.1:9' });
      assert.equal(r.code, 0, r.stderr);
      await guarded.waitForLog(socksLine(sshd.port));
    } finally {
      await guarded.stop();
    }
  });

  test('NO_PROXY and --proxy none connect directly: the proxy sees nothing', async () => {
    const quiet = await startSocksProxy();
    try {
      const bypass = await cli(['ls', url(remote), '--fingerprint', pin], { ALL_PROXY: quiet.url, NO_PROXY: 'localhost,127.0.0.0/8' });
      assert.equal(bypass.code, 0, bypass.stderr);
      const none = await cli(['ls', url(remote), '--fingerprint', pin, '--proxy', 'none'], { ALL_PROXY: quiet.url });
      assert.equal(none.code, 0, none.stderr);
      // The same call without the bypass is seen: the log would have shown the two above.
      const seen = await cli(['ls', url(remote), '--fingerprint', pin], { ALL_PROXY: quiet.url });
      assert.equal(seen.code, 0, seen.stderr);
      const log = await quiet.waitForLog(socksLine(sshd.port));
      assert.equal(log.match(socksLine(sshd.port))?.length, 1);
      assert.equal((log.match(/connected to/g) ?? []).length, 1, log);
    } finally {
      await quiet.stop();
    }
  });

  test('the host key is still verified through the proxy: a wrong pin is refused (exit 3) before any login', async () => {
    const wrong = 'SHA256:' + randomBytes(32).toString('base64').replace(/=+$/, '');
    const before = (await sshd.readLog()).length;
    const r = await cli(['ls', url(remote), '--fingerprint', wrong, '--proxy', socks.url]);
    assert.equal(r.code, 3, r.stderr);
    assert.ok(r.stderr.includes(pin) && r.stderr.includes(wrong), r.stderr);
    assert.doesNotMatch((await sshd.readLog()).slice(before), /(Accepted|Failed) (password|publickey)/);
  });

  test('a proxy that wants credentials (407), one that refuses the port (403), a SOCKS5 proxy refusing: exit 1, one sentence', async () => {
    const [needsAuth, narrow, socksAuth] = await Promise.all([
      startHttpProxy({ basicAuth: { username: 'ann', password: 'secret1' } }),
      startHttpProxy({ connectPorts: [443] }),
      startSocksProxy({ username: 'ann', password: 'secret2' }),
    ]);
    try {
      const r407 = await cli(['ls', url(remote), '--fingerprint', pin, '--proxy', needsAuth.url]);
      assert.equal(r407.code, 1, r407.stderr);
      oneSentence(r407);
      assert.match(r407.stderr, new RegExp(`The proxy ${escape(needsAuth.url)} needs a user name and password \\(407 `));
      const wrongAuth = await cli(['ls', url(remote), '--fingerprint', pin], { HTTPS_PROXY: needsAuth.url.replace('://', '://ann:wrong@') });
      assert.equal(wrongAuth.code, 1, wrongAuth.stderr);
      assert.match(wrongAuth.stderr, /rejected the user name and password/);
      assert.ok(!wrongAuth.stderr.includes('wrong'), 'the password is never shown');

      const r403 = await cli(['ls', url(remote), '--fingerprint', pin, '--proxy', narrow.url]);
      assert.equal(r403.code, 1, r403.stderr);
      oneSentence(r403);
      assert.match(r403.stderr, /refused the tunnel \(403 /);
      await narrow.waitForLog(connectLine(sshd.port));

      const rSocks = await cli(['ls', url(remote), '--fingerprint', pin, '--proxy', socksAuth.url.replace(/\/\/[^@]*@/, '//')]);
      assert.equal(rSocks.code, 1, rSocks.stderr);
      oneSentence(rSocks);
      assert.match(rSocks.stderr, /needs a user name and password: set them in the environment/);
      assert.doesNotMatch(await sshd.readLog(), /Failed password/, 'nothing reached the server');
    } finally {
      await Promise.all([needsAuth.stop(), narrow.stop(), socksAuth.stop()]);
    }
  });

  test('audit goes through the proxy too, and so does the audit a team policy runs before connecting', async () => {
    const route = await startSocksProxy();
    try {
      const audit = await cli(['audit', url('/'), '--fingerprint', pin, '--format', 'json'], { ALL_PROXY: route.url });
      assert.ok(audit.code === 0 || audit.code === 4, audit.stderr);
      assert.equal(JSON.parse(audit.stdout).facts.ssh.hostKeys[0].fingerprint !== undefined, true);
      const probes = (await route.waitForLog(socksLine(sshd.port))).match(socksLine(sshd.port))!.length;
      assert.ok(probes >= 1);
      // A profile under a policy: connect() audits first; both the probes and the session are tunnelled.
      const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-proxy-policy-'));
      await fs.mkdir(path.join(dir, '.vscode'));
      const profile = { name: 'p', protocol: 'sftp', host: '127.0.0.1', port: sshd.port, username: TEST_USER.name, fingerprints: [pin], proxy: route.url };
      await fs.writeFile(path.join(dir, '.vscode', 'secure-transfer.json'), JSON.stringify({ policy: { blockOnSeverity: 'critical' }, profiles: [profile] }));
      const before = (await route.readLog()).split('\n').length;
      const ls = await cli(['ls', `profile:p/${remote}`], {}, dir);
      assert.equal(ls.code, 0, ls.stderr);
      const tunnels = (await route.readLog()).split('\n').slice(before - 1).filter((l) => socksLine(sshd.port).test(l)).length;
      // The session is one tunnel; the audit adds its banner read and a handshake per host key.
      assert.ok(tunnels >= 3, `the audit's probes and the session went through the proxy (${tunnels} tunnels)`);
      // The policy must allow the proxy's host as well.
      await fs.writeFile(path.join(dir, '.vscode', 'secure-transfer.json'), JSON.stringify({ policy: { allowedHosts: ['127.0.0.1'] }, profiles: [{ ...profile, proxy: `socks5h://127.0.0.2:${route.port}` }] }));
      const refused = await cli(['ls', `profile:p/${remote}`], {}, dir);
      assert.equal(refused.code, 3, refused.stderr);
      assert.match(refused.stderr, /through the proxy socks5h:\/\/127\.0\.0\.2:\d+ is refused by policy\.allowedHosts/);
    } finally {
      await route.stop();
    }
  });

  test('a proxy password on the command line or in a profile file is refused (exit 2) without connecting', async () => {
    const flag = await cli(['ls', url(remote), '--fingerprint', pin, '--proxy', 'socks5h://ann:hunter2@127.0.0.1:9']);
    assert.equal(flag.code, 2, flag.stderr);
    oneSentence(flag);
    assert.ok(!flag.stderr.includes('hunter2'), flag.stderr);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-proxy-profile-'));
    await fs.mkdir(path.join(dir, '.vscode'));
    const profile = { name: 'p', protocol: 'sftp', host: '127.0.0.1', port: sshd.port, username: TEST_USER.name, fingerprints: [pin], proxy: 'http://ann:hunter2@127.0.0.1:9' };
    await fs.writeFile(path.join(dir, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [profile] }));
    const file = await cli(['ls', `profile:p/${remote}`], {}, dir);
    assert.equal(file.code, 2, file.stderr);
    assert.match(file.stderr, /proxy/);
    assert.ok(!file.stderr.includes('hunter2'), file.stderr);
    // The same profile with the proxy written without its password works through it.
    await fs.writeFile(path.join(dir, '.vscode', 'secure-transfer.json'), JSON.stringify({ profiles: [{ ...profile, proxy: socks.url }] }));
    const ok = await cli(['ls', `profile:p/${remote}`], {}, dir);
    assert.equal(ok.code, 0, ok.stderr);
  });
});

for (const [label, start] of [
  ['HTTP CONNECT (tinyproxy)', () => startHttpProxy()],
  ['SOCKS5 (microsocks)', () => startSocksProxy()],
] as const) {
  describe(`FTPS through ${label}: control and data connections`, () => {
    let ftp: RunningServer;
    let proxy: RunningProxy;
    let remote: string;
    let local: string;
    const url = (p: string) => `ftpes://${TEST_USER.name}@127.0.0.1:${ftp.port}${p}`;

    before(async () => {
      [ftp, proxy] = await Promise.all([startVsftpd({ mode: 'explicit' }), start()]);
      ({ remote, local } = await scratchDir('proxy-ftps'));
    });

    test('a round trip (HTTP: put and get; SOCKS: ls and get); the proxy log shows the control port and data ports; TLS sessions reused (require_ssl_reuse)', async () => {
      const content = randomBytes(300_000);
      await fs.writeFile(path.join(local, 'f.bin'), content);
      const auth = ['--fingerprint', ftp.cert!.fingerprint, '--proxy', proxy.url];
      if (proxy.protocol === 'http') {
        const put = await cli(['put', path.join(local, 'f.bin'), url(`${remote}/f.bin`), ...auth]);
        assert.equal(put.code, 0, put.stderr);
      } else {
        // microsocks closes both directions at the client's first FIN, which truncates an upload's data
        // connection under vsftpd now and then ("426 Failure reading network stream"; see
        // docs/proxies.md): the SOCKS round trip is a listing and a download of a file put there directly.
        await fs.copyFile(path.join(local, 'f.bin'), path.join(remote, 'f.bin'));
        const ls = await cli(['ls', url(`${remote}/`), ...auth]);
        assert.equal(ls.code, 0, ls.stderr);
        assert.match(ls.stdout, /f\.bin/);
      }
      const back = path.join(local, 'back.bin');
      const get = await cli(['get', url(`${remote}/f.bin`), back, ...auth]);
      assert.equal(get.code, 0, get.stderr);
      assert.equal(sha256(await fs.readFile(back)), sha256(content));

      const line = proxy.protocol === 'http' ? /CONNECT 127\.0\.0\.1:(\d+) HTTP/g : /connected to 127\.0\.0\.1:(\d+)/g;
      const log = await proxy.waitForLog(proxy.protocol === 'http' ? connectLine(ftp.port) : socksLine(ftp.port));
      const ports = [...log.matchAll(line)].map((m) => Number(m[1]));
      const dataPorts = ports.filter((p) => p !== ftp.port);
      assert.ok(ports.filter((p) => p === ftp.port).length >= 2, `two control connections: ${ports.join(', ')}`);
      assert.ok(dataPorts.length >= 2, `data connections went through the proxy too: ${ports.join(', ')}`);
      // vsftpd logs the transfers it completed; with require_ssl_reuse a data connection without the
      // control connection's TLS session would have been refused ("522 SSL connection failed").
      const ftpLog = await ftp.readLog();
      assert.doesNotMatch(ftpLog, /522 |session reuse required/i);
      if (proxy.protocol === 'http') assert.match(ftpLog, /OK UPLOAD/);
      assert.match(ftpLog, /OK DOWNLOAD/);
    });

    test('the certificate is still verified through the proxy: a wrong pin is refused (exit 3) before USER', async () => {
      const wrong = 'SHA256:' + randomBytes(32).toString('base64').replace(/=+$/, '');
      const before = (await ftp.readLog()).length;
      const r = await cli(['ls', url(remote), '--fingerprint', wrong, '--proxy', proxy.url]);
      assert.equal(r.code, 3, r.stderr);
      assert.ok(r.stderr.includes(ftp.cert!.fingerprint), r.stderr);
      assert.doesNotMatch((await ftp.readLog()).slice(before), /USER /, 'no user name reached the server');
    });
  });
}

describe('implicit FTPS through SOCKS5', () => {
  test('ls works, TLS from the first byte inside the tunnel', async () => {
    const [ftp, socks] = await Promise.all([startVsftpd({ mode: 'implicit' }), startSocksProxy()]);
    const r = await cli(['ls', `ftps://${TEST_USER.name}@127.0.0.1:${ftp.port}/`, '--fingerprint', ftp.cert!.fingerprint, '--proxy', socks.url]);
    assert.equal(r.code, 0, r.stderr);
    await socks.waitForLog(socksLine(ftp.port));
  });
});

describe('FTPS PASV through a proxy (a scripted server that offers no EPSV)', () => {
  const mlsd = () => ['type=file;size=5;modify=20240101000000; a.txt'];
  async function list(passive?: string) {
    const cert = await makeCertificate();
    const [server, socks] = await Promise.all([
      startHostileFtpServer({ certFile: cert.certFile, keyFile: cert.keyFile, mlsd, ...(passive ? { replies: { PASV: passive } } : {}) }),
      startSocksProxy(),
    ]);
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-proxy-pasv-'));
    try {
      const rfs = await connectFtps({
        server: { protocol: 'ftpes', host: server.host, port: server.port, username: server.username },
        credentials: staticCredentials(server.password),
        tls: { pinned: [cert.fingerprint], trustStore: new TrustStore(path.join(dir, 'trust.json')), decide: refuseUnknown },
        proxy: socks.url,
        connectTimeoutMs: 5000,
        requestTimeoutMs: 5000,
      });
      try {
        const entries = await rfs.list('/').then((e) => e, (err: unknown) => err);
        return { entries, log: await socks.waitForLog(socksLine(server.port)), server };
      } finally {
        await rfs.close();
      }
    } finally {
      await Promise.all([server.close(), socks.stop()]);
    }
  }

  test('EPSV refused: PASV is used, and its data connection is tunnelled to the control host', async () => {
    const { entries, log, server } = await list();
    assert.ok(Array.isArray(entries), String(entries));
    assert.deepEqual((entries as Array<{ name: string }>).map((e) => e.name), ['a.txt']);
    const ports = [...log.matchAll(/connected to 127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
    assert.ok(ports.some((p) => p !== server.port), `a data connection went through the proxy: ${ports.join(', ')}`);
  });

  test('PASV naming another host is refused (pasv-other-host); nothing is tunnelled to it', async () => {
    const { entries, log } = await list('227 Entering Passive Mode (10,255,255,1,4,1)\r\n');
    assert.ok(entries instanceof SecureTransferError, String(entries));
    assert.equal(entries.code, 'pasv-other-host');
    assert.equal(entries.kind, 'security');
    assert.match(entries.message, /another host \(10\.255\.255\.1\)/);
    assert.doesNotMatch(log, /connected to 10\.255\.255\.1|:1025\b/);
  });
});
