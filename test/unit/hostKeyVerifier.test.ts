import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { verifyHostKey, type HostKeyCheck } from '../../src/core/trust/hostKeyVerifier';
import { sha256Fingerprint } from '../../src/core/trust/fingerprint';
import { TrustStore } from '../../src/core/trust/trustStore';
import { EXIT_CODES, SecurityRefusal } from '../../src/core/errors';
import type { TrustDecision, TrustQuestion } from '../../src/core/trust/types';

function sshString(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

function ed25519Blob(): Buffer {
  const raw = generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
}

/** A syntactically valid ssh-rsa blob (e, n); only its type and bytes matter here. */
function rsaLikeBlob(): Buffer {
  return Buffer.concat([sshString('ssh-rsa'), sshString(Buffer.from([1, 0, 1])), sshString(Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'der', type: 'spki' })))]);
}

const server = { protocol: 'sftp' as const, host: '127.0.0.1', port: 2222 };

interface Fixture {
  check: (over: Partial<HostKeyCheck>) => HostKeyCheck;
  asked: TrustQuestion[];
  store: TrustStore;
  knownHosts: string;
}

async function fixture(presented: Buffer, knownHostsLines: string[] = [], answer: TrustDecision = 'reject'): Promise<Fixture> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hkv-'));
  const knownHosts = path.join(dir, 'known_hosts');
  await fs.writeFile(knownHosts, knownHostsLines.join('\n') + '\n');
  const store = new TrustStore(path.join(dir, 'trust.json'));
  const asked: TrustQuestion[] = [];
  const check = (over: Partial<HostKeyCheck>): HostKeyCheck => ({
    server,
    keyType: 'ssh-ed25519',
    keyBlob: presented,
    knownHostsFiles: [knownHosts],
    trustStore: store,
    decide: async (q) => {
      asked.push(q);
      return answer;
    },
    ...over,
  });
  return { check, asked, store, knownHosts };
}

const khLine = (hosts: string, blob: Buffer, marker = '') =>
  `${marker ? marker + ' ' : ''}${hosts} ${blob.subarray(4, 4 + blob.readUInt32BE(0)).toString()} ${blob.toString('base64')}`;

async function refusal(p: Promise<unknown>): Promise<SecurityRefusal> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof SecurityRefusal, `expected a SecurityRefusal, got ${String(err)}`);
    assert.equal(EXIT_CODES[err.kind], 3);
    return err;
  }
  assert.fail('expected a refusal');
}

test('a matching pin trusts without asking', async () => {
  const key = ed25519Blob();
  const f = await fixture(key);
  assert.deepEqual(await verifyHostKey(f.check({ pinned: [sha256Fingerprint(key)] })), { trusted: true, source: 'pinned' });
  assert.equal(f.asked.length, 0);
});

test('a pin that does not match is CHANGED: refused without asking, even if known_hosts has the key', async () => {
  const key = ed25519Blob();
  const pin = sha256Fingerprint(ed25519Blob());
  const f = await fixture(key, [khLine('[127.0.0.1]:2222', key)], 'remember');
  const err = await refusal(verifyHostKey(f.check({ pinned: [pin] })));
  assert.equal(err.code, 'host-key-changed');
  assert.ok(err.message.includes(pin), 'shows the expected fingerprint');
  assert.ok(err.message.includes(sha256Fingerprint(key)), 'shows the presented fingerprint');
  assert.match(err.message, /--fingerprint/);
  assert.match(err.message, /Replace Pinned Key/);
  assert.equal(f.asked.length, 0);
  assert.deepEqual(await f.store.all(), []);
});

test('a known_hosts match trusts without asking', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [khLine('[127.0.0.1]:2222', key)]);
  assert.deepEqual(await verifyHostKey(f.check({})), { trusted: true, source: 'known_hosts' });
  assert.equal(f.asked.length, 0);
});

test('known_hosts with a different key of the same type is CHANGED and names the file', async () => {
  const key = ed25519Blob();
  const old = ed25519Blob();
  const f = await fixture(key, [khLine('[127.0.0.1]:2222', old)], 'once');
  const err = await refusal(verifyHostKey(f.check({})));
  assert.equal(err.code, 'host-key-changed');
  assert.ok(err.message.includes(sha256Fingerprint(old)) && err.message.includes(sha256Fingerprint(key)));
  assert.ok(err.message.includes(f.knownHosts));
  assert.equal(f.asked.length, 0);
});

test('a known key of another type only is unknown (asked), not changed', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [khLine('[127.0.0.1]:2222', rsaLikeBlob())], 'once');
  assert.deepEqual(await verifyHostKey(f.check({})), { trusted: true, source: 'user-once' });
  assert.equal(f.asked.length, 1);
});

test('a trust-store match trusts; a different stored key of the same type is CHANGED without asking', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [], 'remember');
  await f.store.remember({ kind: 'host-key', protocol: 'sftp', host: '127.0.0.1', port: 2222, fingerprint: sha256Fingerprint(key), keyType: 'ssh-ed25519' });
  assert.deepEqual(await verifyHostKey(f.check({})), { trusted: true, source: 'trust-store' });

  const other = ed25519Blob();
  const err = await refusal(verifyHostKey(f.check({ keyBlob: other })));
  assert.equal(err.code, 'host-key-changed');
  assert.ok(err.message.includes(sha256Fingerprint(key)) && err.message.includes(sha256Fingerprint(other)));
  assert.ok(err.message.includes(f.store.file));
  assert.equal(f.asked.length, 0);
  assert.deepEqual((await f.store.all()).map((r) => r.fingerprint), [sha256Fingerprint(key)], 'the store is unchanged');
});

test('the trust store is per port: another port of the same host is unknown', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [], 'once');
  await f.store.remember({ kind: 'host-key', protocol: 'sftp', host: '127.0.0.1', port: 22, fingerprint: sha256Fingerprint(ed25519Blob()), keyType: 'ssh-ed25519' });
  assert.equal((await verifyHostKey(f.check({}))).source, 'user-once');
});

test('unknown + reject → host-key-unknown refusal with the fingerprint and how to pin it', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [], 'reject');
  const err = await refusal(verifyHostKey(f.check({})));
  assert.equal(err.code, 'host-key-unknown');
  assert.ok(err.message.includes(`--fingerprint ${sha256Fingerprint(key)}`));
  assert.match(err.message, /--accept-new/);
  assert.equal(f.asked.length, 1);
  assert.deepEqual(f.asked[0], {
    kind: 'host-key',
    server,
    fingerprint: sha256Fingerprint(key),
    keyType: 'ssh-ed25519',
    reason: f.asked[0].reason,
  });
  assert.deepEqual(await f.store.all(), []);
});

test('unknown + remember → stored, and trusted from the store next time', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [], 'remember');
  assert.deepEqual(await verifyHostKey(f.check({})), { trusted: true, source: 'user-remember' });
  const [rec] = await f.store.all();
  assert.deepEqual({ ...rec, addedAt: undefined }, {
    kind: 'host-key', protocol: 'sftp', host: '127.0.0.1', port: 2222, fingerprint: sha256Fingerprint(key), keyType: 'ssh-ed25519', addedAt: undefined,
  });
  assert.equal((await verifyHostKey(f.check({}))).source, 'trust-store');
  assert.equal(f.asked.length, 1);
});

test('unknown + once → trusted for this connection, nothing stored', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [], 'once');
  assert.equal((await verifyHostKey(f.check({}))).source, 'user-once');
  assert.deepEqual(await f.store.all(), []);
});

test('a @revoked key is refused even when pinned or listed', async () => {
  const key = ed25519Blob();
  const f = await fixture(key, [khLine('[127.0.0.1]:2222', key), khLine('*', key, '@revoked')], 'remember');
  const err = await refusal(verifyHostKey(f.check({ pinned: [sha256Fingerprint(key)] })));
  assert.equal(err.code, 'host-key-revoked');
  assert.ok(err.message.includes(sha256Fingerprint(key)));
  assert.equal(f.asked.length, 0);
});

test('pins may be given in hex form', async () => {
  const key = ed25519Blob();
  const f = await fixture(key);
  const hex = Buffer.from(sha256Fingerprint(key).slice(7) + '=', 'base64').toString('hex');
  assert.equal((await verifyHostKey(f.check({ pinned: [hex] }))).source, 'pinned');
});
