/**
 * Ranged parallel transfers (core/transfer/ranged.ts) against a REAL OpenSSH sshd: one large file
 * split over several pooled sessions, byte-exact; one session when the pool can't open more; resume
 * of an interrupted ranged transfer moving only the missing ranges (counted by movedBytes); a link
 * planted at the ranged partial's name is never followed; a damaged range is caught by the size or
 * hash check and never renamed into place.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, write } from 'node:fs';
import { promisify } from 'node:util';
import * as path from 'node:path';
import { MiB, scratchDir, sha256File, startSshd, startTcpProxy, stopAll, TEST_USER, writeRandomFile, type RunningServer } from '../harness';
import { connectSftp } from '../../src/core/session/sftp';
import { staticCredentials } from '../../src/core/session/credentials';
import type { RangeOptions, RemoteFileSystem, RemoteHash } from '../../src/core/session/remoteFileSystem';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { CancelledError, SecureTransferError } from '../../src/core/errors';
import { download, upload } from '../../src/core/transfer/engine';
import { SessionPool } from '../../src/core/transfer/sessionPool';
import { isPartialName } from '../../src/core/transfer/partialName';
import { coveredBytes, parseRecord, RANGED_MIN_BYTES, RANGED_RULES, RangeRecords } from '../../src/core/transfer/ranged';

after(stopAll);

const SIZE = RANGED_MIN_BYTES + 3 * MiB + 12345;

/** Which session ran each range, and hooks to damage one. */
interface Spy {
  ranges: Array<{ session: number; start: number; end: number }>;
  opened: number;
}

type Hooks = {
  afterDownloadRange?: (fd: number, start: number, end: number) => Promise<void>;
  /** Replaces uploadRange for the range ending at the file's end (a range that "succeeds" without writing). */
  skipLastUpload?: boolean;
  /** A hash the server "offers" (OpenSSH offers none): the true one, to catch damaged bytes. */
  hash?: () => Promise<RemoteHash>;
  /** Cancels the transfer once some range has moved a third of its bytes (a cut in mid-range). */
  cut?: AbortController;
};

/** The range's options, with the cut hook watching its progress. */
function watched(o: RangeOptions | undefined, start: number, end: number, hooks: Hooks): RangeOptions | undefined {
  const cut = hooks.cut;
  if (!cut) return o;
  return {
    ...o,
    onProgress: (bytes) => {
      o?.onProgress?.(bytes);
      if (bytes > (end - start) / 3) cut.abort();
    },
  };
}

function spied(rfs: RemoteFileSystem, id: number, spy: Spy, size: number, hooks: Hooks): RemoteFileSystem {
  return new Proxy(rfs, {
    get(target, prop, receiver) {
      if (prop === 'downloadRange') {
        return async (from: string, fd: number, start: number, end: number, o?: RangeOptions) => {
          spy.ranges.push({ session: id, start, end });
          await target.downloadRange!(from, fd, start, end, watched(o, start, end, hooks));
          await hooks.afterDownloadRange?.(fd, start, end);
        };
      }
      if (prop === 'uploadRange') {
        return async (from: string, to: string, start: number, end: number, o?: RangeOptions) => {
          spy.ranges.push({ session: id, start, end });
          if (hooks.skipLastUpload && end === size) return;
          await target.uploadRange!(from, to, start, end, watched(o, start, end, hooks));
        };
      }
      if (prop === 'hashFile' && hooks.hash) return async () => hooks.hash!();
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('ranged parallel transfers over OpenSSH', { timeout: 240_000 }, () => {
  after(() => void Object.assign(RANGED_RULES.sftp, loopbackRule));
  let server: RunningServer;
  let store: TrustStore;

  const loopbackRule = { ...RANGED_RULES.sftp };
  before(async () => {
    // Loopback is far below the round trip from which SFTP spreads by default: spread anyway here.
    Object.assign(RANGED_RULES.sftp, { minRoundTripMs: 0 });
    server = await startSshd();
    const { local } = await scratchDir('ranged-trust');
    store = new TrustStore(path.join(local, 'trust.json'));
  });

  const open = (port = server.port) =>
    connectSftp({
      server: { protocol: 'sftp', host: server.host, port, username: TEST_USER.name },
      credentials: staticCredentials(TEST_USER.password),
      trust: { pinned: server.hostKeys!.map((k) => k.fingerprint), knownHostsFiles: [], trustStore: store, decide: refuseUnknown },
      connectTimeoutMs: 10_000,
    });

  /** A pool whose every session is spied on; `factory: false` leaves it one session. */
  async function pool(spy: Spy, hooks: Hooks = {}, factory = true): Promise<{ pool: SessionPool; close: () => Promise<void> }> {
    const opened: RemoteFileSystem[] = [];
    const make = async () => {
      const rfs = await open();
      opened.push(rfs);
      return spied(rfs, spy.opened++, spy, SIZE, hooks);
    };
    const seed = await make();
    const p = new SessionPool(factory ? { seed, factory: make } : { seed });
    return {
      pool: p,
      close: async () => {
        await p.close();
        for (const r of opened) await r.close().catch(() => undefined);
      },
    };
  }

  async function setup(label: string) {
    const dirs = await scratchDir(label);
    const { local } = await scratchDir(`${label}-records`);
    return { ...dirs, records: new RangeRecords(path.join(local, 'ranges')) };
  }

  async function recordCovered(records: RangeRecords): Promise<number> {
    const names = await fs.readdir(records.dir);
    assert.equal(names.length, 1, 'one resume record');
    const parsed = parseRecord(await fs.readFile(path.join(records.dir, names[0]), 'utf8'), SIZE);
    assert.ok(parsed, 'a valid record');
    return coveredBytes(parsed.done);
  }

  const distinctSessions = (spy: Spy) => new Set(spy.ranges.map((r) => r.session)).size;

  test('a large download and upload split over several sessions, byte-exact', async () => {
    const { local, remote, records } = await setup('ranged-both');
    const src = path.join(local, 'src.bin');
    const want = await writeRandomFile(src, SIZE);
    const spy: Spy = { ranges: [], opened: 0 };
    const { pool: p, close } = await pool(spy);
    try {
      const up = await upload(p, src, path.posix.join(remote, 'big.bin'), { rangeRecords: records });
      assert.equal(up.movedBytes, SIZE);
      assert.ok(distinctSessions(spy) >= 2, `upload ranges ran on ${distinctSessions(spy)} session(s)`);
      assert.equal(await sha256File(path.join(remote, 'big.bin')), want);
      spy.ranges.length = 0;
      const down = await download(p, path.posix.join(remote, 'big.bin'), path.join(local, 'copy.bin'), { rangeRecords: records });
      assert.equal(down.movedBytes, SIZE);
      assert.ok(distinctSessions(spy) >= 2, `download ranges ran on ${distinctSessions(spy)} session(s)`);
      assert.equal(await sha256File(path.join(local, 'copy.bin')), want);
      // Nothing left behind: no partials, no records.
      assert.deepEqual((await fs.readdir(local)).filter(isPartialName), []);
      assert.deepEqual((await fs.readdir(remote)).filter(isPartialName), []);
      assert.deepEqual(await fs.readdir(records.dir), []);
    } finally {
      await close();
    }
  });

  test('on loopback (a round trip far below the rule) SFTP keeps one session by default', async () => {
    const { local, remote, records } = await setup('ranged-rtt');
    const src = path.join(remote, 'big.bin');
    const want = await writeRandomFile(src, SIZE);
    const spy: Spy = { ranges: [], opened: 0 };
    const { pool: p, close } = await pool(spy);
    const saved = RANGED_RULES.sftp.minRoundTripMs;
    Object.assign(RANGED_RULES.sftp, loopbackRule);
    try {
      await download(p, src, path.join(local, 'copy.bin'), { rangeRecords: records });
      assert.deepEqual(spy.ranges, [], 'no range was asked for');
      assert.equal(spy.opened, 1, 'no second session was opened');
      assert.equal(await sha256File(path.join(local, 'copy.bin')), want);
    } finally {
      Object.assign(RANGED_RULES.sftp, { minRoundTripMs: saved });
      await close();
    }
  });

  test('without a factory the pool has one session: the file moves the single-connection way', async () => {
    const { local, remote, records } = await setup('ranged-single');
    const src = path.join(remote, 'big.bin');
    const want = await writeRandomFile(src, SIZE);
    const spy: Spy = { ranges: [], opened: 0 };
    const { pool: p, close } = await pool(spy, {}, false);
    try {
      const down = await download(p, src, path.join(local, 'copy.bin'), { rangeRecords: records });
      assert.equal(down.movedBytes, SIZE);
      assert.deepEqual(spy.ranges, [], 'no range was asked for');
      assert.equal(await sha256File(path.join(local, 'copy.bin')), want);
    } finally {
      await close();
    }
  });

  for (const direction of ['download', 'upload'] as const) {
    test(`an interrupted ranged ${direction} resumes only the missing ranges`, async () => {
      const { local, remote, records } = await setup(`ranged-resume-${direction}`);
      const src = direction === 'download' ? path.join(remote, 'big.bin') : path.join(local, 'big.bin');
      const dest = direction === 'download' ? path.join(local, 'copy.bin') : path.posix.join(remote, 'copy.bin');
      const want = await writeRandomFile(src, SIZE);
      const run = (p: SessionPool, o: { signal?: AbortSignal }) =>
        direction === 'download' ? download(p, src, dest, { ...o, rangeRecords: records }) : upload(p, src, dest, { ...o, rangeRecords: records });

      const ac = new AbortController();
      const first = await pool({ ranges: [], opened: 0 }, { cut: ac });
      try {
        await assert.rejects(
          run(first.pool, { signal: ac.signal }),
          (err: unknown) => err instanceof CancelledError,
        );
      } finally {
        await first.close();
      }
      await assert.rejects(fs.stat(dest), 'nothing in place after the cut');
      const covered = await recordCovered(records);
      assert.ok(covered > 0 && covered < SIZE, `the record holds part of the file (${covered})`);

      const second = await pool({ ranges: [], opened: 0 });
      try {
        const result = await run(second.pool, {});
        assert.equal(result.movedBytes, SIZE - covered, 'only the missing bytes moved');
        assert.equal(result.resumed, 1);
      } finally {
        await second.close();
      }
      assert.equal(await sha256File(dest), want);
      assert.deepEqual(await fs.readdir(records.dir), [], 'the record is gone once the file is in place');
      assert.deepEqual((await fs.readdir(path.dirname(dest))).filter(isPartialName), []);
    });
  }

  test('a connection dropped under one range: the rerun moves only what is missing', async () => {
    const { local, remote, records } = await setup('ranged-drop');
    const src = path.join(remote, 'big.bin');
    const dest = path.join(local, 'copy.bin');
    const want = await writeRandomFile(src, SIZE);
    // The seed connects directly; the second session runs through a relay that cuts it mid-range.
    const proxy = await startTcpProxy({ host: server.host, port: server.port }, { cutAfterBytes: 20 * MiB });
    const seed = await open();
    const cut = new SessionPool({ seed, factory: () => open(proxy.port) });
    try {
      await assert.rejects(download(cut, src, dest, { rangeRecords: records }), (err: unknown) => err instanceof SecureTransferError);
    } finally {
      await cut.close();
      await proxy.stop();
    }
    await assert.rejects(fs.stat(dest), 'nothing in place after the drop');
    const covered = await recordCovered(records);
    assert.ok(covered > 0 && covered < SIZE, `the record holds part of the file (${covered})`);
    const again = new SessionPool({ seed, factory: () => open() });
    try {
      const result = await download(again, src, dest, { rangeRecords: records });
      assert.equal(result.movedBytes, SIZE - covered, 'only the missing bytes moved');
    } finally {
      await again.close();
      await seed.close();
    }
    assert.equal(await sha256File(dest), want);
  });

  test('a symlink planted at the ranged partial is not followed (download and upload)', async () => {
    const { local, remote, records } = await setup('ranged-plant');
    const victim = path.join(local, 'victim.txt');
    await fs.writeFile(victim, 'keep me\n');
    const rsrc = path.join(remote, 'big.bin');
    const lsrc = path.join(local, 'big.bin');
    const want = await writeRandomFile(rsrc, SIZE);
    await fs.copyFile(rsrc, lsrc);
    for (const [, dest, run] of [
      [rsrc, path.join(local, 'copy.bin'), (p: SessionPool, o: object) => download(p, rsrc, path.join(local, 'copy.bin'), { ...o, rangeRecords: records })],
      [lsrc, path.posix.join(remote, 'copy.bin'), (p: SessionPool, o: object) => upload(p, lsrc, path.posix.join(remote, 'copy.bin'), { ...o, rangeRecords: records })],
    ] as const) {
      // Interrupt once, so the ranged partial and its record exist; then swap the partial for a link.
      const ac = new AbortController();
      const first = await pool({ ranges: [], opened: 0 }, { cut: ac });
      await assert.rejects(run(first.pool, { signal: ac.signal }));
      await first.close();
      const dir = path.dirname(dest);
      const partials = (await fs.readdir(dir)).filter(isPartialName);
      assert.equal(partials.length, 1);
      const planted = path.join(dir, partials[0]);
      await fs.rm(planted);
      await fs.symlink(victim, planted);
      const second = await pool({ ranges: [], opened: 0 });
      try {
        await run(second.pool, {});
      } finally {
        await second.close();
      }
      assert.equal(await fs.readFile(victim, 'utf8'), 'keep me\n', 'the link target is untouched');
      assert.ok((await fs.lstat(planted)).isSymbolicLink(), 'the planted link was left alone');
      assert.equal(await sha256File(dest), want);
      await fs.rm(planted);
    }
  });

  test('a damaged range is caught by the hash check and never put in place', async () => {
    const { local, remote, records } = await setup('ranged-damaged');
    const src = path.join(remote, 'big.bin');
    const want = await writeRandomFile(src, SIZE);
    const fh = await fs.open(src, 'r');
    const { buffer: orig } = await fh.read(Buffer.alloc(1), 0, 1, 100);
    await fh.close();
    const hooks: Hooks = {
      // One byte of the first range overwritten after it was written (a range gone wrong).
      afterDownloadRange: async (fd, start) => {
        if (start === 0) await promisify(write)(fd, Buffer.from([orig[0] ^ 0xff]), 0, 1, 100);
      },
      hash: async () => ({ algorithm: 'sha256', hex: want }),
    };
    const { pool: p, close } = await pool({ ranges: [], opened: 0 }, hooks);
    try {
      await assert.rejects(download(p, src, path.join(local, 'copy.bin'), { rangeRecords: records }), (err: unknown) => err instanceof SecureTransferError && err.code === 'hash-mismatch');
    } finally {
      await close();
    }
    await assert.rejects(fs.stat(path.join(local, 'copy.bin')), 'not put in place');
    assert.deepEqual((await fs.readdir(local)).filter(isPartialName), [], 'the damaged partial is deleted');
    assert.deepEqual(await fs.readdir(records.dir), [], 'and its record: the next run starts afresh');
  });

  test('a range that never arrived is caught by the size check and never put in place', async () => {
    const { local, remote, records } = await setup('ranged-short');
    const src = path.join(local, 'big.bin');
    await writeRandomFile(src, SIZE);
    const { pool: p, close } = await pool({ ranges: [], opened: 0 }, { skipLastUpload: true });
    try {
      await assert.rejects(upload(p, src, path.posix.join(remote, 'copy.bin'), { rangeRecords: records }), (err: unknown) => err instanceof SecureTransferError && err.code === 'size-mismatch');
    } finally {
      await close();
    }
    await assert.rejects(fs.stat(path.join(remote, 'copy.bin')), 'not put in place');
    assert.deepEqual((await fs.readdir(remote)).filter(isPartialName), []);
  });
});
