/**
 * The embedded demo SFTP server against real clients: OpenSSH's `sftp` (host key checked against a
 * known_hosts file, publickey login) and ssh2's client (host key checked by fingerprint, password).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { Client, utils, type SFTPWrapper } from 'ssh2';
import { MODERN_ALGORITHMS, startDemoServer, type DemoServer } from '../../src/demo/sftpServer';
import { auditServer } from '../../src/core/audit/auditServer';
import { atLeast } from '../../src/core/audit/rules/evaluate';
import type { AuditReport } from '../../src/core/audit/types';
import { sha256Fingerprint } from '../../src/core/trust/fingerprint';
import { clientKeys } from '../harness/keys';
import { run, tempDir } from '../harness/common';

const STATUS_NO_SUCH_FILE = 2;
const STATUS_PERMISSION_DENIED = 3;
const STATUS_FAILURE = 4;

const sha256 = (data: Uint8Array) => createHash('sha256').update(data).digest('hex');

let server: DemoServer;
let root: string;
let outside: string;
let local: string;
let knownHosts: string;
let identity: string;

before(async () => {
  const base = await tempDir('demo-sftp', 0o700);
  [root, outside, local] = ['served', 'outside', 'local'].map((d) => path.join(base, d));
  await Promise.all([root, outside, local].map((d) => fs.mkdir(d)));
  await fs.writeFile(path.join(outside, 'secret.txt'), 'outside the served folder\n');
  await fs.writeFile(path.join(root, 'hello.txt'), 'hello\n');
  // Links inside the served folder that point out of it: following them must be refused.
  await fs.symlink(outside, path.join(root, 'escape-dir'));
  await fs.symlink(path.join(outside, 'secret.txt'), path.join(root, 'escape.txt'));
  await fs.symlink(path.join(outside, 'not-there-yet.txt'), path.join(root, 'dangling-out.txt'));

  const keys = await clientKeys();
  identity = keys.ed25519.privateKeyFile;
  server = await startDemoServer({ root, authorizedKeys: [keys.ed25519.publicKey] });
  knownHosts = path.join(base, 'known_hosts');
  await fs.writeFile(knownHosts, server.knownHostsLine + '\n');
});

after(() => server?.close());

/** Runs OpenSSH's sftp in batch mode: strict host key checking against our known_hosts only. */
function openSshSftp(commands: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const batch = commands.join('\n') + '\n';
    const child = spawn('sftp', [
      '-F', '/dev/null', '-b', '-', '-P', String(server.port), '-i', identity,
      '-o', 'StrictHostKeyChecking=yes', '-o', `UserKnownHostsFile=${knownHosts}`, '-o', 'GlobalKnownHostsFile=/dev/null',
      '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes', '-o', 'ConnectTimeout=10',
      `${server.username}@${server.host}`,
    ], { cwd: local, timeout: 30_000 }); // a hang (e.g. the channel never closed) ends as a failure
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
    child.stdin.end(batch);
  });
}

describe('demo SFTP server with OpenSSH sftp', () => {
  it('publishes the host key fingerprint exactly as ssh-keygen computes it', async () => {
    const { stdout } = await run('ssh-keygen', ['-lf', knownHosts]);
    assert.match(stdout, new RegExp(`^256 ${server.hostKeyFingerprint.replace(/[+/]/g, '\\$&')} `));
  });

  it('puts, lists, makes a folder, renames, gets back (same SHA-256) and removes', async () => {
    const payload = randomBytes(1024 * 1024 + 123);
    await fs.writeFile(path.join(local, 'payload.bin'), payload);
    const r = await openSshSftp([
      'mkdir work',
      'put payload.bin work/upload.bin',
      'rename work/upload.bin work/renamed.bin',
      'ls -l work',
      'get work/renamed.bin roundtrip.bin',
    ]);
    assert.equal(r.code, 0, r.output);
    assert.match(r.output, /renamed\.bin/);
    assert.equal(sha256(await fs.readFile(path.join(local, 'roundtrip.bin'))), sha256(payload));
    assert.equal(sha256(await fs.readFile(path.join(root, 'work', 'renamed.bin'))), sha256(payload));

    const cleanup = await openSshSftp(['rm work/renamed.bin', 'rmdir work', 'ls']);
    assert.equal(cleanup.code, 0, cleanup.output);
    assert.equal(existsSync(path.join(root, 'work')), false);
  });

  it('refuses to follow a symlink inside the root that points outside it', async () => {
    const r = await openSshSftp(['get escape.txt stolen.txt']);
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(path.join(local, 'stolen.txt')), false);
  });

  it('refuses to write through a symlinked folder that points outside the root', async () => {
    await fs.writeFile(path.join(local, 'planted.txt'), 'planted');
    const r = await openSshSftp(['put planted.txt escape-dir/planted.txt']);
    assert.notEqual(r.code, 0);
    assert.equal(existsSync(path.join(outside, 'planted.txt')), false);
  });

  it('serves "/" as the root, so a real absolute path outside it is not found', async () => {
    const r = await openSshSftp([`get ${path.join(outside, 'secret.txt')} secret-copy.txt`]);
    assert.notEqual(r.code, 0);
    assert.match(r.output, /not found/i);
    assert.equal(existsSync(path.join(local, 'secret-copy.txt')), false);
  });
});

// ---- ssh2 client -------------------------------------------------------------------------------

/** Connects with ssh2, accepting only the server's published fingerprint. */
function connectSsh2(auth: { password?: string; privateKey?: Buffer }): Promise<{ client: Client; sftp: SFTPWrapper; seen: string[] }> {
  return new Promise((resolve, reject) => {
    const client = new Client();
    const seen: string[] = [];
    client.on('error', reject);
    client.on('ready', () => client.sftp((err, sftp) => (err ? reject(err) : resolve({ client, sftp, seen }))));
    client.connect({
      host: server.host,
      port: server.port,
      username: server.username,
      ...auth,
      hostVerifier: (key: Buffer) => {
        seen.push(sha256Fingerprint(key));
        return sha256Fingerprint(key) === server.hostKeyFingerprint;
      },
    });
  });
}

/** Turns an ssh2 callback method into a promise. */
function call<T = void>(fn: (cb: (err: Error | null | undefined, value?: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) => fn((err, value) => (err ? reject(err) : resolve(value as T))));
}

const statusOf = (err: unknown) => (err as { code?: number }).code;

describe('demo SFTP server with the ssh2 client', () => {
  let client: Client;
  let sftp: SFTPWrapper;

  before(async () => {
    ({ client, sftp } = await connectSsh2({ password: server.password }));
  });
  after(() => client?.end());

  it('round-trips a file with fastPut/fastGet and whole-file read/write', async () => {
    const payload = randomBytes(3 * 1024 * 1024 + 7);
    const src = path.join(local, 'ssh2-up.bin');
    const dst = path.join(local, 'ssh2-down.bin');
    await fs.writeFile(src, payload);
    await call((cb) => sftp.mkdir('/ssh2', cb));
    await call((cb) => sftp.fastPut(src, '/ssh2/big.bin', cb));
    await call((cb) => sftp.fastGet('/ssh2/big.bin', dst, cb));
    assert.equal(sha256(await fs.readFile(dst)), sha256(payload));
    assert.equal((await call<{ size: number }>((cb) => sftp.stat('/ssh2/big.bin', cb))).size, payload.length);

    await call((cb) => sftp.writeFile('/ssh2/small.txt', 'small', cb));
    assert.equal(String(await call<Buffer>((cb) => sftp.readFile('/ssh2/small.txt', cb))), 'small');
    const names = (await call<Array<{ filename: string }>>((cb) => sftp.readdir('/ssh2', cb))).map((e) => e.filename).sort();
    assert.deepEqual(names, ['big.bin', 'small.txt']);
  });

  it('honours the append and exclusive-create open flags', async () => {
    await call((cb) => sftp.writeFile('/flags.txt', 'one,', cb));
    await call((cb) => sftp.appendFile('/flags.txt', 'two', cb));
    assert.equal(await fs.readFile(path.join(root, 'flags.txt'), 'utf8'), 'one,two');
    await assert.rejects(call((cb) => sftp.open('/flags.txt', 'wx', cb)), (e) => statusOf(e) === STATUS_FAILURE);
  });

  it('lists a folder of many entries completely (several READDIR batches)', async () => {
    await fs.mkdir(path.join(root, 'many'));
    await Promise.all(Array.from({ length: 150 }, (_, i) => fs.writeFile(path.join(root, 'many', `f${i}`), '')));
    const list = await call<unknown[]>((cb) => sftp.readdir('/many', cb));
    assert.equal(list.length, 150);
  });

  it('renames without replacing an existing target, and removes files and folders', async () => {
    await call((cb) => sftp.writeFile('/a.txt', 'a', cb));
    await call((cb) => sftp.writeFile('/b.txt', 'b', cb));
    await assert.rejects(call((cb) => sftp.rename('/a.txt', '/b.txt', cb)), (e) => statusOf(e) === STATUS_FAILURE);
    await call((cb) => sftp.rename('/a.txt', '/c.txt', cb));
    assert.equal(await fs.readFile(path.join(root, 'c.txt'), 'utf8'), 'a');
    await call((cb) => sftp.unlink('/c.txt', cb));
    await call((cb) => sftp.mkdir('/gone', cb));
    await call((cb) => sftp.rmdir('/gone', cb));
    assert.equal(existsSync(path.join(root, 'c.txt')) || existsSync(path.join(root, 'gone')), false);
  });

  it('answers posix-rename@openssh.com (replacing the target) for a client that sends it unadvertised', async () => {
    // ssh2's server API cannot advertise extensions; pretend it did so ssh2's client sends the request.
    (sftp as unknown as { _extensions: Record<string, string> })._extensions['posix-rename@openssh.com'] = '1';
    await call((cb) => sftp.writeFile('/p-old.txt', 'new', cb));
    await call((cb) => sftp.writeFile('/p-target.txt', 'old', cb));
    await call((cb) => sftp.ext_openssh_rename('/p-old.txt', '/p-target.txt', cb));
    assert.equal(await fs.readFile(path.join(root, 'p-target.txt'), 'utf8'), 'new');
    assert.equal(existsSync(path.join(root, 'p-old.txt')), false);
    await assert.rejects(call((cb) => sftp.ext_openssh_rename('/p-target.txt', '/../escaped.txt', cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED);
  });

  it('applies mode and times from SETSTAT', async () => {
    await call((cb) => sftp.writeFile('/attrs.txt', 'x', cb));
    await call((cb) => sftp.setstat('/attrs.txt', { mode: 0o600, atime: 1_000_000, mtime: 1_000_000 }, cb));
    const st = await fs.stat(path.join(root, 'attrs.txt'));
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal(Math.floor(st.mtimeMs / 1000), 1_000_000);
  });

  it('refuses ".." above the root with PERMISSION_DENIED', async () => {
    for (const p of ['../outside/secret.txt', '/../../etc/passwd', '/a/../../b']) {
      await assert.rejects(call((cb) => sftp.stat(p, cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED, p);
    }
    await assert.rejects(call((cb) => sftp.realpath('..', cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED);
  });

  it('refuses symlinks that lead outside the root, for reading, listing, creating and readlink', async () => {
    await assert.rejects(call((cb) => sftp.readFile('/escape.txt', cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED);
    await assert.rejects(call((cb) => sftp.readdir('/escape-dir', cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED);
    await assert.rejects(call((cb) => sftp.writeFile('/escape-dir/x.txt', 'x', cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED);
    await assert.rejects(call((cb) => sftp.readlink('/escape.txt', cb)), (e) => statusOf(e) === STATUS_PERMISSION_DENIED);
    // A dangling link whose target is outside must not let a create land there.
    await assert.rejects(call((cb) => sftp.writeFile('/dangling-out.txt', 'x', cb)));
    assert.deepEqual((await fs.readdir(outside)).sort(), ['secret.txt']);
  });

  it('maps a missing path to NO_SUCH_FILE', async () => {
    await assert.rejects(call((cb) => sftp.stat('/no/such/file', cb)), (e) => statusOf(e) === STATUS_NO_SUCH_FILE);
  });

  it('rejects a wrong password and an unauthorized key', async () => {
    await assert.rejects(connectSsh2({ password: server.password + 'x' }), /authentication methods failed/);
    const stranger = utils.generateKeyPairSync('ed25519');
    await assert.rejects(connectSsh2({ privateKey: Buffer.from(stranger.private) }), /authentication methods failed/);
  });
});

/**
 * The demo is our example of a well-configured server: our own audit finds nothing of medium or worse
 * (the only low note is that password login is offered, which the demo needs). `weak: true`
 * (`npm start -- --weak`) is the deliberate counter-example, and every client still connects.
 */
describe('the demo server audited by our own audit', () => {
  const mediumOrWorse = (r: AuditReport) => r.findings.filter((f) => atLeast(f.severity, 'medium'));

  it('offers only modern algorithms: no finding of medium severity or worse', async () => {
    const report = await auditServer({ protocol: 'sftp', host: server.host, port: server.port }, { known: [{ fingerprint: server.hostKeyFingerprint, source: 'test' }] });
    assert.deepEqual(mediumOrWorse(report).map((f) => `${f.id}: ${f.evidence}`), []);
    assert.deepEqual(report.facts.ssh?.kexinit?.macs.serverToClient, [...MODERN_ALGORITHMS.hmac]);
    assert.ok(report.facts.ssh?.strictKex, 'strict key exchange (Terrapin) is on');
  });

  it('with weak: true offers legacy algorithms too, each a finding, and our client still connects with a modern one', async () => {
    const weakServer = await startDemoServer({ root, weak: true });
    try {
      const report = await auditServer({ protocol: 'sftp', host: weakServer.host, port: weakServer.port });
      const flagged = new Set(mediumOrWorse(report).map((f) => f.id));
      for (const id of ['ssh-weak-kex', 'ssh-weak-cipher', 'ssh-weak-mac']) assert.ok(flagged.has(id), `${id} in ${[...flagged].join(', ')}`);
      assert.ok(report.findings.some((f) => atLeast(f.severity, 'high')), 'SHA-1 group exchange and group1 are high');
      const client = new Client();
      await new Promise<void>((resolve, reject) => {
        client.once('ready', resolve).once('error', reject);
        client.connect({ host: weakServer.host, port: weakServer.port, username: weakServer.username, password: weakServer.password, hostVerifier: () => true });
      });
      client.end();
    } finally {
      await weakServer.close();
    }
  });
});
