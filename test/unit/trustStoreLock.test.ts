/**
 * Trust store and keychain index locking (issue 11, item 6), in one process: forget and remember
 * interleaved keep each other's changes, a shared sticky folder is never chmod-ed, and the key
 * index updated through a file lock by two independent stores keeps every key.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TrustStore } from '../../src/core/trust/trustStore';
import { withKeyIndex } from '../../src/core/secrets/keyIndex';
import { withFileLock } from '../../src/core/fsutil';

test('forget under the lock keeps what others remembered meanwhile', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-trust-forget-'));
  try {
    const store = TrustStore.inDir(dir);
    const rec = (host: string) => ({ kind: 'host-key' as const, protocol: 'sftp', host, port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:' + host.padEnd(43, 'B') });
    await store.remember(rec('a'));
    await Promise.all([store.forget('host-key', 'a', 22), TrustStore.inDir(dir).remember(rec('b')), TrustStore.inDir(dir).remember(rec('c'))]);
    assert.deepEqual((await store.all()).map((r) => r.host).sort(), ['b', 'c']);
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('a shared sticky folder (like /tmp) is never chmod-ed by a store placed in it', async () => {
  const sticky = await fs.mkdtemp(path.join(os.tmpdir(), 'st-sticky-'));
  try {
    await fs.chmod(sticky, 0o1777);
    await new TrustStore(path.join(sticky, 'trust.json')).remember({ kind: 'host-key', protocol: 'sftp', host: 'h', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:' + 'D'.repeat(43) });
    await TrustStore.inDir(sticky).all();
    assert.equal((await fs.stat(sticky)).mode & 0o7777, 0o1777);
  } finally {
    await fs.rm(sticky, { recursive: true, force: true });
  }
});

test('the keychain key index, updated under a file lock by two "processes", keeps every key', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-keyindex-'));
  try {
    // One shared keychain whose reads and writes are slow enough to interleave.
    const shared = new Map<string, string>();
    const tick = () => new Promise((r) => setTimeout(r, 2));
    const raw = {
      get: async (k: string) => (await tick(), shared.get(k)),
      set: async (k: string, v: string) => void (await tick(), shared.set(k, v)),
      delete: async (k: string) => void (await tick(), shared.delete(k)),
    };
    const lockFile = path.join(dir, 'keychain-index');
    // Two stores with separate in-process queues: only the file lock serializes them.
    const a = withKeyIndex(raw, (fn) => withFileLock(lockFile, fn));
    const b = withKeyIndex(raw, (fn) => withFileLock(lockFile, fn));
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).set(`sftp://u@h${i}:22 password`, 'x')));
    assert.equal((await a.keys()).length, 20);
    // Without the lock the same race loses keys: the test can fail.
    const shared2 = new Map<string, string>();
    const raw2 = { ...raw, get: async (k: string) => (await tick(), shared2.get(k)), set: async (k: string, v: string) => void (await tick(), shared2.set(k, v)) };
    const c = withKeyIndex(raw2);
    const d = withKeyIndex(raw2);
    await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? c : d).set(`sftp://u@h${i}:22 password`, 'x')));
    assert.ok((await c.keys()).length < 20, 'the unlocked race should lose keys (else this test proves nothing)');
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});
