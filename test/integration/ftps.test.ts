/**
 * FTPS round trips against real servers: vsftpd explicit (require_ssl_reuse=YES) and implicit,
 * ProFTPD mod_tls (MLSD) and pure-ftpd (TLS required). Every file is compared by SHA-256.
 */
import { test, describe, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { TEST_USER, scratchDir, startProftpd, startPureFtpd, startVsftpd, stopAll, type RunningServer } from '../harness';
import { connectFtps, type FtpsFileSystem } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { CancelledError, NotFoundError, UsageError } from '../../src/core/errors';

after(stopAll);

const BIG_BYTES = 64 * 1024 * 1024;
let workDir: string;
let bigFile: string;
let bigHash: string;

before(async () => {
  workDir = await mkdtemp(path.join(os.tmpdir(), 'ftps-it-'));
  bigFile = path.join(workDir, 'big.bin');
  const hash = createHash('sha256');
  const chunks = function* () {
    for (let i = 0; i < BIG_BYTES / (1024 * 1024); i++) {
      const chunk = randomBytes(1024 * 1024);
      hash.update(chunk);
      yield chunk;
    }
  };
  await pipeline(Readable.from(chunks()), createWriteStream(bigFile));
  bigHash = hash.digest('hex');
});

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}
const sha256 = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

async function open(server: RunningServer): Promise<FtpsFileSystem> {
  assert.ok(server.protocol === 'ftpes' || server.protocol === 'ftps');
  return connectFtps({
    server: { protocol: server.protocol, host: server.host, port: server.port, username: TEST_USER.name },
    credentials: staticCredentials(TEST_USER.password),
    tls: { pinned: [server.cert!.fingerprint], trustStore: new TrustStore(path.join(workDir, `trust-${server.port}.json`)), decide: refuseUnknown },
    connectTimeoutMs: 10_000,
  });
}

/** `appends`: whether the server permits APPE (ProFTPD refuses it unless AllowStoreRestart is on). */
const FLAVOURS: [string, () => Promise<RunningServer>, { appends: boolean }][] = [
  ['vsftpd explicit (require_ssl_reuse)', () => startVsftpd({ mode: 'explicit' }), { appends: true }],
  ['vsftpd implicit', () => startVsftpd({ mode: 'implicit' }), { appends: true }],
  ['ProFTPD mod_tls', () => startProftpd({ mode: 'ftps' }), { appends: false }],
  ['pure-ftpd (TLS required)', () => startPureFtpd(), { appends: true }],
];

for (const [label, start, { appends }] of FLAVOURS) {
  describe(`FTPS round trips: ${label}`, () => {
    let server: RunningServer;
    let fs: FtpsFileSystem;
    let remote: string;
    let local: string;

    before(async () => {
      server = await start();
      ({ remote, local } = await scratchDir(`ftps-${server.name}`));
      fs = await open(server);
    });
    after(async () => {
      await fs?.close();
      await server?.stop();
    });

    test('logs in to the home folder over TLS, FTP rename is not atomic', async () => {
      assert.equal(fs.homeDir, TEST_USER.home);
      assert.equal(fs.connected, true);
      assert.equal(fs.capabilities.atomicRename, false);
      assert.equal(await fs.realpath('~'), TEST_USER.home);
      assert.equal(await fs.realpath(`${remote}/./x/..`), remote);
    });

    test('empty, small and 64 MiB files survive upload and download byte for byte', async () => {
      const cases: [string, Buffer][] = [
        ['empty.bin', Buffer.alloc(0)],
        ['small.txt', Buffer.from('hello over FTPS\n')],
      ];
      for (const [name, data] of cases) {
        const src = path.join(local, name);
        await writeFile(src, data);
        await fs.uploadFile(src, `${remote}/${name}`);
        const back = path.join(local, `${name}.back`);
        await fs.downloadFile(`${remote}/${name}`, back);
        assert.equal(sha256(await readFile(back)), sha256(data), name);
      }
      const progress: number[] = [];
      await fs.uploadFile(bigFile, `${remote}/big.bin`, { onProgress: (p) => progress.push(p.bytes) });
      assert.equal((await fs.stat(`${remote}/big.bin`)).size, BIG_BYTES);
      assert.equal(progress.at(-1), BIG_BYTES, 'the last progress report covers the whole file');
      const back = path.join(local, 'big.back');
      await fs.downloadFile(`${remote}/big.bin`, back);
      assert.equal(await sha256File(back), bigHash);
      await fs.delete(`${remote}/big.bin`);
    });

    test('non-ASCII names: mkdir -p, list, stat, rename, delete, recursive rmdir', async () => {
      const dir = `${remote}/Ordner ä/日本語/deep`;
      await fs.mkdir(dir);
      await fs.mkdir(dir); // an existing folder is fine
      const name = 'Grüße — 日本 ✓.txt';
      await fs.writeFile(`${dir}/${name}`, Buffer.from('ümlaut'));
      const listed = await fs.list(dir);
      assert.deepEqual(listed.map((e) => [e.name, e.type, e.size]), [[name, 'file', 7]]);
      assert.ok(listed[0].mtime > 0, 'mtime parsed');
      assert.equal((await fs.stat(`${remote}/Ordner ä`)).type, 'directory');
      assert.deepEqual((await fs.stat(`${dir}/${name}`)).size, 7);

      await fs.rename(`${dir}/${name}`, `${dir}/renamed ✓.txt`);
      assert.equal((await fs.readFile(`${dir}/renamed ✓.txt`)).toString(), 'ümlaut');
      await fs.writeFile(`${dir}/other.txt`, Buffer.from('other'));
      await assert.rejects(fs.rename(`${dir}/other.txt`, `${dir}/renamed ✓.txt`), { code: 'already-exists' });
      await fs.rename(`${dir}/other.txt`, `${dir}/renamed ✓.txt`, { overwrite: true });
      assert.equal((await fs.readFile(`${dir}/renamed ✓.txt`)).toString(), 'other');

      await fs.delete(`${dir}/renamed ✓.txt`);
      assert.deepEqual(await fs.list(dir), []);
      await fs.writeFile(`${dir}/left.txt`, Buffer.from('x'));
      await fs.rmdir(`${remote}/Ordner ä`, { recursive: true });
      await assert.rejects(fs.stat(`${remote}/Ordner ä`), NotFoundError);
    });

    test('missing paths are NotFoundError and the session stays usable', async () => {
      await assert.rejects(fs.stat(`${remote}/missing`), NotFoundError);
      await assert.rejects(fs.readFile(`${remote}/missing`), NotFoundError);
      await assert.rejects(fs.list(`${remote}/missing-dir`), NotFoundError);
      await assert.rejects(fs.delete(`${remote}/missing`), NotFoundError);
      await assert.rejects(fs.downloadFile(`${remote}/missing`, path.join(local, 'never')), NotFoundError);
      assert.equal(fs.connected, true);
      assert.ok(Array.isArray(await fs.list(remote)));
    });

    test('streams, download resume by offset, and line breaks in paths refused', async () => {
      await fs.writeFromStream(`${remote}/stream.txt`, Readable.from([Buffer.from('abc'), Buffer.from('def')]));
      const chunks: Buffer[] = [];
      for await (const c of await fs.createReadStream(`${remote}/stream.txt`, { offset: 2 })) chunks.push(c as Buffer);
      assert.equal(Buffer.concat(chunks).toString(), 'cdef');

      await fs.writeFile(`${remote}/resume.txt`, Buffer.from('0123456789'));
      const partial = path.join(local, 'partial.txt');
      await writeFile(partial, '0123');
      await fs.downloadFile(`${remote}/resume.txt`, partial, { offset: 4 });
      assert.equal(await readFile(partial, 'utf8'), '0123456789');

      await assert.rejects(fs.writeFile(`${remote}/x\r\nDELE ${remote}/resume.txt`, Buffer.from('x')), UsageError);
      assert.equal((await fs.stat(`${remote}/resume.txt`)).size, 10);
    });

    test(appends ? 'upload resume appends at the offset' : 'upload resume is refused with a clear reason', async () => {
      const own = await open(server); // a refused append closes its session
      try {
        const full = Buffer.from('0123456789');
        const src = path.join(local, 'up-resume.txt');
        await writeFile(src, full);
        await own.writeFile(`${remote}/up-resume.txt`, full.subarray(0, 4));
        await assert.rejects(own.uploadFile(src, `${remote}/up-resume.txt`, { offset: 3 }), { code: 'resume-mismatch' });
        if (appends) {
          await own.uploadFile(src, `${remote}/up-resume.txt`, { offset: 4 });
          assert.equal((await own.readFile(`${remote}/up-resume.txt`)).toString(), '0123456789');
        } else {
          await assert.rejects(own.uploadFile(src, `${remote}/up-resume.txt`, { offset: 4 }), { code: 'resume-refused' });
        }
      } finally {
        await own.close();
      }
    });

    test('concurrent calls on one session are queued, not interleaved', async () => {
      const names = Array.from({ length: 8 }, (_, i) => `q${i}.txt`);
      await Promise.all(names.map((n) => fs.writeFile(`${remote}/q/${n}`.replace('/q/', '/'), Buffer.from(n))));
      const contents = await Promise.all(names.map((n) => fs.readFile(`${remote}/${n}`)));
      assert.deepEqual(contents.map((c) => c.toString()), names);
    });
  });
}

describe('FTPS cancellation', () => {
  test('aborting a transfer cancels it and closes the session', async () => {
    const server = await startVsftpd({ mode: 'explicit' });
    const { remote } = await scratchDir('ftps-abort');
    const fs = await open(server);
    await fs.uploadFile(bigFile, `${remote}/big.bin`);
    const closed = new Promise<void>((resolve) => fs.onClose(() => resolve()));
    const ac = new AbortController();
    // Nobody reads the stream, so the 64 MiB transfer is still running when the abort comes.
    const stream = await fs.createReadStream(`${remote}/big.bin`, { signal: ac.signal });
    const failed = new Promise<unknown>((resolve) => stream.once('error', resolve));
    ac.abort();
    assert.ok((await failed) instanceof CancelledError);
    await closed;
    assert.equal(fs.connected, false);
    await assert.rejects(fs.list(remote), { code: 'disconnected' });
    await server.stop();
  });
});
