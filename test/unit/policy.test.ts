import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  blocksAtSeverity,
  checkHostAllowed,
  checkProfileAgainstPolicy,
  effectiveMinTlsVersion,
  enforcePolicy,
  forbiddenAlgorithmEntry,
  mergePolicies,
  PolicyViolation,
  type Policy,
} from '../../src/core/policy';
import { exitCodeFor, SecurityRefusal } from '../../src/core/errors';
import type { Profile } from '../../src/core/profiles/types';

const profile = (over: Partial<Profile> = {}): Profile => ({ name: 'prod', protocol: 'sftp', host: 'files.example.com', port: 22, username: 'deploy', ...over });

test('checkHostAllowed: names, globs, CIDR for the resolved addresses', () => {
  const policy: Policy = { allowedHosts: ['build.internal', '*.example.com', '10.0.0.0/8', '::1/128'] };
  assert.equal(checkHostAllowed('build.internal', ['203.0.113.1'], policy), undefined, 'an allowed name is allowed wherever it resolves');
  assert.equal(checkHostAllowed('files.example.com', [], policy), undefined);
  assert.equal(checkHostAllowed('10.1.2.3', [], policy), undefined);
  assert.equal(checkHostAllowed('::1', [], policy), undefined);
  assert.equal(checkHostAllowed('db.corp', ['10.0.0.5', '10.9.9.9'], policy), undefined, 'a name resolving inside a range');
  const outside = checkHostAllowed('db.corp', ['10.0.0.5', '192.0.2.1'], policy);
  assert.ok(outside instanceof PolicyViolation, 'every resolved address must be inside');
  assert.equal(outside.rule, 'policy.allowedHosts');
  assert.match(outside.message, /^Connecting to db\.corp \(resolving to 10\.0\.0\.5, 192\.0\.2\.1\) is refused by policy\.allowedHosts \(allowed: build\.internal, \*\.example\.com, 10\.0\.0\.0\/8, ::1\/128\): connect to an allowed host/);
  assert.ok(checkHostAllowed('11.0.0.1', [], policy));
  assert.ok(checkHostAllowed('evil.com', ['10.0.0.1', 'not-an-ip'], policy), 'an unreadable address never counts as inside');
  assert.ok(checkHostAllowed('unresolved.corp', [], policy));
  assert.equal(checkHostAllowed('anything.at.all', [], {}), undefined, 'no allowedHosts: any host');
  assert.equal(exitCodeFor(checkHostAllowed('evil.com', [], policy)), 3);
});

test('mergePolicies: the stricter value wins for every rule', () => {
  const workspace: Policy = { allowedHosts: ['*.example.com'], minTlsVersion: 'TLSv1.2', requireMfa: false, allowPasswordAuth: true, forbiddenAlgorithms: ['ssh-rsa'], blockOnSeverity: 'high' };
  const user: Policy = { allowedHosts: ['10.0.0.0/8'], minTlsVersion: 'TLSv1.3', requireMfa: true, allowPasswordAuth: false, forbiddenAlgorithms: ['*-cbc', 'ssh-rsa'], blockOnSeverity: 'medium' };
  const merged = mergePolicies(workspace, user);
  assert.equal(merged.minTlsVersion, 'TLSv1.3');
  assert.equal(merged.requireMfa, true);
  assert.equal(merged.allowPasswordAuth, false);
  assert.deepEqual(merged.forbiddenAlgorithms, ['ssh-rsa', '*-cbc']);
  assert.equal(merged.blockOnSeverity, 'medium');
  assert.deepEqual(mergePolicies(user, workspace).blockOnSeverity, 'medium', 'order does not matter');
  assert.equal(mergePolicies(user, workspace).minTlsVersion, 'TLSv1.3');

  // allowedHosts intersect: a host must pass both lists.
  assert.equal(checkHostAllowed('files.example.com', ['10.1.1.1'], merged), undefined);
  assert.ok(checkHostAllowed('files.example.com', ['192.0.2.1'], merged), 'allowed by the workspace, not by the user');
  assert.ok(checkHostAllowed('10.1.1.1', [], merged), 'allowed by the user, not by the workspace');
});

test('mergePolicies: an unset rule takes the other side; nothing set means no restriction', () => {
  const merged = mergePolicies({ requireMfa: true }, { allowedHosts: ['a.example'], blockOnSeverity: 'low' });
  assert.equal(merged.requireMfa, true);
  assert.deepEqual(merged.allowedHosts, [['a.example']]);
  assert.equal(merged.blockOnSeverity, 'low');
  assert.equal(merged.allowPasswordAuth, true);
  const none = mergePolicies(undefined, undefined);
  assert.deepEqual([none.allowedHosts, none.requireMfa, none.allowPasswordAuth, none.forbiddenAlgorithms, none.blockOnSeverity, none.minTlsVersion], [[], false, true, [], 'critical', undefined]);
  assert.equal(mergePolicies(mergePolicies({ minTlsVersion: 'TLSv1.3' }, undefined), { minTlsVersion: 'TLSv1.2' }).minTlsVersion, 'TLSv1.3', 'merging is repeatable');
});

test('checkProfileAgainstPolicy names every broken rule and its fix', () => {
  const policy = mergePolicies({ allowedHosts: ['*.example.com'], requireMfa: true, allowPasswordAuth: false, minTlsVersion: 'TLSv1.3' }, undefined);
  const ok = profile({ mfa: 'totp', identityFile: '~/.ssh/id_ed25519' });
  assert.deepEqual(checkProfileAgainstPolicy(ok, policy), []);

  const bad = checkProfileAgainstPolicy(profile({ host: 'evil.com' }), policy);
  assert.deepEqual(bad.map((v) => v.rule), ['policy.allowedHosts', 'policy.requireMfa', 'policy.allowPasswordAuth']);
  for (const v of bad) {
    assert.ok(v instanceof SecurityRefusal);
    assert.equal(exitCodeFor(v), 3);
    assert.ok(v.message.includes(v.rule), v.message);
  }
  assert.match(bad[1].message, /Profile "prod" has no second factor but policy\.requireMfa is on: set "mfa" to "totp" or "prompt"/);
  assert.match(bad[2].message, /would log in with a password but policy\.allowPasswordAuth is false: set "identityFile" or "agent"/);

  const ftps = checkProfileAgainstPolicy(profile({ protocol: 'ftpes', port: 21, mfa: 'prompt', minTlsVersion: 'TLSv1.2' }), policy);
  assert.deepEqual(ftps.map((v) => v.rule), ['policy.allowPasswordAuth', 'policy.minTlsVersion']);
  assert.match(ftps[0].message, /uses ftpes, which logs in with a password/);
  assert.match(ftps[1].message, /accepts TLSv1\.2, below policy\.minTlsVersion TLSv1\.3: set "minTlsVersion" to "TLSv1\.3" or remove it/);

  assert.throws(() => enforcePolicy(profile({ host: 'evil.com', mfa: 'totp', agent: true }), policy), (e: unknown) => e instanceof PolicyViolation && e.rule === 'policy.allowedHosts');
});

test('a name that only a CIDR range could allow is judged when its addresses are known', () => {
  const policy: Policy = { allowedHosts: ['10.0.0.0/8'] };
  assert.deepEqual(checkProfileAgainstPolicy(profile({ host: 'db.corp' }), policy), [], 'undecided before DNS');
  assert.deepEqual(checkProfileAgainstPolicy(profile({ host: 'db.corp' }), policy, ['10.2.3.4']), []);
  assert.deepEqual(checkProfileAgainstPolicy(profile({ host: 'db.corp' }), policy, ['192.0.2.1']).map((v) => v.rule), ['policy.allowedHosts']);
  assert.deepEqual(checkProfileAgainstPolicy(profile({ host: '192.0.2.1' }), policy).map((v) => v.rule), ['policy.allowedHosts'], 'an address needs no DNS');
});

test('TLS floor, forbidden algorithms and blocking severity', () => {
  assert.equal(effectiveMinTlsVersion({}, undefined), 'TLSv1.2');
  assert.equal(effectiveMinTlsVersion({}, { minTlsVersion: 'TLSv1.3' }), 'TLSv1.3');
  assert.equal(effectiveMinTlsVersion({ minTlsVersion: 'TLSv1.3' }, { minTlsVersion: 'TLSv1.2' }), 'TLSv1.3');
  const policy: Policy = { forbiddenAlgorithms: ['ssh-rsa', '*-cbc', 'diffie-hellman-group14-sha1'], blockOnSeverity: 'medium' };
  assert.equal(forbiddenAlgorithmEntry('aes128-cbc', policy), '*-cbc');
  assert.equal(forbiddenAlgorithmEntry('ssh-rsa', policy), 'ssh-rsa');
  assert.equal(forbiddenAlgorithmEntry('rsa-sha2-512', policy), undefined);
  assert.equal(forbiddenAlgorithmEntry('aes128-ctr', policy), undefined);
  assert.equal(blocksAtSeverity('critical', policy), true);
  assert.equal(blocksAtSeverity('medium', policy), true);
  assert.equal(blocksAtSeverity('low', policy), false);
  assert.equal(blocksAtSeverity('high', {}), false, 'default: only critical blocks');
  assert.equal(blocksAtSeverity('critical', {}), true);
});
