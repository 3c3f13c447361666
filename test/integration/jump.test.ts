/**
 * Jump hosts and ProxyCommand against real OpenSSH servers: a bastion sshd (LogLevel DEBUG1, so its log
 * shows each direct-tcpip channel it opened) and a target sshd. Each test proves from the servers' own
 * logs what reached them: the forwarded port on the bastion, and no authentication attempt on either
 * server when a host key is wrong or the policy forbids the bastion.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { authAttempts, clientKeys, forwardedPorts, startBastion, startSshd, stopAll, stopWithConnections, TEST_USER, type RunningServer } from '../harness';
import { connect, testConnection, type ConnectContext, type ConnectStep } from '../../src/core/connect';
import { connectSftp } from '../../src/core/session/sftp';
import { spawnProxyCommand } from '../../src/core/session/proxyCommand';
import { resolveSshHost } from '../../src/core/sshconfig/resolve';
import type { CredentialProvider } from '../../src/core/session/credentials';
import type { Profile, ServerAddress } from '../../src/core/profiles/types';
import { TrustStore } from '../../src/core/trust/trustStore';
import { refuseUnknown, type TrustQuestion } from '../../src/core/trust/types';
import { ActivityLog } from '../../src/core/audit/activityLog';
import { exitCodeFor, hasErrorCode } from '../../src/core/errors';
import { runCli } from '../../src/cli/main';
import type { CliContext } from '../../src/cli/context';

after(stopAll);

let bastion: RunningServer;
let bastion2: RunningServer;
let target: RunningServer;
let work: string;
let knownHosts: string;

const knownHostsLine = (s: RunningServer) => `[127.0.0.1]:${s.port} ${s.hostKeys![0].publicKeyFile ? '' : ''}`;

before(async () => {
  [bastion, bastion2, target] = await Promise.all([startBastion(), startBastion(), startSshd()]);
  work = await fs.mkdtemp(path.join(os.tmpdir(), 'st-jump-'));
  const lines = await Promise.all(
    [bastion, bastion2, target].map(async (s) => `[127.0.0.1]:${s.port} ${(await fs.readFile(s.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ')}`),
  );
  knownHosts = path.join(work, 'known_hosts');
  await fs.writeFile(knownHosts, lines.join('\n') + '\n');
  void knownHostsLine;
});

/** Passwords by server, recording who was asked (the keychain's job: one secret per hop's address). */
function passwordsByServer(asked: string[], table: Record<number, string> = {}): CredentialProvider {
  return {
    password: async (s: ServerAddress) => {
      asked.push(`password ${s.host}:${s.port}`);
      return table[s.port];
    },
    passphrase: async () => undefined,
    keyboardInteractive: async () => [],
  };
}

async function context(extra: Partial<ConnectContext> = {}): Promise<ConnectContext> {
  return {
    credentials: passwordsByServer([]),
    trustStore: new TrustStore(path.join(await fs.mkdtemp(path.join(work, 'ts-')), 'trust.json')),
    decide: refuseUnknown,
    knownHostsFiles: [knownHosts],
    sshConfig: { file: false },
    ...extra,
  };
}

const profileVia = (jump: string[], extra: Partial<Profile> = {}): Profile => ({
  name: 'behind',
  protocol: 'sftp',
  host: '127.0.0.1',
  port: target.port,
  username: TEST_USER.name,
  jump,
  ...extra,
});
const hop = (s: RunningServer) => `${TEST_USER.name}@127.0.0.1:${s.port}`;

describe('jump hosts (real sshd bastion and target)', () => {
  test('a listing through one bastion: the bastion forwarded to the target port; each hop logged in with its own password', async () => {
    const asked: string[] = [];
    const activityDir = await fs.mkdtemp(path.join(work, 'act-'));
    const ctx = await context({
      credentials: passwordsByServer(asked, { [bastion.port]: TEST_USER.password, [target.port]: TEST_USER.password }),
      activity: new ActivityLog(activityDir),
    });
    const before = forwardedPorts(await bastion.readLog()).length;
    const rfs = await connect(profileVia([hop(bastion)]), ctx);
    try {
      assert.ok(Array.isArray(await rfs.list('/')));
    } finally {
      await rfs.close();
    }
    const forwarded = forwardedPorts(await bastion.readLog()).slice(before);
    assert.deepEqual(forwarded, [target.port], 'the bastion opened exactly one channel, to the target');
    assert.deepEqual(asked, [`password 127.0.0.1:${bastion.port}`, `password 127.0.0.1:${target.port}`], 'each hop asked for its own server\'s password, bastion first');
    const entries = await new ActivityLog(activityDir).read();
    assert.ok(entries.some((e) => e.server === `sftp://127.0.0.1:${bastion.port}` && e.action === 'connect' && e.result === 'ok' && /jump host 1 of 1/.test(e.detail ?? '')), JSON.stringify(entries));
    assert.ok(entries.some((e) => e.server === `sftp://127.0.0.1:${target.port}` && e.action === 'connect' && e.result === 'ok'));
  });

  test('two bastions in a row: the first forwards to the second, the second to the target', async () => {
    const ctx = await context({ credentials: passwordsByServer([], { [bastion.port]: TEST_USER.password, [bastion2.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    const [b1, b2] = [forwardedPorts(await bastion.readLog()).length, forwardedPorts(await bastion2.readLog()).length];
    const rfs = await connect(profileVia([hop(bastion), hop(bastion2)]), ctx);
    await rfs.list('/');
    await rfs.close();
    assert.deepEqual(forwardedPorts(await bastion.readLog()).slice(b1), [bastion2.port]);
    assert.deepEqual(forwardedPorts(await bastion2.readLog()).slice(b2), [target.port]);
  });

  test('closing the session closes the whole chain (the bastion sees the disconnect)', async () => {
    const ctx = await context({ credentials: passwordsByServer([], { [bastion.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    const rfs = await connect(profileVia([hop(bastion)]), ctx);
    const mark = (await bastion.readLog()).length;
    await rfs.close();
    await waitFor(async () => /Disconnected from user|Received disconnect|Connection closed by/.test((await bastion.readLog()).slice(mark)), 'the bastion logs the disconnect');
  });

  test('a changed bastion key is refused before any credential reaches either server', async () => {
    const other = await startSshd(); // a different key on a port we pin the bastion's key for
    const badKnown = path.join(work, 'known_hosts_bad');
    const realKey = (await fs.readFile(bastion.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ');
    await fs.writeFile(badKnown, `[127.0.0.1]:${other.port} ${realKey}\n`);
    const asked: string[] = [];
    const targetMark = (await target.readLog()).length;
    const ctx = await context({ knownHostsFiles: [badKnown], credentials: passwordsByServer(asked, { [other.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    await assert.rejects(connect(profileVia([hop(other)]), ctx), (err: unknown) => hasErrorCode(err, 'host-key-changed') && exitCodeFor(err) === 3);
    assert.deepEqual(asked, [], 'no credential was asked for');
    assert.deepEqual(authAttempts(await other.readLog()), [], 'the (impostor) bastion saw no authentication attempt');
    assert.equal((await target.readLog()).slice(targetMark).match(/Connection from/g), null, 'the target saw no connection at all');
  });

  test('an unknown bastion key: the trust question names the hop and its place on the route', async () => {
    const questions: TrustQuestion[] = [];
    const ctx = await context({ knownHostsFiles: [path.join(work, 'empty_known_hosts')], decide: async (q) => (questions.push(q), 'reject') });
    await fs.writeFile(path.join(work, 'empty_known_hosts'), '');
    await assert.rejects(connect(profileVia([hop(bastion)]), ctx), (err: unknown) => hasErrorCode(err, 'host-key-unknown'));
    assert.equal(questions.length, 1);
    assert.equal(questions[0].server.port, bastion.port);
    assert.match(questions[0].via ?? '', new RegExp(`^jump host 1 of 1 on the way to sftp://${TEST_USER.name}@127\\.0\\.0\\.1:${target.port}$`));
  });

  test('a policy that forbids the bastion refuses before the first packet (the bastion logs no connection)', async () => {
    const mark = (await bastion.readLog()).length;
    const ctx = await context({ policy: { allowedHosts: ['files.example.com'] } });
    const steps: ConnectStep[] = [];
    await assert.rejects(connect({ ...profileVia([`${TEST_USER.name}@localhost:${bastion.port}`]), host: 'files.example.com' }, { ...ctx, onStep: (s) => steps.push(s) }), (err: unknown) => {
      assert.equal(exitCodeFor(err), 3);
      assert.match((err as Error).message, /^Jump host 1 of 1 \(localhost:\d+\): Connecting to localhost .*policy\.allowedHosts/);
      return true;
    });
    await new Promise((r) => setTimeout(r, 200));
    assert.doesNotMatch((await bastion.readLog()).slice(mark), /Connection from/, 'no packet reached the bastion');
    assert.equal(steps.at(-1)?.ok, false);
    assert.equal(steps.at(-1)?.phase, 'policy');
  });

  test('under a policy (allowedHosts, no passwords) the route works with a key: the first hop is audited, no password is asked of any server', async () => {
    const mark = (await bastion.readLog()).length;
    const asked: string[] = [];
    const keys = await clientKeys();
    const ctx = await context({ policy: { allowedHosts: ['127.0.0.1'], allowPasswordAuth: false }, credentials: passwordsByServer(asked, { [bastion.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    const rfs = await connect(profileVia([hop(bastion)], { identityFile: keys.ed25519.privateKeyFile }), ctx);
    await rfs.close();
    assert.deepEqual(asked, [], 'no password was asked for, for either server');
    const log = (await bastion.readLog()).slice(mark);
    assert.ok((log.match(/Connection from/g) ?? []).length >= 2, 'the audit probe, then the route');
    assert.ok(authAttempts(log).every((l) => !/password/.test(l)), authAttempts(log).join('\n'));
  });

  test('a bastion that drops fails the session with one sentence naming the hop', async () => {
    const b = await startBastion();
    const line = `[127.0.0.1]:${b.port} ${(await fs.readFile(b.hostKeys![0].publicKeyFile, 'utf8')).trim().split(' ').slice(0, 2).join(' ')}\n`;
    const kh = path.join(work, 'kh_drop');
    await fs.writeFile(kh, (await fs.readFile(knownHosts, 'utf8')) + line);
    const ctx = await context({ knownHostsFiles: [kh], credentials: passwordsByServer([], { [b.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    const rfs = await connect(profileVia([hop(b)]), ctx);
    const closed = new Promise<Error | undefined>((resolve) => rfs.onClose(resolve));
    await stopWithConnections(b); // the listener and its session processes: the hop's connection drops
    const err = await closed;
    assert.match(err?.message ?? '', new RegExp(`jump host 1 of 1 \\(127\\.0\\.0\\.1:${b.port}\\)`));
  });
});

/** Authentication attempts other than the audit probe's `none` query (which asks only for the methods offered). */
const credentialAttempts = (log: string) => authAttempts(log).filter((l) => !/\bnone\b/.test(l));
const AUDITED = (label: string) => new RegExp(`^Audited ${label.replace(/[.()]/g, '\\$&')}: no finding at or above high\\.$`);

describe('under a blocking policy every server of the route is audited through the route, before its login', () => {
  test('a weak target behind a bastion is refused: the probes went through the bastion, the target saw no credential', async () => {
    const weak = await startSshd({ variant: 'weak' });
    const asked: string[] = [];
    const steps: ConnectStep[] = [];
    const ctx = await context({ policy: { blockOnSeverity: 'high' }, onStep: (s) => steps.push(s), credentials: passwordsByServer(asked, { [bastion.port]: TEST_USER.password, [weak.port]: TEST_USER.password }) });
    const mark = forwardedPorts(await bastion.readLog()).length;
    await assert.rejects(connect({ ...profileVia([hop(bastion)]), port: weak.port }, ctx), (err: unknown) => {
      assert.equal(exitCodeFor(err), 3);
      assert.equal((err as { rule?: string }).rule, 'policy.blockOnSeverity');
      assert.match((err as Error).message, new RegExp(`^The policy \\(policy\\.blockOnSeverity\\) refuses sftp://127\\.0\\.0\\.1:${weak.port}: the audit found ".+" \\((high|critical)\\)`));
      return true;
    });
    assert.ok(steps.some((s) => AUDITED(`jump host 1 of 1 (127.0.0.1:${bastion.port})`).test(s.text)), JSON.stringify(steps));
    const last = steps.at(-1)!;
    assert.equal(last.ok, false);
    assert.equal(last.phase, 'target');
    assert.match(last.text, new RegExp(`^Auditing 127\\.0\\.0\\.1:${weak.port} through jump host 1 of 1 \\(127\\.0\\.0\\.1:${bastion.port}\\) failed: The policy \\(policy\\.blockOnSeverity\\) refuses`));
    const forwarded = forwardedPorts(await bastion.readLog()).slice(mark);
    assert.ok(forwarded.length >= 2 && forwarded.every((p) => p === weak.port), `the probes (banner, then one per host key) went through the bastion: ${forwarded.join(',')}`);
    assert.deepEqual(asked, [`password 127.0.0.1:${bastion.port}`], 'only the bastion was asked for a password; the weak target never was');
    const weakLog = await weak.readLog();
    assert.match(weakLog, /Connection from/, 'the probes reached the target');
    assert.deepEqual(credentialAttempts(weakLog), [], 'no credential reached the weak target');
    assert.doesNotMatch(weakLog, /Accepted|Failed password|Failed publickey/);
  });

  test('a clean target behind a bastion connects: each hop and the target audited through the route, in order', async () => {
    const steps: ConnectStep[] = [];
    const ctx = await context({ policy: { blockOnSeverity: 'high' }, onStep: (s) => steps.push(s), credentials: passwordsByServer([], { [bastion.port]: TEST_USER.password, [bastion2.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    const [m1, m2] = [forwardedPorts(await bastion.readLog()).length, forwardedPorts(await bastion2.readLog()).length];
    const rfs = await connect(profileVia([hop(bastion), hop(bastion2)]), ctx);
    await rfs.list('/');
    await rfs.close();
    const texts = steps.map((s) => s.text);
    const at = (re: RegExp) => {
      const i = texts.findIndex((t) => re.test(t));
      assert.ok(i >= 0, `${re} in\n${texts.join('\n')}`);
      return i;
    };
    const audit1 = at(AUDITED(`jump host 1 of 2 (127.0.0.1:${bastion.port})`));
    const login1 = at(/^Logged in to jump host 1 of 2/);
    const audit2 = at(AUDITED(`jump host 2 of 2 (127.0.0.1:${bastion2.port})`));
    const key2 = at(/^Jump host 2 of 2 .*identity verified/);
    const login2 = at(/^Logged in to jump host 2 of 2/);
    const auditT = at(AUDITED(`127.0.0.1:${target.port}`));
    const keyT = at(new RegExp(`^127\\.0\\.0\\.1:${target.port}: identity verified`));
    assert.ok(audit1 < login1 && login1 < audit2 && audit2 < key2 && key2 < login2 && login2 < auditT && auditT < keyT, texts.join('\n'));
    const f1 = forwardedPorts(await bastion.readLog()).slice(m1);
    const f2 = forwardedPorts(await bastion2.readLog()).slice(m2);
    assert.ok(f1.length >= 3 && f1.every((p) => p === bastion2.port), `bastion 1 carried the probes of bastion 2, then the route: ${f1.join(',')}`);
    assert.ok(f2.length >= 3 && f2.every((p) => p === target.port), `bastion 2 carried the target's probes, then the route: ${f2.join(',')}`);
  });

  test('a weak bastion is refused before its login: no credential reaches it, nothing reaches the target', async () => {
    const weakBastion = await startBastion({ variant: 'weak' });
    const asked: string[] = [];
    const steps: ConnectStep[] = [];
    const targetMark = (await target.readLog()).length;
    const ctx = await context({ policy: { blockOnSeverity: 'high' }, onStep: (s) => steps.push(s), credentials: passwordsByServer(asked, { [weakBastion.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    await assert.rejects(connect(profileVia([hop(weakBastion)]), ctx), (err: unknown) => {
      assert.equal((err as { rule?: string }).rule, 'policy.blockOnSeverity');
      assert.match((err as Error).message, new RegExp(`^The policy \\(policy\\.blockOnSeverity\\) refuses jump host 1 of 1 \\(127\\.0\\.0\\.1:${weakBastion.port}\\): the audit found`));
      return true;
    });
    assert.equal(steps.at(-1)?.phase, 'hop');
    assert.match(steps.at(-1)!.text, new RegExp(`^Auditing jump host 1 of 1 \\(127\\.0\\.0\\.1:${weakBastion.port}\\) failed: The policy`));
    assert.deepEqual(asked, []);
    const log = await weakBastion.readLog();
    assert.match(log, /Connection from/, 'the probes reached the bastion');
    assert.deepEqual(credentialAttempts(log), [], 'no credential reached the weak bastion');
    assert.deepEqual(forwardedPorts(log), [], 'it forwarded nothing');
    assert.doesNotMatch((await target.readLog()).slice(targetMark), /Connection from/, 'the target saw no connection at all');
  });

  test('a target behind a ProxyCommand is audited through the command (spawned once per probe connection, a few at a time)', async () => {
    // Three host keys: the probe's three handshakes would all run at once without the bound.
    const weak = await startSshd({ variant: 'weak', hostKeyTypes: ['rsa1024', 'dsa', 'ed25519'] });
    const counter = path.join(work, 'pc-audit-count');
    const script = path.join(work, 'nc-count.js');
    // Records when each run starts and ends; the overlap of those intervals is how many ran at once.
    await fs.writeFile(script, [
      "const fs=require('fs');const d=process.argv[4];fs.appendFileSync(d,'S '+Date.now()+'\\n');",
      "process.on('exit',()=>fs.appendFileSync(d,'E '+Date.now()+'\\n'));",
      "const s=require('net').connect(Number(process.argv[3]),process.argv[2]);process.stdin.pipe(s);s.pipe(process.stdout);",
      "s.on('close',()=>process.exit(0));process.on('SIGTERM',()=>process.exit(0));",
    ].join('\n'));
    const config = path.join(work, 'ssh_config_pc_audit');
    await fs.writeFile(config, `Host 127.0.0.1\n  ProxyCommand '${process.execPath}' '${script}' %h ${weak.port} '${counter}'\n`);
    const asked: string[] = [];
    const ctx = await context({ sshConfig: { file: config }, policy: { blockOnSeverity: 'high' }, credentials: passwordsByServer(asked, { [weak.port]: TEST_USER.password }) });
    await assert.rejects(connect({ name: 'pc', protocol: 'sftp', host: '127.0.0.1', port: weak.port, username: TEST_USER.name }, ctx), (err: unknown) => (err as { rule?: string }).rule === 'policy.blockOnSeverity');
    await waitFor(async () => {
      const t = await fs.readFile(counter, 'utf8');
      return (t.match(/^S/gm) ?? []).length === (t.match(/^E/gm) ?? []).length;
    }, 'every ProxyCommand run ended');
    const events = (await fs.readFile(counter, 'utf8')).trim().split('\n').map((l) => l.split(' ')).map(([k, t]) => ({ k, t: Number(t) }));
    assert.equal(events.filter((e) => e.k === 'S').length, 4, 'one run per probe connection: the banner, then one per host key');
    // Ends before starts at the same millisecond: a run that ended as another began did not overlap it.
    events.sort((a, b) => a.t - b.t || (a.k === 'E' ? -1 : 1));
    let live = 0;
    let most = 0;
    for (const e of events) most = Math.max(most, (live += e.k === 'S' ? 1 : -1));
    assert.ok(most <= 2, `at most two runs at once: ${most}`);
    assert.deepEqual(asked, []);
    assert.deepEqual(credentialAttempts(await weak.readLog()), []);
  });
});

describe('ProxyCommand (a program\'s stdio as the connection)', () => {
  test('an SSH session runs over a ProxyCommand stream; closing it ends the program', async () => {
    const script = path.join(work, 'nc.js');
    await fs.writeFile(script, "const s=require('net').connect(Number(process.argv[3]),process.argv[2]);process.stdin.pipe(s);s.pipe(process.stdout);s.on('close',()=>process.exit(0));\n");
    const stream = spawnProxyCommand(`'${process.execPath}' '${script}' 127.0.0.1 ${target.port}`);
    const fs2 = await connectSftp({
      server: { protocol: 'sftp', host: '127.0.0.1', port: target.port, username: TEST_USER.name },
      sock: stream,
      credentials: passwordsByServer([], { [target.port]: TEST_USER.password }),
      trust: { knownHostsFiles: [knownHosts], trustStore: new TrustStore(path.join(work, 'pc-trust.json')), decide: refuseUnknown },
    });
    assert.ok((await fs2.list('/')).length >= 0);
    await fs2.close();
    stream.destroy();
    await waitFor(async () => stream.exitText() !== undefined, 'the ProxyCommand exited');
  });

  test('a failing ProxyCommand\'s stderr is captured, bounded and escaped', async () => {
    // OpenSSH runs `exec COMMAND`, so the command is one program: node writing 15 kB of hostile stderr.
    const stream = spawnProxyCommand(`'${process.execPath}' -e 'process.stderr.write("nope\\u001b[31m ".repeat(3000));process.exitCode=7'`);
    stream.resume();
    stream.on('error', () => undefined);
    await waitFor(async () => stream.exitText() !== undefined, 'exited');
    const text = stream.exitText()!;
    assert.match(text, /exited with status 7/);
    assert.ok(!text.includes(String.fromCharCode(27)), "escape sequences are escaped");
    assert.ok(text.length < 6000, `bounded: ${text.length}`);
  });
});

describe('routes from the user\'s own ssh config (needs the ssh config resolver)', () => {
  /** True while core/sshconfig/resolve.ts is the skeleton's stub (it reads no file). */
  async function resolverIsStub(config: string): Promise<boolean> {
    const r = await resolveSshHost('127.0.0.1', { file: config });
    return r.proxyCommand === undefined && r.proxyJump === undefined;
  }

  test('ProxyCommand from a config file carries the connection, and the activity log records the command', async () => {
    const script = path.join(work, 'nc-config.js');
    await fs.writeFile(script, "const s=require('net').connect(Number(process.argv[3]),process.argv[2]);process.stdin.pipe(s);s.pipe(process.stdout);s.on('close',()=>process.exit(0));\n");
    const config = path.join(work, 'ssh_config_pc');
    await fs.writeFile(config, `Host 127.0.0.1\n  ProxyCommand '${process.execPath}' '${script}' %h ${target.port}\n`);
    assert.equal(await resolverIsStub(config), false, 'the resolver reads ProxyCommand/ProxyJump from the config');
    const activityDir = await fs.mkdtemp(path.join(work, 'act-pc-'));
    const steps: ConnectStep[] = [];
    const ctx = await context({ sshConfig: { file: config }, activity: new ActivityLog(activityDir), onStep: (s) => steps.push(s), credentials: passwordsByServer([], { [target.port]: TEST_USER.password }) });
    const rfs = await connect({ name: 'pc', protocol: 'sftp', host: '127.0.0.1', port: target.port, username: TEST_USER.name }, ctx);
    await rfs.list('/');
    await rfs.close();
    const entries = await new ActivityLog(activityDir).read();
    const recorded = entries.find((e) => e.result === 'proxy-command');
    assert.ok(recorded, JSON.stringify(entries));
    assert.ok(recorded.detail?.includes(script) && recorded.detail.includes(`127.0.0.1 ${target.port}`), recorded.detail);
    assert.ok(steps.some((s) => /^Started the ProxyCommand/.test(s.text)));
  });

  test('ProxyJump from a config file routes through the bastion', async () => {
    const config = path.join(work, 'ssh_config_pj');
    await fs.writeFile(config, `Host 127.0.0.1\n  ProxyJump ${hop(bastion)}\n`);
    assert.equal(await resolverIsStub(config), false, 'the resolver reads ProxyCommand/ProxyJump from the config');
    const mark = forwardedPorts(await bastion.readLog()).length;
    const ctx = await context({ sshConfig: { file: config }, credentials: passwordsByServer([], { [bastion.port]: TEST_USER.password, [target.port]: TEST_USER.password }) });
    const rfs = await connect({ name: 'pj', protocol: 'sftp', host: '127.0.0.1', port: target.port, username: TEST_USER.name }, ctx);
    await rfs.close();
    assert.deepEqual(forwardedPorts(await bastion.readLog()).slice(mark), [target.port]);
  });
});

describe('the CLI: --jump and secure-transfer test', () => {
  async function cli(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const { Writable, Readable } = await import('node:stream');
    const sink = (f: (s: string) => void) => new Writable({ write: (c, _e, cb) => (f(String(c)), cb()) });
    const ctx: CliContext = {
      stdout: sink((s) => (stdout += s)),
      stderr: sink((s) => (stderr += s)),
      stdin: Readable.from([stdin]),
      env: { PATH: process.env.PATH, HOME: work, SECURE_TRANSFER_STATE_DIR: path.join(work, 'state') },
      cwd: work,
      interactive: false,
      verbose: false,
    };
    void PassThrough;
    const code = await runCli(ctx, args);
    return { code, stdout, stderr };
  }
  const url = (p = '/') => `sftp://${TEST_USER.name}@127.0.0.1:${target.port}${p}`;

  test('ls through --jump with a key (the bastion forwarded to the target)', async () => {
    const keys = await clientKeys();
    const mark = forwardedPorts(await bastion.readLog()).length;
    const r = await cli(['ls', url('/'), '--jump', hop(bastion), '--known-hosts', knownHosts, '--identity', keys.ed25519.privateKeyFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(forwardedPorts(await bastion.readLog()).slice(mark), [target.port]);
  });

  test('get through a profile\'s "jump"', async () => {
    const keys = await clientKeys();
    await fs.writeFile(path.join(work, 'hello.txt'), 'x');
    const remote = path.join(TEST_USER.home, `jump-get-${process.pid}.txt`);
    await fs.writeFile(remote, 'through the bastion\n');
    const config = path.join(work, 'profiles.json');
    await fs.writeFile(config, JSON.stringify({ profiles: [{ name: 'behind', protocol: 'sftp', host: '127.0.0.1', port: target.port, username: TEST_USER.name, identityFile: keys.ed25519.privateKeyFile, jump: [hop(bastion)] }] }));
    const out = path.join(work, 'got.txt');
    const mark = forwardedPorts(await bastion.readLog()).length;
    const r = await cli(['get', `profile:behind/${path.basename(remote)}`, out, '--config', config, '--known-hosts', knownHosts]);
    await fs.rm(remote, { force: true });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(await fs.readFile(out, 'utf8'), 'through the bastion\n');
    assert.ok(forwardedPorts(await bastion.readLog()).slice(mark).every((p) => p === target.port) && forwardedPorts(await bastion.readLog()).length > mark);
  });

  test('a bad --jump is one sentence (exit 2)', async () => {
    const r = await cli(['ls', url('/'), '--jump', 'user@host:99999']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /--jump "user@host:99999" is not a jump host: write user@host\[:port\]/);
  });

  test('secure-transfer test: one ✓ line per step through the bastion, then ✗ with the reason when the target key is unknown', async () => {
    const keys = await clientKeys();
    const ok = await cli(['test', url('/'), '--jump', hop(bastion), '--known-hosts', knownHosts, '--identity', keys.ed25519.privateKeyFile]);
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const lines = ok.stdout.trim().split('\n');
    assert.ok(lines.every((l) => l.startsWith('✓ ')), ok.stdout);
    assert.match(lines[0], new RegExp(`^✓ Resolved ${TEST_USER.name}@127\\.0\\.0\\.1:${target.port} \\(as written`));
    assert.match(ok.stdout, /✓ Route: .* → /);
    assert.match(ok.stdout, new RegExp(`✓ Jump host 1 of 1 \\(127\\.0\\.0\\.1:${bastion.port}\\): identity verified \\(your known_hosts: ssh-ed25519 SHA256:`));
    assert.match(ok.stdout, /✓ Logged in to jump host 1 of 1/);
    assert.match(ok.stdout, new RegExp(`✓ 127\\.0\\.0\\.1:${target.port}: identity verified`));
    assert.match(ok.stdout, /✓ Logged in to sttest@127\.0\.0\.1:\d+\./);
    assert.match(ok.stdout, /✓ Listed \/: \d+ entr(y|ies)\./);
    assert.match(lines.at(-1)!, /^✓ Closed the connection\.$/);

    const onlyBastion = path.join(work, 'kh_only_bastion');
    await fs.writeFile(onlyBastion, (await fs.readFile(knownHosts, 'utf8')).split('\n').filter((l) => !l.includes(`]:${target.port} `)).join('\n'));
    const bad = await cli(['test', url('/'), '--jump', hop(bastion), '--known-hosts', onlyBastion, '--identity', keys.ed25519.privateKeyFile]);
    assert.equal(bad.code, 3, bad.stdout + bad.stderr);
    const last = bad.stdout.trim().split('\n').at(-1)!;
    assert.match(last, new RegExp(`^✗ Connecting to 127\\.0\\.0\\.1:${target.port} failed: The SSH host key of 127\\.0\\.0\\.1:${target.port} is not trusted yet`));
    assert.doesNotMatch(bad.stdout, /Listed/);
  });
});

describe('testConnection() without hops', () => {
  test('steps for a direct server end with the listing and the close', async () => {
    const steps: ConnectStep[] = [];
    const ctx = await context({ credentials: passwordsByServer([], { [target.port]: TEST_USER.password }) });
    const r = await testConnection({ name: 't', protocol: 'sftp', host: '127.0.0.1', port: target.port, username: TEST_USER.name }, ctx, undefined, (s) => steps.push(s));
    assert.equal(r.ok, true);
    assert.deepEqual(steps.map((s) => s.phase), ['config', 'target', 'target', 'target', 'target']);
  });
});

async function waitFor(check: () => Promise<boolean>, what: string, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`timed out waiting: ${what}`);
}
