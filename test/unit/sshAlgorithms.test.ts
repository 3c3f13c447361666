import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ssh2Defaults, withoutForbidden } from '../../src/core/session/sshAlgorithms';
import { forbiddenAlgorithmEntry } from '../../src/core/policy';

const byPolicy = (forbidden: string[]) => (a: string) => forbiddenAlgorithmEntry(a, { forbiddenAlgorithms: forbidden }) !== undefined;

test('forbidden algorithms (names and globs) are removed from what the client offers', () => {
  const { algorithms, emptied } = withoutForbidden(byPolicy(['aes*-ctr', 'hmac-sha1', 'diffie-hellman-group14-sha256']));
  const lists = algorithms as unknown as Record<string, string[]>;
  assert.equal(emptied, undefined);
  assert.ok(ssh2Defaults().cipher.some((c) => /^aes\d+-ctr$/.test(c)), 'the defaults had CTR ciphers to remove');
  assert.ok(!lists.cipher.some((c) => /^aes\d+-ctr$/.test(c)));
  assert.ok(!lists.hmac.includes('hmac-sha1'));
  assert.ok(!lists.kex.includes('diffie-hellman-group14-sha256'));
  assert.equal(lists.cipher[0], 'aes128-gcm@openssh.com', 'the fast AEAD cipher stays first');
});

test('a policy that forbids every algorithm of a kind is reported, not silently ignored', () => {
  assert.equal(withoutForbidden(byPolicy(['*'])).emptied, 'kex');
  assert.equal(withoutForbidden(byPolicy(['ssh-*', 'ecdsa-*', 'rsa-*'])).emptied, 'serverHostKey');
});
