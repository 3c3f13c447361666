/** How ~/.ssh/config applies to a profile (connect.ts withSshConfig): what is written beats the config. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withSshConfig } from '../../src/core/connect';
import type { Profile } from '../../src/core/profiles/types';
import type { SshHostConfig } from '../../src/core/sshconfig/types';
import { hasErrorCode } from '../../src/core/errors';
import { isSshHostAlias } from '../../src/core/syntax/host';
import { urlNamesPort } from '../../src/core/profiles/url';

const cfg = (over: Partial<SshHostConfig> = {}): SshHostConfig => ({ host: 'prod', matched: true, hostName: '10.0.0.5', port: 2222, user: 'deploy', identityFiles: [], certificateFiles: [], userKnownHostsFiles: [], warnings: [], ...over });
const base: Profile = { name: 'p', protocol: 'sftp', host: 'prod', port: 22, username: '' };

test('nothing written: HostName, Port, User and ConnectTimeout come from the config', () => {
  const p = withSshConfig({ ...base, defaulted: { port: true, connectTimeout: true } }, cfg({ connectTimeout: 7 }), () => 'local');
  assert.deepEqual([p.host, p.port, p.username, p.connectTimeout], ['10.0.0.5', 2222, 'deploy', 7]);
});

test('written port, user and timeout beat the config (OpenSSH: the command line wins)', () => {
  const p = withSshConfig({ ...base, port: 22, username: 'me', connectTimeout: 3 }, cfg({ connectTimeout: 7 }), () => 'local');
  assert.deepEqual([p.host, p.port, p.username, p.connectTimeout], ['10.0.0.5', 22, 'me', 3]);
});

test('no User anywhere: the local user name, like ssh; none at all: one sentence', () => {
  assert.equal(withSshConfig(base, cfg({ user: undefined }), () => 'local').username, 'local');
  assert.throws(() => withSshConfig(base, cfg({ user: undefined }), () => ''), (e: unknown) => hasErrorCode(e, 'bad-username') && /No user name for sftp:\/\/10\.0\.0\.5:22: set the profile's "username"/.test((e as Error).message));
});

test('a host the config does not rename keeps its spelling', () => {
  assert.equal(withSshConfig({ ...base, host: 'Files.Example.com', username: 'u' }, cfg({ host: 'Files.Example.com', hostName: 'files.example.com' })).host, 'Files.Example.com');
});

test('aliases and explicit URL ports', () => {
  assert.ok(isSshHostAlias('prod_box'));
  assert.ok(isSshHostAlias('web.1+eu'));
  assert.ok(!isSshHostAlias('-oProxyCommand=x'));
  assert.ok(!isSshHostAlias('a b'));
  assert.ok(!isSshHostAlias('host:22'));
  assert.equal(urlNamesPort('sftp://u@h:2222/x'), true);
  assert.equal(urlNamesPort('sftp://h/x'), false);
  assert.equal(urlNamesPort('sftp://h:/x'), false);
  assert.equal(urlNamesPort('sftp://u@[::1]:2200/'), true);
  assert.equal(urlNamesPort('sftp://u@[::1]/'), false);
});
