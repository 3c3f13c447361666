/**
 * Cut and stalled connections (harness TCP proxy) during upload, download, listing and an editor
 * save (write a temporary sibling, rename it over the target), against REAL sshd and vsftpd.
 *
 * Each fault lands at a fraction of the bytes the operation moves (measured once through a clean
 * proxy), so it hits the middle of the work, not just the login. Whatever the point, afterwards:
 * the target on either side is entirely old or, only if the operation succeeded, entirely new
 * (checked by SHA-256); a failure is one SecureTransferError sentence within a bound (no hang); and
 * the same operation on a fresh connection succeeds.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scratchDir, startSshd, startVsftpd, stopAll, type RunningServer } from '../harness';
import { startFaultProxy, type Fault } from './faultProxy';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { download, upload } from '../../src/core/transfer/engine';
import { count } from './stats';
import { MiB, assertHash, cleanRejection, faultTest, giveToTestUser, openFtps, openSftp, sha256File, type Via, within, writeRandomFile } from './support';

after(stopAll);

/** How long a stalled session may stay silent before it gives up, in these tests. */
const IDLE_MS = 2_000;

interface Side {
  name: string;
  server: () => RunningServer;
  open: (via?: Via) => Promise<RemoteFileSystem>;
  fileSize: number;
  listEntries: number;
}

let sshd: RunningServer;
let vsftpd: RunningServer;
let local: string;
let remote: string;

const SIDES: Side[] = [
  {
    name: 'SFTP (OpenSSH)',
    server: () => sshd,
    open: (via) => openSftp(sshd, via, { idleTimeoutMs: IDLE_MS }),
    fileSize: 3 * MiB,
    listEntries: 1500,
  },
  {
    name: 'FTPS (vsftpd, explicit)',
    server: () => vsftpd,
    open: (via) => openFtps(vsftpd, via, IDLE_MS),
    fileSize: 512 * 1024,
    listEntries: 300,
  },
];

/** One operation in a fresh folder: how to run it, and what "intact" and "done" mean. */
interface Scenario {
  run(rfs: RemoteFileSystem): Promise<unknown>;
  assertIntact(): Promise<void>;
  assertDone(): Promise<void>;
}

type OpName = 'upload' | 'download' | 'listing' | 'editor save';

let scenarioCounter = 0;
async function folders(): Promise<{ l: string; r: string }> {
  const n = ++scenarioCounter;
  const l = path.join(local, `s${n}`);
  const r = path.join(remote, `s${n}`);
  await fs.mkdir(l);
  await fs.mkdir(r);
  await giveToTestUser(r);
  return { l, r };
}

async function remoteFile(file: string, size: number): Promise<string> {
  const hash = await writeRandomFile(file, size);
  await giveToTestUser(file);
  return hash;
}

const OPS: Record<OpName, (side: Side) => Promise<Scenario>> = {
  upload: async (side) => {
    const { l, r } = await folders();
    const source = path.join(l, 'new.bin');
    const target = path.join(r, 'site.bin');
    const fresh = await writeRandomFile(source, side.fileSize);
    const old = await remoteFile(target, side.fileSize / 2);
    return {
      run: (rfs) => upload(rfs, source, target),
      assertIntact: () => assertHash(target, old, 'the remote file after a failed upload'),
      assertDone: () => assertHash(target, fresh, 'the remote file after the upload'),
    };
  },
  download: async (side) => {
    const { l, r } = await folders();
    const source = path.join(r, 'report.bin');
    const target = path.join(l, 'report.bin');
    const fresh = await remoteFile(source, side.fileSize);
    const old = await writeRandomFile(target, side.fileSize / 2);
    return {
      run: (rfs) => download(rfs, source, target),
      assertIntact: () => assertHash(target, old, 'the local file after a failed download'),
      assertDone: () => assertHash(target, fresh, 'the local file after the download'),
    };
  },
  listing: async (side) => {
    const { r } = await folders();
    const names = Array.from({ length: side.listEntries }, (_, i) => `entry-${String(i).padStart(5, '0')}-with-a-longer-name.txt`);
    await Promise.all(names.map((n) => fs.writeFile(path.join(r, n), '')));
    let listed: string[] = [];
    return {
      run: async (rfs) => (listed = (await rfs.list(r)).map((e) => e.name)),
      assertIntact: async () => assert.equal((await fs.readdir(r)).length, names.length, 'a failed listing changed the folder'),
      assertDone: async () => assert.deepEqual([...listed].sort(), names),
    };
  },
  'editor save': async (side) => {
    const { l, r } = await folders();
    const target = path.join(r, 'index.html');
    const old = await remoteFile(target, side.fileSize / 2);
    const content = await fs.readFile(path.join(l, '..', 'edited.bin'));
    const fresh = await sha256File(path.join(l, '..', 'edited.bin'));
    return {
      // What the extension's FileSystemProvider does on save: a temporary sibling, then rename over.
      run: async (rfs) => {
        const tmp = path.join(r, `.index.html.st-${Math.random().toString(16).slice(2, 10)}.part`);
        try {
          await rfs.writeFile(tmp, content);
          await rfs.rename(tmp, target, { overwrite: true });
        } catch (err) {
          await rfs.delete(tmp).catch(() => undefined);
          throw err;
        }
      },
      assertIntact: () => assertHash(target, old, 'the remote file after a failed save'),
      assertDone: () => assertHash(target, fresh, 'the remote file after the save'),
    };
  },
};

/** Bytes the operation moves through the session's connection(s) after the login (both directions). */
async function measure(side: Side, op: OpName): Promise<number> {
  const scenario = await OPS[op](side);
  const proxy = await startFaultProxy(side.server());
  try {
    const rfs = await side.open(proxy);
    proxy.mark();
    await scenario.run(rfs);
    const bytes = proxy.moved();
    await rfs.close();
    return bytes;
  } finally {
    await proxy.stop();
  }
}

const FAULTS: Array<{ label: string; fault: (opBytes: number) => Fault }> = [
  { label: 'cut at 30%', fault: (b) => ({ kind: 'cut', afterBytes: Math.floor(b * 0.3) }) },
  { label: 'cut at 80%', fault: (b) => ({ kind: 'cut', afterBytes: Math.floor(b * 0.8) }) },
  { label: 'stall at 50%', fault: (b) => ({ kind: 'stall', afterBytes: Math.floor(b * 0.5) }) },
];

before(async () => {
  [sshd, vsftpd] = await Promise.all([startSshd(), startVsftpd({ mode: 'explicit' })]);
  ({ local, remote } = await scratchDir('faults'));
  await writeRandomFile(path.join(local, 'edited.bin'), 256 * 1024);
});

for (const side of SIDES) {
  describe(side.name, () => {
    for (const op of Object.keys(OPS) as OpName[]) {
      faultTest(`${op}: cut or stalled mid-way leaves no half-replaced file, fails in one sentence, and a retry succeeds`, async (t) => {
        const bytes = await measure(side, op);
        for (const { label, fault } of FAULTS) {
          const scenario = await OPS[op](side);
          const proxy = await startFaultProxy(side.server());
          try {
            const attempt = async (): Promise<'succeeded'> => {
              const rfs = await side.open(proxy);
              proxy.arm(fault(bytes));
              count('faultsInjected');
              try {
                await scenario.run(rfs);
                return 'succeeded';
              } finally {
                await rfs.close().catch(() => undefined);
              }
            };
            const outcome = await within(attempt(), IDLE_MS * 10, `${op} with ${label}`).catch((err: unknown) => cleanRejection(Promise.reject(err)));
            if (outcome === 'succeeded') {
              // The fault landed after the last byte that mattered: then the result must be complete.
              t.diagnostic(`${label}: the operation finished before the fault`);
              await scenario.assertDone();
            } else {
              await scenario.assertIntact();
            }
          } finally {
            await proxy.stop();
          }
          const retry = await side.open();
          try {
            await scenario.run(retry);
          } finally {
            await retry.close();
          }
          await scenario.assertDone();
        }
      });
    }
  });
}
