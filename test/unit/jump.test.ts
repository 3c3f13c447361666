/** Jump-host syntax, where a route comes from (precedence), and that no profile or setting runs a program. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { checkProfileFile, validateUserProfiles, ProfileValidationError } from '../../src/core/profiles';
import { parseJumpSpec, splitJumpList } from '../../src/core/profiles/jump';
import { planRoute } from '../../src/core/session/routePlan';
import type { Profile } from '../../src/core/profiles/types';
import type { SshHostConfig } from '../../src/core/sshconfig/types';
import { exitCodeFor } from '../../src/core/errors';
import { parseJumpFlag } from '../../src/cli/connection';

const FILE = '.vscode/secure-transfer.json';
const sftp = { name: 'prod', protocol: 'sftp', host: 'app.internal', username: 'deploy' };

test('jump specs: user@host[:port], [v6]:port, ssh://, aliases; bad ones are undefined', () => {
  assert.deepEqual(parseJumpSpec('admin@bastion.example.com:2222'), { text: 'admin@bastion.example.com:2222', username: 'admin', host: 'bastion.example.com', port: 2222 });
  assert.deepEqual(parseJumpSpec('bastion'), { text: 'bastion', host: 'bastion' });
  assert.deepEqual(parseJumpSpec('bastion_eu'), { text: 'bastion_eu', host: 'bastion_eu' });
  assert.deepEqual(parseJumpSpec('root@[2001:db8::1]:22'), { text: 'root@[2001:db8::1]:22', username: 'root', host: '2001:db8::1', port: 22 });
  assert.deepEqual(parseJumpSpec('ssh://u@h:2'), { text: 'ssh://u@h:2', username: 'u', host: 'h', port: 2 });
  for (const bad of ['', 'a b', 'a,b', 'h:0', 'h:65536', 'h:22:33', '@h', 'u@', 'u@[nothost]:22', 'x'.repeat(301), '-oProxyCommand=x', 'h/x', 'h%p']) {
    assert.equal(parseJumpSpec(bad), undefined, bad);
  }
  assert.deepEqual(splitJumpList('a,b@c:2'), ['a', 'b@c:2']);
  assert.deepEqual(splitJumpList('none'), []);
});

test('a profile\'s jump entry that is not user@host[:port] gets one sentence naming the entry', () => {
  const { problems } = checkProfileFile({ profiles: [{ ...sftp, jump: ['ok@bastion', 'u@h:99999'] }] }, FILE);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].path, 'profiles[0].jump[1]');
  assert.match(problems[0].message, /jump\[1\]: the jump host "u@h:99999" is not a jump host: write user@host\[:port\]/);
  assert.equal(checkProfileFile({ profiles: [{ ...sftp, jump: ['ok@bastion:22', 'alias'] }] }, FILE).problems.length, 0);
  assert.equal(checkProfileFile({ profiles: [{ ...sftp, protocol: 'ftpes', jump: ['b'] }] }, FILE).problems[0].code, 'wrong-protocol');
});

test('proxyCommand (any spelling) in a profile file or the settings is refused: a repository never runs a program', () => {
  for (const key of ['proxyCommand', 'ProxyCommand', 'proxy_command', 'localCommand', 'knownHostsCommand']) {
    const { problems } = checkProfileFile({ profiles: [{ ...sftp, [key]: 'nc %h %p' }] }, FILE);
    assert.equal(problems.length, 1, key);
    assert.match(problems[0].message, /would run a program, and a profile \(which a repository can ship\) never runs one .*~\/\.ssh\/config/, key);
  }
  assert.throws(() => validateUserProfiles([{ ...sftp, proxyCommand: 'nc %h %p' }]), (err: unknown) => err instanceof ProfileValidationError && /would run a program/.test(err.message) && exitCodeFor(err) === 2);
});

const target = (extra: Partial<SshHostConfig> = {}): SshHostConfig => ({ host: 'app', matched: true, hostName: 'app.internal', identityFiles: [], certificateFiles: [], userKnownHostsFiles: [], warnings: [], ...extra });
const profile = (extra: Partial<Profile> = {}): Profile => ({ name: 'p', protocol: 'sftp', host: 'app.internal', port: 22, username: 'deploy', ...extra });
const opts = { sshConfig: { file: false as const }, localUser: 'me' };

test('route precedence: explicit hops win over ProxyJump and ProxyCommand; [] means direct; both in the config is refused', async () => {
  const explicit = await planRoute(profile({ jump: ['a@b1:2201', 'b2'] }), target({ proxyJump: ['cfg'], proxyCommand: 'nc %h %p' }), opts);
  assert.deepEqual(explicit.hops.map((h) => [h.server.username, h.server.host, h.server.port]), [['a', 'b1', 2201], ['me', 'b2', 22]]);
  assert.equal(explicit.proxyCommand, undefined);
  assert.equal(explicit.source, 'profile');
  assert.equal(explicit.hops[1].label, 'jump host 2 of 2 (b2:22)');
  assert.equal(explicit.hops[0].via, 'jump host 1 of 2 on the way to sftp://deploy@app.internal:22');

  const direct = await planRoute(profile({ jump: [] }), target({ proxyJump: ['cfg'] }), opts);
  assert.deepEqual(direct, { hops: [], source: 'none' });

  const fromConfig = await planRoute(profile(), target({ proxyJump: ['ops@cfg:2222'] }), opts);
  assert.deepEqual(fromConfig.hops.map((h) => h.server.host), ['cfg']);
  assert.equal(fromConfig.source, 'ssh-config');

  const command = await planRoute(profile(), target({ proxyCommand: 'nc %h %p' }), opts);
  assert.deepEqual(command, { hops: [], proxyCommand: 'nc %h %p', source: 'none' });

  await assert.rejects(planRoute(profile(), target({ proxyJump: ['x'], proxyCommand: 'nc' }), opts), /both ProxyJump and ProxyCommand/);
  await assert.rejects(planRoute(profile(), target({ proxyJump: ['bad host'] }), opts), /ProxyJump of app\.internal in your ssh config: "bad host" is not a jump host/);
  await assert.rejects(planRoute(profile({ jump: Array(9).fill('b') }), target(), opts), /at most 8/);
  assert.deepEqual(await planRoute(profile({ protocol: 'ftpes', jump: ['b'] }), target(), opts), { hops: [], source: 'none' });
});

test('--jump parses like ssh -J; "none" is direct; FTPS refuses it', () => {
  assert.deepEqual(parseJumpFlag('a@b:1,c', profile()), ['a@b:1', 'c']);
  assert.deepEqual(parseJumpFlag('none', profile()), []);
  assert.throws(() => parseJumpFlag('a@b,,c', profile()), /--jump "" is not a jump host/);
  assert.throws(() => parseJumpFlag('b', profile({ protocol: 'ftpes' })), /--jump applies to sftp:\/\/ servers only/);
});

test('the CLI\'s trust question names a jump host and its place on the route', async () => {
  const { cliTrustDecider } = await import('../../src/cli/trust');
  const { Writable, Readable } = await import('node:stream');
  let err = '';
  const ctx = {
    stdout: new Writable({ write: (_c, _e, cb) => cb() }),
    stderr: new Writable({ write: (c, _e, cb) => ((err += String(c)), cb()) }),
    stdin: Readable.from([]),
    env: {},
    cwd: '/',
    interactive: false,
    verbose: false,
  };
  const q = { kind: 'host-key' as const, server: { protocol: 'sftp' as const, host: 'bastion', port: 22 }, fingerprint: 'SHA256:x', keyType: 'ssh-ed25519', reason: 'unknown' };
  assert.equal(await cliTrustDecider(ctx, true)({ ...q, via: 'jump host 1 of 2 on the way to sftp://deploy@app:22' }), 'remember');
  assert.match(err, /^The host key of bastion:22, jump host 1 of 2 on the way to sftp:\/\/deploy@app:22, is not trusted yet/);
  err = '';
  await cliTrustDecider(ctx, true)(q);
  assert.match(err, /^The host key of bastion:22 is not trusted yet/);
});
