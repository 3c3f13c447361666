/**
 * ReconnectingFileSystem against a REAL OpenSSH server: a restart mid-session is survived by the
 * next operation, a changed host key on reconnect is refused before any login, read-only requests
 * are retried once after a drop, writes never are, and reconnecting gives up after bounded attempts.
 */
import { after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { scratchDir, startSshd, startTcpProxy, stopAll, type RunningServer } from '../harness';
import { ReconnectingFileSystem, backoffDelay, type LinkState } from '../../src/core/session/reconnecting';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';
import { SecurityRefusal } from '../../src/core/errors';
import { count } from './stats';
import { MiB, cleanRejection, faultTest, giveToTestUser, measureLoginBytes, openSftp, sha256, stopWithConnections, type Via, within, writeRandomFile } from './support';

after(stopAll);

let sshd: RunningServer;
let remote: string;
let loginBytes: number;

before(async () => {
  sshd = await startSshd();
  remote = (await scratchDir('reconnect')).remote;
  await fs.writeFile(path.join(remote, 'hello.txt'), 'hello');
  await giveToTestUser(path.join(remote, 'hello.txt'));
  loginBytes = await measureLoginBytes((via) => openSftp(sshd, via), sshd);
});

/** A factory that goes through `first` for its first connection and straight to the server after. */
function opener(server: () => RunningServer, first?: Via, idleTimeoutMs?: number): { open: () => Promise<RemoteFileSystem>; opens: () => number } {
  let opens = 0;
  return {
    open: () => {
      opens++;
      return openSftp(server(), opens === 1 ? first : undefined, idleTimeoutMs ? { idleTimeoutMs } : {});
    },
    opens: () => opens,
  };
}

describe('reconnecting', () => {
  faultTest("chmod and setTimes reach the live session (the extension's connections are this wrapper)", async () => {
    const file = path.join(remote, 'modes.txt');
    await fs.writeFile(file, 'm');
    await giveToTestUser(file);
    const rfs = await ReconnectingFileSystem.connect(opener(() => sshd).open);
    try {
      await rfs.chmod(file, 0o640);
      assert.equal((await fs.stat(file)).mode & 0o777, 0o640);
      assert.equal(await rfs.setTimes(file, Date.UTC(2020, 1, 3, 4, 5, 6, 700)), true);
      assert.equal((await fs.stat(file)).mtimeMs, Date.UTC(2020, 1, 3, 4, 5, 6));
      await assert.rejects(rfs.chmod(path.join(remote, 'missing.txt'), 0o600), /does not exist/);
    } finally {
      await rfs.close();
    }
  });

  faultTest('backoff doubles from the initial delay and is capped', async () => {
    const opts = { initialDelayMs: 100, maxDelayMs: 500 };
    assert.deepEqual([0, 1, 2, 3, 4, 5].map((a) => backoffDelay(a, opts)), [0, 100, 200, 400, 500, 500]);
  });

  faultTest('a server restarted mid-session: the next operation reconnects (host key verified again) and succeeds', async () => {
    let server = sshd;
    const states: LinkState[] = [];
    const o = opener(() => server);
    const rfs = await ReconnectingFileSystem.connect(o.open, { initialDelayMs: 100, onStateChange: (s) => states.push(s) });
    try {
      assert.ok((await rfs.list(remote)).some((e) => e.name === 'hello.txt'));
      await stopWithConnections(sshd);
      count('faultsInjected');
      server = sshd = await startSshd({ port: sshd.port, hostKeysFrom: sshd });
      const names = (await within(rfs.list(remote), 30_000, 'listing after a restart')).map((e) => e.name);
      assert.ok(names.includes('hello.txt'));
      assert.equal(rfs.reconnects, 1);
      assert.equal(o.opens(), 2);
      assert.ok(states.includes('reconnecting') && states.at(-1) === 'connected', `states: ${states.join(',')}`);
    } finally {
      await rfs.close();
    }
  });

  faultTest('liveLink (background work: the remote watcher) is the connection while up; after a drop it is undefined and a request on it fails without reconnecting', async () => {
    const o = opener(() => sshd);
    const rfs = await ReconnectingFileSystem.connect(o.open, { initialDelayMs: 100 });
    try {
      const live = rfs.liveLink;
      assert.ok(live, 'up: the live connection');
      assert.ok((await live.list(remote)).some((e) => e.name === 'hello.txt'));
      await stopWithConnections(sshd);
      count('faultsInjected');
      await assert.rejects(within(live.list(remote), 30_000, 'a listing on a dropped link'));
      assert.equal(rfs.liveLink, undefined, 'down: nothing to list with');
      assert.equal(o.opens(), 1, 'nothing reconnected');
      assert.equal(rfs.reconnects, 0);
    } finally {
      sshd = await startSshd({ port: sshd.port, hostKeysFrom: sshd });
      await rfs.close();
    }
  });

  faultTest('a read-only request cut mid-way is retried once on a new connection and returns the right bytes', async () => {
    const data = path.join(remote, 'read-me.bin');
    const expected = await writeRandomFile(data, 4 * MiB);
    await giveToTestUser(data);
    const proxy = await startTcpProxy(sshd, { cutAfterBytes: loginBytes + 1 * MiB });
    count('faultsInjected');
    const o = opener(() => sshd, proxy);
    const rfs = await ReconnectingFileSystem.connect(o.open, { initialDelayMs: 50 });
    try {
      const got = await within(rfs.readFile(data), 30_000, 'readFile across a cut');
      assert.equal(sha256(got), expected);
      count('transfersVerifiedByHash');
      assert.equal(o.opens(), 2, 'exactly one reconnect');
    } finally {
      await rfs.close();
      await proxy.stop();
    }
  });

  faultTest('a write cut mid-way fails with one sentence and is NOT retried; the next write reconnects', async () => {
    const target = path.join(remote, 'written.bin');
    const proxy = await startTcpProxy(sshd, { cutAfterBytes: loginBytes + 512 * 1024 });
    count('faultsInjected');
    const o = opener(() => sshd, proxy);
    const rfs = await ReconnectingFileSystem.connect(o.open, { initialDelayMs: 50 });
    try {
      const big = Buffer.alloc(3 * MiB, 7);
      const err = await cleanRejection(rfs.writeFile(target, big));
      assert.equal(err.kind, 'failure');
      assert.equal(o.opens(), 1, 'a write must not be silently repeated on a new connection');
      const small = Buffer.from('second try');
      await within(rfs.writeFile(target, small), 30_000, 'write after reconnect');
      assert.equal(o.opens(), 2);
      assert.equal(sha256(await fs.readFile(target)), sha256(small));
      count('transfersVerifiedByHash');
    } finally {
      await rfs.close();
      await proxy.stop();
    }
  });

  faultTest('a stalled connection is given up after the idle timeout, and the listing is retried on a new one', async () => {
    const proxy = await startTcpProxy(sshd, { stallAfterBytes: loginBytes + 64 });
    count('faultsInjected');
    const o = opener(() => sshd, proxy, 2_000);
    const rfs = await ReconnectingFileSystem.connect(o.open, { initialDelayMs: 50 });
    try {
      const names = (await within(rfs.list(remote), 20_000, 'listing across a stall')).map((e) => e.name);
      assert.ok(names.includes('hello.txt'));
      assert.equal(o.opens(), 2);
    } finally {
      await rfs.close();
      await proxy.stop();
    }
  });

  faultTest('a server that stays down: reconnecting stops after the bounded attempts with one clear sentence', async () => {
    const alone = await startSshd();
    const o = opener(() => alone);
    const rfs = await ReconnectingFileSystem.connect(o.open, { maxAttempts: 3, initialDelayMs: 50 });
    try {
      await stopWithConnections(alone);
      count('faultsInjected');
      const err = await cleanRejection(rfs.list(remote));
      assert.equal(err.code, 'reconnect-failed');
      assert.match(err.message, /3 attempts/);
      assert.equal(o.opens(), 1 + 3);
    } finally {
      await rfs.close();
    }
  });

  faultTest('a CHANGED host key on reconnect is refused before any login, and not retried', async () => {
    const original = await startSshd();
    let server = original;
    const o = opener(() => server);
    const rfs = await ReconnectingFileSystem.connect(o.open, { maxAttempts: 4, initialDelayMs: 50 });
    try {
      await rfs.stat(remote);
      await stopWithConnections(original);
      count('faultsInjected');
      // Same address, new identity: the pin (the original key) must refuse it.
      server = { ...(await startSshd({ port: original.port })), hostKeys: original.hostKeys };
      const err = await cleanRejection(rfs.list(remote));
      assert.ok(err instanceof SecurityRefusal, `expected a SecurityRefusal, got ${err.name}: ${err.message}`);
      assert.equal(err.kind, 'security');
      assert.equal(o.opens(), 2, 'a refused key is not tried again');
      const log = await server.readLog();
      assert.doesNotMatch(log, /Accepted|Failed password|Failed publickey/, 'no authentication may reach an impostor');
    } finally {
      await rfs.close();
    }
  });

  faultTest('close() ends the session for good: later operations say so in one sentence', async () => {
    const rfs = await ReconnectingFileSystem.connect(() => openSftp(sshd));
    await rfs.close();
    assert.equal(rfs.connected, false);
    const err = await cleanRejection(rfs.list(remote));
    assert.equal(err.code, 'disconnected');
  });
});
