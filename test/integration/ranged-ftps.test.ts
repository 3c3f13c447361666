/**
 * Ranged parallel downloads over FTPS through the engine (core/transfer/ranged.ts +
 * FtpsFileSystem.downloadRange) against REAL vsftpd, ProFTPD and pure-ftpd: one large file split
 * over several pooled sessions, byte-exact, nothing left behind; uploads stay one stream (FTPS has
 * no uploadRange: REST+STOR into one file from several connections is unsafe on all three).
 * Loopback is below the round trip from which FTPS spreads by default, so the rule is lowered here.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { MiB, scratchDir, sha256File, startProftpd, startPureFtpd, startVsftpd, stopAll, TEST_USER, writeRandomFile, type RunningServer } from '../harness';
import { connectFtps } from '../../src/core/session/ftps';
import { staticCredentials } from '../../src/core/session/credentials';
import type { RangeOptions, RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown } from '../../src/core/trust/types';
import { download, upload } from '../../src/core/transfer/engine';
import { SessionPool } from '../../src/core/transfer/sessionPool';
import { isPartialName } from '../../src/core/transfer/partialName';
import { RANGED_MIN_BYTES, RANGED_RULES, RangeRecords } from '../../src/core/transfer/ranged';

after(stopAll);

const SIZE = RANGED_MIN_BYTES + 5 * MiB + 777;
const saved = { ftpes: { ...RANGED_RULES.ftpes }, ftps: { ...RANGED_RULES.ftps } };
before(() => {
  Object.assign(RANGED_RULES.ftpes, { minRoundTripMs: 0 });
  Object.assign(RANGED_RULES.ftps, { minRoundTripMs: 0 });
});
after(() => {
  Object.assign(RANGED_RULES.ftpes, saved.ftpes);
  Object.assign(RANGED_RULES.ftps, saved.ftps);
});

const SERVERS: Array<[string, () => Promise<RunningServer>]> = [
  ['vsftpd', () => startVsftpd({ mode: 'explicit' })],
  ['ProFTPD', () => startProftpd({ mode: 'ftps' })],
  ['pure-ftpd', () => startPureFtpd()],
];

for (const [name, start] of SERVERS) {
  describe(`ranged FTPS downloads through the engine: ${name}`, { timeout: 240_000 }, () => {
    let server: RunningServer;
    before(async () => {
      server = await start();
    });

    /** A pool whose sessions record which of them ran each range (and whether any upload ranged). */
    function pool(trustFile: string) {
      const ranges: Array<{ session: number; start: number; end: number }> = [];
      let opened = 0;
      const store = new TrustStore(trustFile);
      const open = async (): Promise<RemoteFileSystem> => {
        assert.ok(server.protocol === 'ftpes' || server.protocol === 'ftps');
        const rfs = await connectFtps({
          server: { protocol: server.protocol, host: server.host, port: server.port, username: TEST_USER.name },
          credentials: staticCredentials(TEST_USER.password),
          tls: { pinned: [server.cert!.fingerprint], trustStore: store, decide: refuseUnknown },
          connectTimeoutMs: 10_000,
        });
        const id = opened++;
        return new Proxy(rfs, {
          get(target, prop, receiver) {
            if (prop === 'downloadRange') {
              return (from: string, fd: number, start: number, end: number, o?: RangeOptions) => {
                ranges.push({ session: id, start, end });
                return target.downloadRange!(from, fd, start, end, o);
              };
            }
            const v = Reflect.get(target, prop, receiver) as unknown;
            return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
          },
        });
      };
      return { pool: new SessionPool({ factory: open, protocol: server.protocol === 'ftps' ? 'ftps' : 'ftpes' }), ranges };
    }

    test('a large file downloads over several sessions, byte-exact; its upload is one stream', async () => {
      const { local, remote } = await scratchDir(`ranged-ftps-${name}`);
      const { local: state } = await scratchDir(`ranged-ftps-${name}-state`);
      const records = new RangeRecords(path.join(state, 'ranges'));
      const src = path.join(local, 'src.bin');
      const want = await writeRandomFile(src, SIZE);
      const { pool: p, ranges } = pool(path.join(state, 'trust.json'));
      try {
        const up = await upload(p, src, path.posix.join(remote, 'big.bin'), { rangeRecords: records });
        assert.equal(up.movedBytes, SIZE);
        assert.equal(await sha256File(path.join(remote, 'big.bin')), want);
        const down = await download(p, path.posix.join(remote, 'big.bin'), path.join(local, 'copy.bin'), { rangeRecords: records });
        assert.equal(down.movedBytes, SIZE);
        const sessions = new Set(ranges.map((r) => r.session));
        assert.ok(sessions.size >= 2, `download ranges ran on ${sessions.size} session(s)`);
        // The ranges cover the file exactly once.
        const sorted = [...ranges].sort((a, b) => a.start - b.start);
        let at = 0;
        for (const r of sorted) {
          assert.equal(r.start, at, 'ranges are contiguous and do not overlap');
          at = r.end;
        }
        assert.equal(at, SIZE);
        assert.equal(await sha256File(path.join(local, 'copy.bin')), want);
        assert.deepEqual((await fs.readdir(local)).filter(isPartialName), []);
        assert.deepEqual((await fs.readdir(remote)).filter(isPartialName), []);
        assert.deepEqual(await fs.readdir(records.dir).catch(() => []), []);
        // The pool is still good for ordinary work after the stopped RETRs.
        const listed = await p.use((rfs) => rfs.list(remote));
        assert.ok(listed.some((e) => e.name === 'big.bin'));
      } finally {
        await p.close();
      }
    });
  });
}
