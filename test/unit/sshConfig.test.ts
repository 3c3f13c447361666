/** The ssh config resolver on hostile and edge input (the ssh -G agreement is sshConfigOracle.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { listSshHosts, parseSshTime, resolveSshHost } from '../../src/core/sshconfig/resolve';
import { parseLine, splitArgs } from '../../src/core/sshconfig/parse';
import { matchPattern, matchPatternList } from '../../src/core/sshconfig/pattern';
import { assembleAlgorithms } from '../../src/core/sshconfig/algorithms';
import { hasErrorCode } from '../../src/core/errors';

function tmpHome(files: Record<string, string>): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'st-sshcfg-'));
  for (const [name, text] of Object.entries(files)) {
    const p = path.join(home, name);
    fs.mkdirSync(path.dirname(p), { recursive: true, mode: 0o700 });
    fs.writeFileSync(p, text, { mode: 0o600 });
  }
  return home;
}

test('Match exec is never run: the block is skipped and the warning names file:line', async () => {
  const marker = path.join(os.tmpdir(), `st-sshcfg-exec-${process.pid}`);
  fs.rmSync(marker, { force: true });
  const home = tmpHome({ '.ssh/config': `Host x\n  Port 2\n\nMatch exec "touch ${marker}"\n  User pwned\nMatch localuser *\n  Port 99\n` });
  const r = await resolveSshHost('x', { home, localUser: 'me' });
  assert.equal(fs.existsSync(marker), false, 'nothing was spawned');
  assert.equal(r.user, undefined);
  assert.equal(r.port, 2);
  assert.match(r.warnings[0], /config:4: Match exec is never evaluated .* the block is skipped\./);
  assert.match(r.warnings[1], /config:6: Match localuser is never evaluated/);
});

test('Match exec behind a criterion that already failed says nothing', async () => {
  const home = tmpHome({ '.ssh/config': 'Match host other exec "true"\n  User u\n' });
  const r = await resolveSshHost('x', { home });
  assert.deepEqual(r.warnings, []);
});

test('an Include loop is bounded with one warning, not a crash', async () => {
  const home = tmpHome({ '.ssh/config': 'Include loop\nHost x\n  User u\n', '.ssh/loop': 'Include loop\n' });
  const r = await resolveSshHost('x', { home });
  assert.equal(r.user, 'u');
  assert.ok(r.warnings.some((w) => /loop:1: Include nests more than 16 files deep/.test(w)), r.warnings.join('\n'));
});

test('a huge file is refused in one sentence; explicit --ssh-config names it', async () => {
  const home = tmpHome({});
  const big = path.join(home, 'big');
  fs.writeFileSync(big, 'Host x\n' + '#'.repeat(2 * 1024 * 1024), { mode: 0o600 });
  await assert.rejects(resolveSshHost('x', { file: big, home }), (err: unknown) => hasErrorCode(err, 'bad-ssh-config') && /larger than 1 MiB/.test((err as Error).message));
  // as an Include: a warning, the rest still applies
  fs.writeFileSync(path.join(home, 'main'), `Include ${big}\nHost x\n  User u\n`, { mode: 0o600 });
  const r = await resolveSshHost('x', { file: path.join(home, 'main'), home });
  assert.equal(r.user, 'u');
  assert.match(r.warnings[0], /main:1: the ssh config file .*big is ignored/);
});

test('a missing explicit file is an error; a missing default file is nothing', async () => {
  const home = tmpHome({});
  await assert.rejects(resolveSshHost('x', { file: path.join(home, 'nope'), home }), /The ssh config file .*nope does not exist: point --ssh-config at/);
  const r = await resolveSshHost('x', { home });
  assert.deepEqual({ matched: r.matched, hostName: r.hostName, warnings: r.warnings }, { matched: false, hostName: 'x', warnings: [] });
  assert.equal((await resolveSshHost('x', { file: false })).hostName, 'x');
});

test('control characters, long lines and bad values: one warning each, the line ignored', async () => {
  const home = tmpHome({ '.ssh/config': `Host x\n  User a\u0007b\n  ${'User ' + 'y'.repeat(20000)}\n  Port 99999\n  Port 7\n  IdentityFile "unclosed\n  User ok\n` });
  const r = await resolveSshHost('x', { home });
  assert.equal(r.user, 'ok');
  assert.equal(r.port, 7);
  assert.equal(r.warnings.length, 4, r.warnings.join('\n'));
  assert.match(r.warnings[0], /config:2: the line contains control characters/);
  for (const w of r.warnings) assert.ok(!w.includes(String.fromCharCode(7)));
});

test('a config file others may write is refused (it could name any ProxyCommand)', async () => {
  const home = tmpHome({ '.ssh/config': 'Host x\n  User u\n' });
  fs.chmodSync(path.join(home, '.ssh/config'), 0o666);
  const r = await resolveSshHost('x', { home });
  assert.equal(r.user, undefined);
  assert.match(r.warnings[0], /bad owner or permissions/);
});

test('warnings are capped', async () => {
  const home = tmpHome({ '.ssh/config': 'Host x\n' + '  Port 0\n'.repeat(500) });
  const r = await resolveSshHost('x', { home });
  assert.equal(r.warnings.length, 21);
  assert.match(r.warnings[20], /and 480 more problems/);
});

test('matched is true only for a block that names the host', async () => {
  const home = tmpHome({ '.ssh/config': 'Host *\n  User all\nHost prod\n  HostName 10.0.0.1\n' });
  assert.equal((await resolveSshHost('prod', { home })).matched, true);
  assert.equal((await resolveSshHost('other', { home })).matched, false);
});

test('listSshHosts: concrete names in order, through Includes, no patterns or negations', async () => {
  const home = tmpHome({ '.ssh/config': 'Host prod staging *.corp !bad\nInclude conf.d/*\nHost prod web?\n', '.ssh/conf.d/a': 'Host db "quoted one"\n' });
  const { hosts } = await listSshHosts({ home });
  assert.deepEqual(hosts, ['prod', 'staging', 'db', 'quoted one']);
});

test('line syntax: = separator, quotes, escapes, comments', () => {
  assert.deepEqual(parseLine('  Port=22'), { kind: 'directive', keyword: 'port', args: ['22'], rest: '22' });
  assert.deepEqual(parseLine('HostName = a # c'), { kind: 'directive', keyword: 'hostname', args: ['a'], rest: 'a # c' });
  assert.deepEqual(splitArgs(`"a b" 'c d' e\\ f g\\"h`), ['a b', 'c d', 'e f', 'g"h']);
  assert.equal(splitArgs('"open'), undefined);
  assert.deepEqual(parseLine('# only a comment'), { kind: 'empty' });
  assert.equal(parseLine('Port').kind, 'error');
});

test('patterns and times', () => {
  assert.ok(matchPattern('web1', 'web?'));
  assert.ok(!matchPattern('web12', 'web?'));
  assert.ok(matchPattern('a.b.c', '*.c'));
  assert.ok(matchPattern('x'.repeat(5000), '*'.repeat(50) + 'y') === false, 'no exponential backtracking');
  assert.ok(matchPatternList('db.example.com', '*.example.com,!cache*'));
  assert.ok(!matchPatternList('cache.example.com', '*.example.com,!cache*'));
  assert.equal(parseSshTime('1m30s'), 90);
  assert.equal(parseSshTime('10'), 10);
  assert.equal(parseSshTime('1x'), undefined);
});

test('algorithm lists: + - ^ and explicit, never an unknown name', () => {
  assert.deepEqual(assembleAlgorithms('ciphers', 'aes256-gcm@openssh.com,bogus-cipher').list, ['aes256-gcm@openssh.com']);
  assert.equal(assembleAlgorithms('ciphers', '-*').problem, 'removes every algorithm');
  assert.equal(assembleAlgorithms('ciphers', 'bogus').problem, 'names no algorithm OpenSSH knows');
  assert.deepEqual(assembleAlgorithms('macs', '^hmac-sha2-512').list?.[0], 'hmac-sha2-512');
});
