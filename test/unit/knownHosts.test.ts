import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  defaultKnownHostsFiles,
  entryMatchesHost,
  keyTypeOfBlob,
  knownHostsName,
  loadKnownHosts,
  lookupHost,
  parseKnownHosts,
} from '../../src/core/trust/knownHosts';
import { sha256Fingerprint } from '../../src/core/trust/fingerprint';

function sshString(s: string | Buffer): Buffer {
  const b = typeof s === 'string' ? Buffer.from(s) : s;
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

/** A real ed25519 public key in SSH wire format. */
function ed25519Blob(): Buffer {
  const { publicKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(-32);
  return Buffer.concat([sshString('ssh-ed25519'), sshString(raw)]);
}

function line(hosts: string, blob: Buffer, marker = ''): string {
  return `${marker ? marker + ' ' : ''}${hosts} ${keyTypeOfBlob(blob)} ${blob.toString('base64')} comment`;
}

/** What `ssh-keygen -H` writes: |1|base64(salt)|base64(HMAC-SHA1(salt, name)). */
function hashedHost(name: string): string {
  const salt = randomBytes(20);
  return `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
}

test('knownHostsName writes port 22 bare and other ports as [host]:port', () => {
  assert.equal(knownHostsName('Example.COM', 22), 'example.com');
  assert.equal(knownHostsName('example.com', 2222), '[example.com]:2222');
});

test('plain host lists, fingerprints and key types', () => {
  const blob = ed25519Blob();
  const { entries, skipped } = parseKnownHosts(line('alpha,beta.example.com,10.0.0.1', blob));
  assert.equal(skipped.length, 0);
  assert.equal(entries.length, 1);
  assert.equal(entries[0].keyType, 'ssh-ed25519');
  assert.equal(entries[0].fingerprint, sha256Fingerprint(blob));
  assert.equal(entries[0].line, 1);
  for (const h of ['alpha', 'BETA.example.com', '10.0.0.1']) assert.ok(entryMatchesHost(entries[0], h, 22), h);
  assert.ok(!entryMatchesHost(entries[0], 'gamma', 22));
  assert.ok(!entryMatchesHost(entries[0], 'alpha', 2222), 'a bare host only means port 22');
});

test('[host]:port entries match only that port', () => {
  const { entries } = parseKnownHosts(line('[127.0.0.1]:2222,[::1]:2222', ed25519Blob()));
  assert.ok(entryMatchesHost(entries[0], '127.0.0.1', 2222));
  assert.ok(entryMatchesHost(entries[0], '::1', 2222));
  assert.ok(!entryMatchesHost(entries[0], '127.0.0.1', 22));
  assert.ok(!entryMatchesHost(entries[0], '127.0.0.1', 2223));
});

test('hashed entries match the HMAC-SHA1 of the looked-up name, including [host]:port', () => {
  const text = [line(hashedHost('server.example.com'), ed25519Blob()), line(hashedHost('[127.0.0.1]:2022'), ed25519Blob())].join('\n');
  const { entries } = parseKnownHosts(text);
  assert.ok(entryMatchesHost(entries[0], 'server.example.com', 22));
  assert.ok(!entryMatchesHost(entries[0], 'other.example.com', 22));
  assert.ok(!entryMatchesHost(entries[0], 'server.example.com', 2022));
  assert.ok(entryMatchesHost(entries[1], '127.0.0.1', 2022));
  assert.ok(!entryMatchesHost(entries[1], '127.0.0.1', 22));
});

test('wildcards * and ? and negation !', () => {
  const { entries } = parseKnownHosts(line('*.example.com,!secret.example.com,web?', ed25519Blob()));
  const e = entries[0];
  assert.ok(entryMatchesHost(e, 'a.example.com', 22));
  assert.ok(entryMatchesHost(e, 'deep.a.example.com', 22));
  assert.ok(!entryMatchesHost(e, 'secret.example.com', 22), 'negation vetoes a wildcard match');
  assert.ok(entryMatchesHost(e, 'web1', 22));
  assert.ok(!entryMatchesHost(e, 'web12', 22), '? is exactly one character');
  assert.ok(!entryMatchesHost(e, 'example.com', 22));
  assert.ok(!entryMatchesHost(e, 'aexample.com', 22), 'the dot is literal, not a regex wildcard');
});

test('@revoked entries are reported apart; @cert-authority, comments, blank and bad lines are skipped', () => {
  const good = ed25519Blob();
  const revoked = ed25519Blob();
  const ca = ed25519Blob();
  const text = [
    '# a comment',
    '',
    line('host', good),
    line('*', revoked, '@revoked'),
    line('*', ca, '@cert-authority'),
    'host ssh-ed25519 !!!notbase64',
    'host ssh-rsa ' + good.toString('base64'), // declared type disagrees with the blob
    'onlytwo fields',
    line('host', good, '@bogus'),
  ].join('\r\n');
  const parsed = parseKnownHosts(text, '/x/known_hosts');
  assert.deepEqual(parsed.entries.map((e) => e.marker), [undefined, 'revoked']);
  assert.deepEqual(parsed.skipped.map((s) => s.line), [6, 7, 8, 9]);
  assert.equal(parsed.skipped[0].file, '/x/known_hosts');
  const found = lookupHost(parsed, 'host', 22);
  assert.deepEqual(found.keys.map((k) => k.fingerprint), [sha256Fingerprint(good)]);
  assert.deepEqual(found.revoked.map((k) => k.fingerprint), [sha256Fingerprint(revoked)]);
  assert.ok(!parsed.entries.some((e) => e.fingerprint === sha256Fingerprint(ca)));
});

test('loadKnownHosts reads several files, ignores missing ones and never writes them', async () => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kh-'));
  const a = path.join(dir, 'known_hosts');
  const b = path.join(dir, 'known_hosts2');
  const blobA = ed25519Blob();
  const blobB = ed25519Blob();
  await fs.writeFile(a, line('one', blobA) + '\n');
  await fs.writeFile(b, line('two', blobB) + '\n');
  const before = [await fs.stat(a), await fs.stat(b)].map((s) => s.mtimeMs);
  const loaded = await loadKnownHosts([a, path.join(dir, 'missing'), b]);
  assert.deepEqual(loaded.entries.map((e) => [e.file, e.fingerprint]), [
    [a, sha256Fingerprint(blobA)],
    [b, sha256Fingerprint(blobB)],
  ]);
  assert.deepEqual([await fs.stat(a), await fs.stat(b)].map((s) => s.mtimeMs), before);
  await fs.rm(dir, { recursive: true });
});

test('default files are ~/.ssh/known_hosts and known_hosts2', () => {
  assert.deepEqual(defaultKnownHostsFiles('/home/u'), ['/home/u/.ssh/known_hosts', '/home/u/.ssh/known_hosts2']);
});

test('keyTypeOfBlob rejects truncated or garbage blobs', () => {
  assert.equal(keyTypeOfBlob(Buffer.from([0, 0, 0, 50, 65])), undefined);
  assert.equal(keyTypeOfBlob(Buffer.alloc(2)), undefined);
  assert.equal(keyTypeOfBlob(sshString('ssh-rsa')), 'ssh-rsa');
});
