/**
 * OpenSSH is the oracle: for every config in test/fixtures/sshconfig and every host on its
 * `# hosts:` line, resolveSshHost() must agree with `ssh -G -F FILE HOST` on each supported keyword.
 *
 * Mapping (ssh -G fills defaults and prints some values as written):
 * - port: ours undefined ⇔ ssh 22 (unless the config says 22); user: ours undefined ⇔ the local user;
 * - identityfile/certificatefile: ssh prints them as written; we expand `~` and tokens, so the test
 *   expands ssh's text with the values ssh itself printed (hostname, port, user) — the real expansion
 *   (incl. %C %l %L %i %k) is checked against `ssh -v` below; ours empty ⇔ ssh's default id_* list;
 * - userknownhostsfile/identityagent: ssh expands `~`/%d with the passwd home, we with HOME: the
 *   passwd home is mapped to the test's HOME; ours empty ⇔ ssh's default known_hosts{,2};
 * - proxycommand: ssh prints it unexpanded; %h %p %r %n are expanded here the way ssh does at connect;
 * - ciphers/kexalgorithms/macs/hostkeyalgorithms: ours undefined ⇔ ssh's default list;
 * - stricthostkeychecking: true/false ⇔ yes/no; connecttimeout none ⇔ undefined;
 *   serveraliveinterval 0 / serveralivecountmax 3 ⇔ undefined.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { resolveSshHost } from '../../src/core/sshconfig/resolve';
import { splitArgs } from '../../src/core/sshconfig/parse';
import { OPENSSH_DEFAULT_ALGORITHMS } from '../../src/core/sshconfig/algorithms';
import type { SshHostConfig } from '../../src/core/sshconfig/types';

const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'sshconfig');
const hasSsh = spawnSync('ssh', ['-V']).status === 0;
const pwHome = os.userInfo().homedir;
const localUser = os.userInfo().username;

function copyDir(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true, mode: 0o700 });
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isDirectory()) copyDir(src, dst);
    else {
      fs.copyFileSync(src, dst);
      fs.chmodSync(dst, 0o600);
    }
  }
}

function makeHome(): string {
  const home = fs.mkdtempSync(path.join(os.tmpdir(), 'st-sshconfig-'));
  copyDir(path.join(FIXTURES, 'ssh-dir'), path.join(home, '.ssh'));
  return home;
}

function sshG(file: string, host: string, home: string): Map<string, string[]> {
  const out = execFileSync('ssh', ['-G', '-F', file, host], { env: { ...process.env, HOME: home }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const m = new Map<string, string[]>();
  for (const line of out.split('\n')) {
    const i = line.indexOf(' ');
    if (i < 0) continue;
    const k = line.slice(0, i).toLowerCase();
    m.set(k, [...(m.get(k) ?? []), line.slice(i + 1)]);
  }
  return m;
}

function expandLikeSsh(s: string, home: string, tok: Record<string, string>): string {
  const t = s === '~' ? home : s.startsWith('~/') ? `${home}/${s.slice(2)}` : s;
  return t.replace(/%(.)/g, (_m, k: string) => (k === '%' ? '%' : (tok[k] ?? `%${k}`)));
}

function fromPwHome(s: string, home: string): string {
  return s.startsWith(pwHome + '/') ? home + s.slice(pwHome.length) : s;
}

const DEFAULT_IDS = ['id_rsa', 'id_ecdsa', 'id_ecdsa_sk', 'id_ed25519', 'id_ed25519_sk', 'id_xmss', 'id_dsa'].map((n) => `~/.ssh/${n}`);

function compare(file: string, host: string, home: string, ours: SshHostConfig, g: Map<string, string[]>): void {
  const one = (k: string) => g.get(k)?.[0];
  const where = `${path.basename(file)} ${host}`;
  assert.equal(ours.hostName, one('hostname'), `${where}: hostname`);
  assert.equal(String(ours.port ?? 22), one('port'), `${where}: port`);
  assert.equal(ours.user ?? localUser, one('user'), `${where}: user`);
  const tok = { h: one('hostname')!, p: one('port')!, r: one('user')!, u: localUser, d: home, n: host };
  const ids = g.get('identityfile') ?? [];
  if (ours.identityFiles.length === 0) assert.deepEqual(ids, DEFAULT_IDS, `${where}: identityfile defaults`);
  else assert.deepEqual(ours.identityFiles, ids.map((s) => expandLikeSsh(s, home, tok)), `${where}: identityfile`);
  assert.deepEqual(ours.certificateFiles, (g.get('certificatefile') ?? []).map((s) => expandLikeSsh(s, home, tok)), `${where}: certificatefile`);
  const ukh = (one('userknownhostsfile') ?? '').split(' ').map((s) => fromPwHome(s, home));
  if (ours.userKnownHostsFiles.length === 0) assert.deepEqual(ukh, [`${home}/.ssh/known_hosts`, `${home}/.ssh/known_hosts2`], `${where}: userknownhostsfile defaults`);
  else assert.deepEqual(ours.userKnownHostsFiles, ukh, `${where}: userknownhostsfile`);
  const agent = one('identityagent');
  assert.equal(ours.identityAgent, agent === undefined ? undefined : fromPwHome(agent, home), `${where}: identityagent`);
  assert.equal(ours.identitiesOnly ? 'yes' : 'no', one('identitiesonly'), `${where}: identitiesonly`);
  assert.equal(ours.hostKeyAlias, one('hostkeyalias'), `${where}: hostkeyalias`);
  assert.equal(ours.proxyJump?.join(','), one('proxyjump'), `${where}: proxyjump`);
  const pc = one('proxycommand');
  const pcExpanded = pc === undefined || pc === 'none' ? undefined : pc.replace(/%(.)/g, (_m, k: string) => (k === '%' ? '%' : ({ h: tok.h, p: tok.p, r: tok.r, n: tok.n } as Record<string, string>)[k] ?? `%${k}`));
  assert.equal(ours.proxyCommand, pcExpanded, `${where}: proxycommand`);
  assert.equal(ours.connectTimeout === undefined ? 'none' : String(ours.connectTimeout), one('connecttimeout'), `${where}: connecttimeout`);
  assert.equal(String(ours.serverAliveInterval ?? 0), one('serveraliveinterval'), `${where}: serveraliveinterval`);
  assert.equal(String(ours.serverAliveCountMax ?? 3), one('serveralivecountmax'), `${where}: serveralivecountmax`);
  assert.deepEqual(ours.ciphers ?? OPENSSH_DEFAULT_ALGORITHMS.ciphers, one('ciphers')!.split(','), `${where}: ciphers`);
  assert.deepEqual(ours.kexAlgorithms ?? OPENSSH_DEFAULT_ALGORITHMS.kexalgorithms, one('kexalgorithms')!.split(','), `${where}: kexalgorithms`);
  assert.deepEqual(ours.macs ?? OPENSSH_DEFAULT_ALGORITHMS.macs, one('macs')!.split(','), `${where}: macs`);
  assert.deepEqual(ours.hostKeyAlgorithms ?? OPENSSH_DEFAULT_ALGORITHMS.hostkeyalgorithms, one('hostkeyalgorithms')!.split(','), `${where}: hostkeyalgorithms`);
  const shk = { yes: 'true', no: 'false', ask: 'ask', 'accept-new': 'accept-new' }[ours.strictHostKeyChecking ?? 'ask'];
  assert.equal(shk, one('stricthostkeychecking'), `${where}: stricthostkeychecking`);
}

const corpus = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.conf')).sort();

test('the corpus is big enough to mean something', () => {
  assert.ok(corpus.length >= 15, `only ${corpus.length} configs`);
});

for (const name of corpus) {
  test(`ssh -G agrees: ${name}`, { skip: !hasSsh && 'OpenSSH client not installed' }, async () => {
    const home = makeHome();
    try {
      const file = path.join(home, name);
      fs.copyFileSync(path.join(FIXTURES, name), file);
      fs.chmodSync(file, 0o600);
      const hostsLine = /^# hosts: (.*)$/m.exec(fs.readFileSync(file, 'utf8'));
      assert.ok(hostsLine, `${name} has no "# hosts:" line`);
      for (const host of splitArgs(hostsLine[1])!) {
        const ours = await resolveSshHost(host, { file, home, localUser });
        compare(file, host, home, ours, sshG(file, host, home));
      }
    } finally {
      fs.rmSync(home, { recursive: true, force: true });
    }
  });
}

/** ssh -v names the identity and certificate files it really tries: the tokens' true expansion. */
test('IdentityFile/CertificateFile tokens expand as ssh -v shows them (%C %l %L %i %k %d %u %n %r %p %h)', { skip: !hasSsh && 'OpenSSH client not installed' }, async () => {
  const home = makeHome();
  const server = net.createServer((c) => setTimeout(() => c.destroy(), 200));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  try {
    const file = path.join(home, 'tokens');
    fs.writeFileSync(
      file,
      `Host tok\n  HostName 127.0.0.1\n  Port ${port}\n  User alice\n  HostKeyAlias keyalias\n  IdentityFile ~/.ssh/id_%h_%r_%p_%u_%d_%n_%l_%L_%C_%i_%k_%%\n  CertificateFile %d/c_%n-cert.pub\n`,
      { mode: 0o600 },
    );
    const stderr = await new Promise<string>((resolve) => {
      const ch = spawn('ssh', ['-v', '-F', file, '-o', 'BatchMode=yes', 'tok'], { env: { ...process.env, HOME: home }, stdio: ['ignore', 'ignore', 'pipe'] });
      let e = '';
      ch.stderr.on('data', (d: Buffer) => (e += d.toString()));
      ch.on('close', () => resolve(e));
    });
    const seen = (re: RegExp) => [...stderr.matchAll(re)].map((m) => m[1]);
    // ssh expands `~` and %d with the passwd home folder (not $HOME): resolve with that home here.
    const ours = await resolveSshHost('tok', { file, home: pwHome, localUser });
    assert.deepEqual(ours.identityFiles, seen(/identity file (\S+) type/g));
    assert.deepEqual(ours.certificateFiles, seen(/certificate file (\S+) type/g));
    const hash = createHash('sha1').update(`${os.hostname()}127.0.0.1${port}alice`).digest('hex');
    assert.ok(ours.identityFiles[0].includes(hash), 'the %C token is the connection hash');
  } finally {
    server.close();
    fs.rmSync(home, { recursive: true, force: true });
  }
});
