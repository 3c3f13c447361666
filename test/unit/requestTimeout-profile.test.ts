import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProfileFile, DEFAULT_REQUEST_TIMEOUT, validateUserProfiles } from '../../src/core/profiles';
import { parseSeconds } from '../../src/cli/connection';
import { UsageError } from '../../src/core/errors';

const sftp = { name: 'prod', protocol: 'sftp', host: 'example.com', username: 'deploy' };

test('requestTimeout defaults to 30 s and keeps what the profile says', () => {
  assert.equal(DEFAULT_REQUEST_TIMEOUT, 30);
  assert.equal(validateUserProfiles([sftp])[0].requestTimeout, 30);
  assert.equal(validateUserProfiles([{ ...sftp, requestTimeout: 2.5 }])[0].requestTimeout, 2.5);
});

test('requestTimeout outside 0 < s <= 600 is one clear problem naming the key', () => {
  for (const bad of [0, -1, 601, '30']) {
    const problems = checkProfileFile({ profiles: [{ ...sftp, requestTimeout: bad }] }, '.vscode/secure-transfer.json').problems;
    assert.equal(problems.length, 1, `${String(bad)}: ${problems.map((p) => p.message).join(' | ')}`);
    assert.equal(problems[0].path, 'profiles[0].requestTimeout');
  }
});

test('--request-timeout takes seconds in the schema range', () => {
  assert.equal(parseSeconds('2', '--request-timeout'), 2);
  assert.equal(parseSeconds('0.5', '--request-timeout'), 0.5);
  for (const bad of ['0', '601', '-3', '1e3', 'soon', '']) assert.throws(() => parseSeconds(bad, '--request-timeout'), UsageError, bad);
});
