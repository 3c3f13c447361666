import { test } from 'node:test';
import assert from 'node:assert/strict';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { INDEX_KEY, withKeyIndex } from '../../src/core/secrets/keyIndex';
import { parseSecretKey, secretKey } from '../../src/core/secrets/secretStore';
import { serverUrl } from '../../src/core/profiles/serverAddress';
import { forgetServer, getSecret, getTotpSeed, listServers, setPassword, setTotpSeed } from '../../src/core/secrets/secrets';
import { redact, redactingLogger, REDACTED } from '../../src/core/secrets/redact';
import { totpCode } from '../../src/core/totp/code';
import type { ServerAddress } from '../../src/core/profiles/types';
import { UsageError } from '../../src/core/errors';

const A: ServerAddress = { protocol: 'sftp', host: 'a.example.org', port: 22, username: 'alice' };
const B: ServerAddress = { protocol: 'ftpes', host: '::1', port: 2121, username: 'bob@corp' };
const PASSWORD = 'pw-Tr0ub4dor&3';
const SEED = 'JBSW Y3DP EHPK 3PXP';

test('secret keys round-trip, including IPv6 hosts and user names with @', () => {
  for (const server of [A, B]) {
    for (const kind of ['password', 'passphrase', 'totp'] as const) {
      assert.deepEqual(parseSecretKey(secretKey(server, kind)), { server, kind });
    }
  }
  assert.equal(serverUrl(B), 'ftpes://bob%40corp@[::1]:2121');
  assert.equal(parseSecretKey(INDEX_KEY), undefined);
  assert.equal(parseSecretKey('password:ftp://x@h:21'), undefined, 'plain ftp never has secrets');
});

test('set, get, list and forget: the list shows servers and kinds, never values', async () => {
  const store = memorySecretStore();
  await setPassword(store, A, PASSWORD);
  const stored = await setTotpSeed(store, A, SEED, 59);
  await setPassword(store, B, 'other-password');
  assert.equal(await getSecret(store, A, 'password'), PASSWORD);
  assert.equal(await getSecret(store, A, 'totp'), 'JBSWY3DPEHPK3PXP', 'stored normalised');
  assert.equal(stored.code, totpCode((await getTotpSeed(store, A))!, 59));
  assert.equal(stored.secondsLeft, 1);

  const list = await listServers(store);
  assert.deepEqual(list, [
    { server: B, kinds: ['password'] },
    { server: A, kinds: ['password', 'totp'] },
  ]);
  const shown = JSON.stringify(list);
  for (const secret of [PASSWORD, 'JBSWY3DPEHPK3PXP', 'other-password']) assert.ok(!shown.includes(secret));

  assert.deepEqual(await forgetServer(store, A), ['password', 'totp']);
  assert.equal(await getSecret(store, A, 'password'), undefined);
  assert.equal(await getSecret(store, A, 'totp'), undefined);
  assert.deepEqual(await listServers(store), [{ server: B, kinds: ['password'] }]);
  assert.deepEqual(await forgetServer(store, A), [], 'forgetting twice finds nothing');
});

test('the index holds keys only, and stays right under concurrent writes', async () => {
  const store = memorySecretStore();
  await Promise.all(Array.from({ length: 20 }, (_, i) => setPassword(store, { ...A, port: 1000 + i }, `${PASSWORD}-${i}`)));
  assert.equal((await store.keys()).length, 20);
  const index = store.raw.get(INDEX_KEY) ?? '';
  assert.ok(!index.includes(PASSWORD), 'no value in the index');
  await Promise.all(Array.from({ length: 20 }, (_, i) => forgetServer(store, { ...A, port: 1000 + i })));
  assert.deepEqual(await store.keys(), []);
});

test('forget removes a secret even when the index lost track of it', async () => {
  const raw = new Map<string, string>();
  const store = withKeyIndex({ get: async (k) => raw.get(k), set: async (k, v) => void raw.set(k, v), delete: async (k) => void raw.delete(k) });
  raw.set(secretKey(A, 'password'), PASSWORD); // written behind the index's back
  assert.deepEqual(await forgetServer(store, A), ['password']);
  assert.equal(raw.has(secretKey(A, 'password')), false);
});

test('the index key cannot be overwritten through the store', async () => {
  await assert.rejects(memorySecretStore().set(INDEX_KEY, '[]'), /reserved/);
});

test('empty passwords and bad seeds are refused before anything is stored', async () => {
  const store = memorySecretStore();
  await assert.rejects(setPassword(store, A, ''), UsageError);
  await assert.rejects(setTotpSeed(store, A, 'not a seed!'), UsageError);
  assert.deepEqual(await store.keys(), []);
});

test('redact masks every secret, longest first, and leaves other text alone', () => {
  assert.equal(redact(`login alice:${PASSWORD} code 123456`, [PASSWORD, '123456', undefined]), `login alice:${REDACTED} code ${REDACTED}`);
  assert.equal(redact('abcdefgh', ['abcd', 'abcdefgh']), REDACTED);
  assert.equal(redact('a b c', ['b']), 'a b c', 'one-letter "secrets" would garble every line');
  const lines: string[] = [];
  const sink = { trace: (m: string) => lines.push(m), debug: (m: string) => lines.push(m), info: (m: string) => lines.push(m), warn: (m: string) => lines.push(m), error: (m: string) => lines.push(m) };
  const log = redactingLogger(sink, () => [PASSWORD]);
  log.info(`sent ${PASSWORD}`);
  log.error(`failed with ${PASSWORD}!`);
  assert.deepEqual(lines, [`sent ${REDACTED}`, `failed with ${REDACTED}!`]);
});
