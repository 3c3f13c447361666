import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCredentialProvider, type Prompter } from '../../src/core/mfa/provider';
import { parseJsonc } from '../../src/core/profiles/jsonc';
import { checkProfileFileText } from '../../src/core/profiles/load';
import type { ServerAddress } from '../../src/core/profiles/types';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { SessionPasswords } from '../../src/core/secrets/sessionPasswords';
import { hasErrorCode } from '../../src/core/errors';
import { PASSWORD_IN_ADDRESS, parseTypedAddress, typedRemotePath } from '../../src/extension/addressInput';
import { memberDeletion, movableSecret } from '../../src/extension/profileSecretFix';

const A: ServerAddress = { protocol: 'sftp', host: 'files.example.org', port: 22, username: 'alice' };
const A_OTHER_CASE: ServerAddress = { ...A, host: 'Files.Example.org' };
const B: ServerAddress = { ...A, port: 2222 };

function prompter(answers: string[]): Prompter & { asked: number } {
  const p = {
    asked: 0,
    async ask() {
      p.asked++;
      return answers.shift();
    },
  };
  return p;
}

test('session passwords are kept by server (never by name), offered once, and forgettable', () => {
  const mem = new SessionPasswords();
  mem.set(A, 'pw');
  assert.equal(mem.get(A_OTHER_CASE), 'pw', 'the same server, whatever the case of its host');
  assert.equal(mem.get(B), undefined, 'another port is another server');
  assert.equal(mem.takeUnoffered(A), 'pw');
  assert.equal(mem.takeUnoffered(A), undefined, 'offered once');
  assert.equal(mem.get(A), 'pw', 'still remembered after the offer');
  mem.forget(A);
  assert.equal(mem.get(A), undefined);
});

test('a provider asks once per server and window session, and forgets a rejected password', async () => {
  const store = memorySecretStore();
  const mem = new SessionPasswords();
  const ask = prompter(['first', 'second']);
  const first = createCredentialProvider({ store, server: A, mfa: 'none', prompter: ask, remembered: mem });
  assert.equal(await first.password(A), 'first');
  // A reconnect (a new provider) and another profile of the same server take it from memory.
  const again = createCredentialProvider({ store, server: A, mfa: 'none', prompter: ask, remembered: mem });
  assert.equal(await again.password(A_OTHER_CASE), 'first');
  assert.equal(ask.asked, 1);
  // The server rejects it: forgotten, the next try asks.
  again.onAuthFailure?.(A);
  assert.equal(mem.get(A), undefined);
  const third = createCredentialProvider({ store, server: A, mfa: 'none', prompter: ask, remembered: mem });
  assert.equal(await third.password(A), 'second');
  assert.equal(ask.asked, 2);
  assert.deepEqual(await store.keys(), [], 'nothing reaches the keychain by itself');
});

test('a keychain password comes before the session memory', async () => {
  const store = memorySecretStore();
  const mem = new SessionPasswords();
  mem.set(A, 'typed');
  await store.set('password:sftp://alice@files.example.org:22', 'stored');
  const p = createCredentialProvider({ store, server: A, mfa: 'none', remembered: mem });
  assert.equal(await p.password(A), 'stored');
});

test('typed addresses: bare, or pasted URLs whose protocol wins', () => {
  assert.deepEqual(parseTypedAddress('bob@h.example:2222/srv'), { url: { protocol: 'sftp', host: 'h.example', port: 2222, username: 'bob', fingerprints: [], path: '/srv' } });
  assert.equal(parseTypedAddress('bob@h.example', 'ftps').url.port, 990);
  const pasted = parseTypedAddress(' ftpes://deploy@H.example/www ');
  assert.equal(pasted.protocol, 'ftpes');
  assert.deepEqual([pasted.url.host, pasted.url.port, pasted.url.path], ['h.example', 21, '/www']);
  assert.throws(() => parseTypedAddress('ftp://bob@h.example'), (e: unknown) => hasErrorCode(e, 'plaintext-ftp'));
  assert.throws(() => parseTypedAddress('sftp:bob@h.example'), /lacks "\/\/" after "sftp:"/, 'a scheme without // is not read as user "sftp" with a password');
  for (const text of ['sftp://bob:s3cret@h.example', 'bob:s3cret@h.example', 'sftp://bob:s3/cret@h.example/x']) {
    assert.throws(() => parseTypedAddress(text), (e: unknown) => hasErrorCode(e, 'secret-in-url') && e.message === PASSWORD_IN_ADDRESS && !e.message.includes('s3'), text);
  }
});

test('a remote path box takes a URL of its own server only', () => {
  const server: ServerAddress = { protocol: 'sftp', host: 'h.example', port: 2222, username: 'bob' };
  assert.equal(typedRemotePath(server, '/plain/path', '/home/bob'), '/plain/path');
  assert.equal(typedRemotePath(server, 'sftp://bob@H.example:2222/srv/x', '/home/bob'), '/srv/x');
  assert.equal(typedRemotePath(server, 'sftp://h.example:2222', '/home/bob'), '/home/bob');
  assert.equal(typedRemotePath(server, 'sftp://bob@h.example:2222/~/docs', '/home/bob'), '/home/bob/docs');
  assert.throws(() => typedRemotePath(server, 'sftp://bob@h.example/srv', '/home/bob'), /not at sftp:\/\/bob@h\.example:2222/);
  assert.throws(() => typedRemotePath(server, 'sftp://eve@h.example:2222/srv', '/home/bob'), /points at/);
});

const FILE_TEXT = [
  '{',
  '  "profiles": [',
  '    {',
  '      "name": "prod",',
  '      "protocol": "sftp",',
  '      "host": "files.example.org",',
  '      "username": "alice",',
  '      "password": "hunter2",',
  '      "port": 2222',
  '    }',
  '  ]',
  '}',
].join('\n');

test('jsonc records where values end, and problems carry the exact span of the member at fault', () => {
  const doc = parseJsonc(FILE_TEXT);
  const start = doc.positions.get('profiles[0].password')!;
  const end = doc.ends.get('profiles[0].password')!;
  assert.equal(FILE_TEXT.slice(start.offset, end.offset), '"password": "hunter2"');
  const [problem] = checkProfileFileText(FILE_TEXT, 'f.json').problems;
  assert.equal(problem.code, 'secret-in-profile');
  assert.deepEqual([problem.line, problem.column, problem.endLine, problem.endColumn], [8, 7, 8, 28]);
  assert.deepEqual(problem.segments, ['profiles', 0, 'password']);
  // A missing key has no span of its own: only where the object starts.
  const missing = checkProfileFileText('{"profiles": [{"name": "a", "protocol": "ftpes", "host": "h"}]}', 'f.json').problems[0];
  assert.equal(missing.code, 'missing');
  assert.equal(missing.endLine, undefined);
});

test('the quick fix finds the secret and its server, and deletes the member leaving valid JSON', () => {
  const found = movableSecret(FILE_TEXT, ['profiles', 0, 'password']);
  assert.deepEqual(found, { kind: 'password', value: 'hunter2', server: { protocol: 'sftp', host: 'files.example.org', username: 'alice', port: 2222 } });
  const [from, to] = memberDeletion(FILE_TEXT, ['profiles', 0, 'password'])!;
  const after = FILE_TEXT.slice(0, from) + FILE_TEXT.slice(to);
  assert.equal(after, FILE_TEXT.replace('      "password": "hunter2",\n', ''));
  // The last member: the comma before it goes.
  const last = '{"profiles": [{"name": "a", "protocol": "ftpes", "host": "h.example", "username": "u", "passphrase": "x"}]}';
  const [f2, t2] = memberDeletion(last, ['profiles', 0, 'passphrase'])!;
  assert.deepEqual(JSON.parse(last.slice(0, f2) + last.slice(t2)), { profiles: [{ name: 'a', protocol: 'ftpes', host: 'h.example', username: 'u' }] });
  assert.equal(movableSecret(last, ['profiles', 0, 'passphrase'])?.server.port, 21, 'the protocol\'s default port');
  // Not movable: no server to keep it for, not a password, or not in a profile.
  assert.equal(movableSecret('{"profiles": [{"name": "a", "password": "x"}]}', ['profiles', 0, 'password']), undefined);
  assert.equal(movableSecret('{"profiles": [{"name": "a", "protocol": "sftp", "host": "h", "username": "u", "totpSeed": "x"}]}', ['profiles', 0, 'totpSeed']), undefined);
  assert.equal(movableSecret('{"password": "x"}', ['password']), undefined);
});

test('the quick fix stores a moved secret under the server an ssh-config alias resolves to', async () => {
  const { mkdtempSync, writeFileSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const { resolvedSecretServer } = await import('../../src/extension/profileSecretFix');
  const file = join(mkdtempSync(join(tmpdir(), 'st-fix-alias-')), 'ssh_config');
  writeFileSync(file, 'Host box\n  HostName files.example.org\n  Port 2200\n  User carol\n');
  const noUser = '{"profiles": [{"name": "a", "protocol": "sftp", "host": "box", "password": "pw"}]}';
  const found = movableSecret(noUser, ['profiles', 0, 'password']);
  assert.ok(found, 'an alias profile without a username can still move its password');
  assert.deepEqual(await resolvedSecretServer(noUser, found, ['profiles', 0, 'password'], { file }), { protocol: 'sftp', host: 'files.example.org', port: 2200, username: 'carol' });
  // A written user and port beat the config's; the host is still its HostName.
  const written = '{"profiles": [{"name": "a", "protocol": "sftp", "host": "box", "username": "dave", "port": 2022, "password": "pw"}]}';
  const f2 = movableSecret(written, ['profiles', 0, 'password'])!;
  assert.deepEqual(await resolvedSecretServer(written, f2, ['profiles', 0, 'password'], { file }), { protocol: 'sftp', host: 'files.example.org', port: 2022, username: 'dave' });
  // An ordinary profile: exactly as written (FTPS never reads the ssh config).
  const ftp = '{"profiles": [{"name": "a", "protocol": "ftpes", "host": "box", "username": "u", "password": "pw"}]}';
  assert.deepEqual(await resolvedSecretServer(ftp, movableSecret(ftp, ['profiles', 0, 'password'])!, ['profiles', 0, 'password'], { file }), { protocol: 'ftpes', host: 'box', port: 21, username: 'u' });
  assert.equal(movableSecret('{"profiles": [{"name": "a", "protocol": "ftpes", "host": "h", "password": "x"}]}', ['profiles', 0, 'password']), undefined, 'FTPS still needs its username');
});
