/**
 * Load against REAL sshd and vsftpd: 20 concurrent file transfers each way and 200 concurrent
 * folder listings complete without errors, through the transfer engine's SessionPool, which keeps
 * to its connection limit: SFTP 2 connections (many requests multiplexed on each), FTPS 4
 * connections (basic-ftp runs one command at a time per connection).
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scratchDir, startSshd, startVsftpd, stopAll, type RunningServer } from '../harness';
import { POOL_SHAPES, SessionPool } from '../../src/core/transfer/sessionPool';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import type { Protocol } from '../../src/core/profiles/types';
import { assertHash, faultTest, giveToTestUser, openFtps, openSftp, within, writeRandomFile } from './support';

after(stopAll);

const TRANSFERS = 20;
const LISTINGS = 200;
const FOLDERS = 20;
const FILES_PER_FOLDER = 10;

let sshd: RunningServer;
let vsftpd: RunningServer;

before(async () => {
  [sshd, vsftpd] = await Promise.all([startSshd(), startVsftpd({ mode: 'explicit' })]);
});

const SIDES: Array<{ name: string; protocol: Protocol; open: () => Promise<RemoteFileSystem> }> = [
  { name: 'SFTP (OpenSSH)', protocol: 'sftp', open: () => openSftp(sshd) },
  { name: 'FTPS (vsftpd, explicit)', protocol: 'ftpes', open: () => openFtps(vsftpd) },
];

for (const side of SIDES) {
  describe(`load: ${side.name}`, () => {
    faultTest(`${TRANSFERS} concurrent uploads and downloads and ${LISTINGS} concurrent listings, within ${POOL_SHAPES[side.protocol].sessions} connections`, async () => {
      const { local, remote } = await scratchDir(`load-${side.protocol}`);
      let opened = 0;
      const pool = new SessionPool({
        protocol: side.protocol,
        factory: () => {
          opened++;
          return side.open();
        },
      });
      try {
        const files = await Promise.all(
          Array.from({ length: TRANSFERS }, async (_, i) => {
            const source = path.join(local, `up-${i}.bin`);
            return { source, target: path.join(remote, `up-${i}.bin`), back: path.join(local, `back-${i}.bin`), hash: await writeRandomFile(source, 128 * 1024 + i * 4099) };
          }),
        );
        await within(Promise.all(files.map((f) => pool.use((rfs) => rfs.uploadFile(f.source, f.target)))), 120_000, 'concurrent uploads');
        for (const f of files) await assertHash(f.target, f.hash, 'an uploaded file');
        await within(Promise.all(files.map((f) => pool.use((rfs) => rfs.downloadFile(f.target, f.back)))), 120_000, 'concurrent downloads');
        for (const f of files) await assertHash(f.back, f.hash, 'a downloaded file');

        const folders = Array.from({ length: FOLDERS }, (_, i) => path.join(remote, `folder-${i}`));
        for (const folder of folders) {
          await fs.mkdir(folder);
          await giveToTestUser(folder);
          await Promise.all(Array.from({ length: FILES_PER_FOLDER }, (_, j) => fs.writeFile(path.join(folder, `f-${j}.txt`), `${j}`)));
        }
        const listings = await within(
          Promise.all(Array.from({ length: LISTINGS }, (_, i) => pool.use((rfs) => rfs.list(folders[i % FOLDERS])))),
          120_000,
          'concurrent listings',
        );
        for (const entries of listings) assert.equal(entries.length, FILES_PER_FOLDER);
        assert.ok(opened >= 1 && opened <= POOL_SHAPES[side.protocol].sessions, `opened ${opened} connections; the limit is ${POOL_SHAPES[side.protocol].sessions}`);
      } finally {
        await pool.close();
      }
    });
  });
}
