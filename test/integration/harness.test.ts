/**
 * The harness itself, against the real servers: each kind starts, answers with its banner, lets the
 * test user in (and only in the ways it should), and really ends when stopped.
 */
import { after, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import * as net from 'node:net';
import * as path from 'node:path';
import * as tls from 'node:tls';
import { Client as FtpClient } from 'basic-ftp';
import { generate } from 'otplib';
import { Client as SshClient, type ConnectConfig } from 'ssh2';
import {
  TEST_USER,
  clientKeys,
  ensureTestUser,
  freePort,
  makeCertificate,
  readFirstLine,
  reapOrphans,
  scratchDir,
  startProftpd,
  startPureFtpd,
  startSshd,
  startTcpProxy,
  startVsftpd,
  stopAll,
  type RunningServer,
} from '../harness';

after(stopAll);

const sha256 = (key: Buffer) => 'SHA256:' + createHash('sha256').update(key).digest('base64').replace(/=+$/, '');

function isAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

/** Logs in over SSH with the host key pinned to the harness's fingerprint; resolves with `run`'s result. */
function sshSession<T>(server: RunningServer, auth: Partial<ConnectConfig> & { kbd?: (prompt: string) => string }, run: (c: SshClient) => Promise<T>): Promise<T> {
  const pinned = new Set((server.hostKeys ?? []).map((k) => k.fingerprint));
  return new Promise((resolve, reject) => {
    const client = new SshClient();
    client.on('keyboard-interactive', (_name, _instr, _lang, prompts, finish) => finish(prompts.map((p) => auth.kbd?.(p.prompt) ?? '')));
    client.on('ready', () => run(client).then(resolve, reject).finally(() => client.end()));
    client.on('error', reject);
    const { kbd, ...config } = auth;
    client.connect({
      host: server.host,
      port: server.port,
      username: TEST_USER.name,
      hostVerifier: (key: Buffer) => pinned.has(sha256(key)),
      tryKeyboard: kbd !== undefined,
      readyTimeout: 15_000,
      ...config,
    });
  });
}

function sftpList(c: SshClient, dir: string): Promise<string[]> {
  return new Promise((resolve, reject) =>
    c.sftp((err, sftp) => {
      if (err) return reject(err);
      sftp.readdir(dir, (e, list) => (e ? reject(e) : resolve(list.map((f) => f.filename).sort())));
    }),
  );
}

/** Logs in over FTPS trusting only the server's own certificate; uploads `name` into `remoteDir`. */
async function ftpsUpload(server: RunningServer, remoteDir: string, name: string, text: string): Promise<void> {
  const client = new FtpClient(15_000);
  try {
    await client.access({
      host: server.host,
      port: server.port,
      user: TEST_USER.name,
      password: TEST_USER.password,
      secure: server.protocol === 'ftps' ? 'implicit' : true,
      secureOptions: { ca: readFileSync(server.cert!.certFile), servername: 'localhost' },
    });
    await client.cd(remoteDir);
    const { Readable } = await import('node:stream');
    await client.uploadFrom(Readable.from([Buffer.from(text)]), name);
    const listed = (await client.list()).map((f) => f.name);
    assert.ok(listed.includes(name), `${name} listed over the TLS data channel`);
  } finally {
    client.close();
  }
}

/** Sends one FTP command in the clear after the (possibly multi-line) banner; returns the reply line. */
function cleartextReply(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    let data = '';
    let bannerLines = -1;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      const lines = data.split('\r\n').slice(0, -1); // complete lines only
      if (bannerLines < 0) {
        const end = lines.findIndex((l) => /^220 /.test(l));
        if (end < 0) return;
        bannerLines = end + 1;
        socket.write(`${command}\r\n`);
      }
      const reply = lines.slice(bannerLines).find((l) => /^\d{3} /.test(l));
      if (reply) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => reject(new Error(`connection closed without a reply to ${command}: ${data}`)));
  });
}

/** AUTH TLS then a handshake limited to one protocol version: does the server accept it? */
function explicitTlsHandshake(server: RunningServer, version: tls.SecureVersion): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: server.host, port: server.port });
    let data = '';
    let authSent = false;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => {
      data += chunk;
      if (/^220 /m.test(data) && !authSent) {
        authSent = true;
        socket.write('AUTH TLS\r\n');
      } else if (/^234 /m.test(data)) {
        socket.removeAllListeners('data');
        const secure = tls.connect({
          socket,
          ca: readFileSync(server.cert!.certFile),
          servername: 'localhost',
          minVersion: version,
          maxVersion: version,
          ciphers: 'DEFAULT:@SECLEVEL=0',
        });
        secure.on('secureConnect', () => {
          secure.destroy();
          resolve(true);
        });
        secure.on('error', () => resolve(false));
      }
    });
    socket.on('error', reject);
  });
}

async function assertStops(server: RunningServer): Promise<void> {
  assert.ok(isAlive(server.pid), `${server.name} runs before stop()`);
  await server.stop();
  assert.equal(isAlive(server.pid), false, `${server.name} PID ${server.pid} ended`);
  await assert.rejects(readFirstLine(server.port, { kind: 'ftp' }, 2000), `nothing answers on ${server.name}'s port any more`);
}

describe('sshd', () => {
  test('default: banner, pinned host key matches ssh-keygen, key and password logins, SFTP sees the scratch dir', async () => {
    const sshd = await startSshd();
    assert.match(await readFirstLine(sshd.port, { kind: 'ssh' }), /^SSH-2\.0-OpenSSH/);
    const key = sshd.hostKeys![0];
    const keygen = await new Promise<string>((res, rej) => execFile('ssh-keygen', ['-lf', key.publicKeyFile], (e, out) => (e ? rej(e) : res(out))));
    assert.equal(keygen.split(' ')[1], key.fingerprint);
    assert.equal(key.type, 'ssh-ed25519');

    const { remote } = await scratchDir('sshd');
    await writeFile(path.join(remote, 'hello.txt'), 'hi');
    const keys = await clientKeys();
    assert.deepEqual(await sshSession(sshd, { privateKey: readFileSync(keys.ed25519.privateKeyFile) }, (c) => sftpList(c, remote)), ['hello.txt']);
    await sshSession(sshd, { privateKey: readFileSync(keys.encrypted.privateKeyFile), passphrase: keys.encrypted.passphrase }, async () => undefined);
    await sshSession(sshd, { password: TEST_USER.password }, async () => undefined);
    await assert.rejects(sshSession(sshd, { password: 'wrong' }, async () => undefined), /authentication methods failed/);
    const log = await sshd.readLog();
    assert.match(log, /Accepted publickey for sttest/);
    assert.match(log, /Accepted password for sttest/);
    await assertStops(sshd);
  });

  test('a different host key is refused by a client that pinned the first one', async () => {
    const first = await startSshd();
    const second = await startSshd({ port: await freePort() });
    assert.notEqual(first.hostKeys![0].fingerprint, second.hostKeys![0].fingerprint);
    const impostor = { ...second, hostKeys: first.hostKeys };
    await assert.rejects(sshSession(impostor, { password: TEST_USER.password }, async () => undefined));
    const restarted = await startSshd({ hostKeysFrom: first });
    assert.equal(restarted.hostKeys![0].fingerprint, first.hostKeys![0].fingerprint);
    await sshSession(restarted, { password: TEST_USER.password }, async () => undefined);
  });

  test('weak offers SHA-1 kex, CBC and a DSA host key; hardened refuses passwords', async () => {
    const weak = await startSshd({ variant: 'weak' });
    assert.deepEqual(weak.hostKeys!.map((k) => k.type).sort(), ['ssh-dss', 'ssh-rsa']);
    await sshSession(
      weak,
      { password: TEST_USER.password, algorithms: { kex: ['diffie-hellman-group14-sha1'], cipher: ['aes128-cbc'], serverHostKey: ['ssh-dss'], hmac: ['hmac-sha1'] } },
      async () => undefined,
    );
    const hardened = await startSshd({ variant: 'hardened' });
    await assert.rejects(sshSession(hardened, { password: TEST_USER.password }, async () => undefined), /authentication methods failed/);
    await assert.rejects(sshSession(hardened, { privateKey: readFileSync((await clientKeys()).ed25519.privateKeyFile), algorithms: { cipher: ['aes128-ctr'] } }, async () => undefined));
    await sshSession(hardened, { privateKey: readFileSync((await clientKeys()).ed25519.privateKeyFile) }, async () => undefined);
  });

  test('PAM TOTP: password + correct code gets in, a wrong code does not', async () => {
    const sshd = await startSshd({ pam: 'totp-password' });
    assert.match(sshd.totpSeed ?? '', /^[A-Z2-7]{16,}$/);
    const answer = (code: string) => (prompt: string) => (/password/i.test(prompt) ? TEST_USER.password : code);
    const good = await generate({ secret: sshd.totpSeed! });
    await sshSession(sshd, { kbd: answer(good) }, async () => undefined);
    const wrong = String((Number(good) + 500_000) % 1_000_000).padStart(6, '0');
    await assert.rejects(sshSession(sshd, { kbd: answer(wrong) }, async () => undefined));
    assert.match(await sshd.readLog(), /Accepted keyboard-interactive\/pam for sttest/);
    await assert.rejects(sshSession(sshd, { password: TEST_USER.password }, async () => undefined), 'password alone is not enough');
    const service = readdirSync(sshd.dir).find((n) => n.startsWith('sshd-st-'));
    const pamFile = path.join('/etc/pam.d', service ?? 'missing');
    assert.ok(existsSync(pamFile), 'the server has its own PAM service');
    await sshd.stop();
    assert.equal(existsSync(pamFile), false);
  });

  test('PAM TOTP after a public key: key + code gets in, the key alone does not', async () => {
    const sshd = await startSshd({ pam: 'totp-publickey' });
    const privateKey = readFileSync((await clientKeys()).ed25519.privateKeyFile);
    const code = await generate({ secret: sshd.totpSeed! });
    await sshSession(sshd, { privateKey, kbd: () => code }, async () => undefined);
    await assert.rejects(sshSession(sshd, { privateKey }, async () => undefined));
    assert.match(await sshd.readLog(), /Accepted keyboard-interactive\/pam for sttest/);
  });
});

describe('vsftpd', () => {
  test('explicit: TLS login with session reuse, upload lands in the scratch dir owned by the test user', async () => {
    const ftp = await startVsftpd({ mode: 'explicit' });
    assert.equal(ftp.protocol, 'ftpes');
    const { remote } = await scratchDir('vsftpd-explicit');
    await ftpsUpload(ftp, remote, 'up.txt', 'explicit');
    assert.equal(await readFile(path.join(remote, 'up.txt'), 'utf8'), 'explicit');
    assert.equal(statSync(path.join(remote, 'up.txt')).uid, statSync(remote).uid);
    assert.match(await cleartextReply(ftp.port, `USER ${TEST_USER.name}`), /^530 /);
    assert.equal(await explicitTlsHandshake(ftp, 'TLSv1'), false);
    await assertStops(ftp);
  });

  test('implicit: TLS from the first byte', async () => {
    const ftp = await startVsftpd({ mode: 'implicit' });
    assert.equal(ftp.protocol, 'ftps');
    assert.match(await readFirstLine(ftp.port, { kind: 'ftp-implicit-tls', cert: ftp.cert! }), /^220 /);
    const { remote } = await scratchDir('vsftpd-implicit');
    await ftpsUpload(ftp, remote, 'imp.txt', 'implicit');
    assert.equal(await readFile(path.join(remote, 'imp.txt'), 'utf8'), 'implicit');
    await assertStops(ftp);
  });

  test('plaintext accepts USER in the clear and refuses AUTH TLS; weak accepts TLS 1.0', async () => {
    const plain = await startVsftpd({ mode: 'plaintext' });
    assert.equal(plain.protocol, 'ftp');
    assert.match(await cleartextReply(plain.port, `USER ${TEST_USER.name}`), /^331 /);
    assert.match(await cleartextReply(plain.port, 'AUTH TLS'), /^5\d\d /);
    const weak = await startVsftpd({ mode: 'weak' });
    assert.match(await cleartextReply(weak.port, `USER ${TEST_USER.name}`), /^331 /);
    assert.equal(await explicitTlsHandshake(weak, 'TLSv1'), true);
  });
});

describe('proftpd and pure-ftpd', () => {
  test('proftpd ftps: TLS required, login and upload work', async () => {
    const ftp = await startProftpd({ mode: 'ftps' });
    assert.match(await cleartextReply(ftp.port, `USER ${TEST_USER.name}`), /^550 /);
    const { remote } = await scratchDir('proftpd-ftps');
    await ftpsUpload(ftp, remote, 'p.txt', 'proftpd');
    assert.equal(await readFile(path.join(remote, 'p.txt'), 'utf8'), 'proftpd');
    await assertStops(ftp);
  });

  test('proftpd sftp: banner, pinned host key, key (RFC 4716) and password logins', async () => {
    const sftp = await startProftpd({ mode: 'sftp' });
    assert.match(await readFirstLine(sftp.port, { kind: 'ssh' }), /^SSH-2\.0-mod_sftp/);
    const { remote } = await scratchDir('proftpd-sftp');
    await writeFile(path.join(remote, 'x.txt'), 'x');
    const keys = await clientKeys();
    assert.deepEqual(await sshSession(sftp, { privateKey: readFileSync(keys.ed25519.privateKeyFile) }, (c) => sftpList(c, remote)), ['x.txt']);
    await sshSession(sftp, { password: TEST_USER.password }, async () => undefined);
    await assertStops(sftp);
  });

  test('proftpd weak: cleartext USER accepted, TLS 1.0 accepted', async () => {
    const weak = await startProftpd({ mode: 'weak' });
    assert.match(await cleartextReply(weak.port, `USER ${TEST_USER.name}`), /^331 /);
    assert.equal(await explicitTlsHandshake(weak, 'TLSv1'), true);
  });

  test('pure-ftpd: cleartext USER refused with 421, TLS login and upload work', async () => {
    const ftp = await startPureFtpd();
    assert.match(await cleartextReply(ftp.port, `USER ${TEST_USER.name}`), /^421/);
    const { remote } = await scratchDir('pure-ftpd');
    await ftpsUpload(ftp, remote, 'pure.txt', 'pure');
    assert.equal(await readFile(path.join(remote, 'pure.txt'), 'utf8'), 'pure');
    await assertStops(ftp);
  });
});

describe('certificates, proxy, user, exit clean-up', () => {
  test('default certificate verifies for 127.0.0.1; mismatch and expired ones fail the way clients see them', async () => {
    const handshake = async (certOpts: Parameters<typeof makeCertificate>[0]) => {
      const cert = await makeCertificate(certOpts);
      const server = tls.createServer({ cert: readFileSync(cert.certFile), key: readFileSync(cert.keyFile) }, (s) => s.end());
      await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
      const port = (server.address() as net.AddressInfo).port;
      try {
        return await new Promise<string>((resolve) => {
          const socket = tls.connect({ host: '127.0.0.1', port, ca: readFileSync(cert.certFile) }, () => {
            const fp = sha256(socket.getPeerCertificate().raw);
            socket.destroy();
            resolve(fp === cert.fingerprint ? 'ok' : 'wrong fingerprint');
          });
          socket.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
        });
      } finally {
        server.close();
      }
    };
    assert.equal(await handshake(undefined), 'ok');
    assert.equal(await handshake({ sans: ['DNS:wrong.example'] }), 'ERR_TLS_CERT_ALTNAME_INVALID');
    assert.equal(await handshake({ expired: true }), 'CERT_HAS_EXPIRED');
    assert.equal(await makeCertificate(), await makeCertificate(), 'default certificate is cached');
  });

  test('tcp proxy records both directions and cuts after the given bytes', async () => {
    const ftp = await startVsftpd({ mode: 'plaintext' });
    const proxy = await startTcpProxy({ host: ftp.host, port: ftp.port });
    assert.match(await cleartextReply(proxy.port, `USER ${TEST_USER.name}`), /^331 /);
    assert.equal(proxy.clientBytes().toString('latin1'), `USER ${TEST_USER.name}\r\n`);
    assert.match(proxy.serverBytes().toString('latin1'), /^220 [^]*331 /);
    await proxy.stop();

    const cut = await startTcpProxy({ host: ftp.host, port: ftp.port }, { cutAfterBytes: 5 });
    const received = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: cut.port });
      let data = '';
      s.setEncoding('latin1');
      s.on('data', (d: string) => (data += d));
      s.on('close', () => resolve(data));
    });
    assert.equal(received, '220 (');
  });

  test('tcp proxy: a stalled connection stays open and silent; a throttled one still delivers', async () => {
    const ftp = await startVsftpd({ mode: 'plaintext' });
    const stall = await startTcpProxy({ host: ftp.host, port: ftp.port }, { stallAfterBytes: 5 });
    const socket = net.connect({ host: '127.0.0.1', port: stall.port });
    let received = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (received += d));
    socket.on('close', () => (closed = true));
    while (received.length < 5) await new Promise((r) => setTimeout(r, 20));
    socket.write('NOOP\r\n');
    while (!stall.clientBytes().toString().includes('NOOP')) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 300)); // the server's 200 reply would have arrived by now
    assert.equal(received, '220 (');
    assert.equal(closed, false);
    socket.destroy();

    const slow = await startTcpProxy({ host: ftp.host, port: ftp.port }, { throttleBytesPerSec: 2000 });
    assert.match(await cleartextReply(slow.port, `USER ${TEST_USER.name}`), /^331 /);
  });

  test('ensureTestUser is safe in parallel processes; scratch dirs and servers end with their process', async () => {
    const harness = path.join(__dirname, '..', 'harness', 'index.js');
    const child = (script: string) =>
      new Promise<string>((resolve, reject) =>
        execFile(process.execPath, ['-e', `const h = require(${JSON.stringify(harness)}); (async () => { ${script} })().catch((e) => { console.error(e); process.exit(1); });`], (e, out, err) =>
          e ? reject(new Error(err || e.message)) : resolve(out),
        ),
      );
    await Promise.all([1, 2, 3].map(() => child('await h.ensureTestUser();')));
    const user = await ensureTestUser();
    assert.equal(user.home, '/home/sttest');

    const out = JSON.parse(
      await child('const d = await h.scratchDir("exit"); const s = await h.startSshd(); console.log(JSON.stringify({ ...d, pid: s.pid, dir: s.dir }));'),
    );
    assert.equal(existsSync(out.remote), false, 'remote scratch removed at exit');
    assert.equal(existsSync(out.local), false, 'local scratch removed at exit');
    assert.equal(existsSync(out.dir), false, 'server temp dir removed at exit');
    assert.equal(isAlive(out.pid), false, 'server stopped at exit');
  });

  test('reapOrphans stops the servers and removes the folders of a test process that was killed', async () => {
    const harness = path.join(__dirname, '..', 'harness', 'index.js');
    const script = `const h = require(${JSON.stringify(harness)}); (async () => { const d = await h.scratchDir("crash"); const s = await h.startSshd({ pam: 'totp-password' }); console.log(JSON.stringify({ ...d, pid: s.pid, dir: s.dir })); process.kill(process.pid, 'SIGKILL'); })();`;
    const out = await new Promise<string>((resolve) => execFile(process.execPath, ['-e', script], (_e, stdout) => resolve(stdout)));
    const crashed = JSON.parse(out);
    assert.ok(isAlive(crashed.pid), 'the killed process left its server behind');
    const pamFiles = () => readdirSync(crashed.dir).filter((n) => n.startsWith('sshd-st-')).map((n) => path.join('/etc/pam.d', n));
    const [pamFile] = pamFiles();
    assert.ok(existsSync(pamFile));
    reapOrphans();
    for (let i = 0; i < 100 && isAlive(crashed.pid); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(isAlive(crashed.pid), false, 'orphaned server killed');
    for (const dir of [crashed.dir, crashed.local, crashed.remote]) assert.equal(existsSync(dir), false, `${dir} removed`);
    assert.equal(existsSync(pamFile), false, 'orphaned PAM service removed');
  });

  test('freePort gives distinct bindable ports', async () => {
    const [a, b] = await Promise.all([freePort(), freePort()]);
    assert.notEqual(a, b);
    const server = net.createServer();
    await new Promise<void>((r) => server.listen(a, '127.0.0.1', r));
    server.close();
  });
});
