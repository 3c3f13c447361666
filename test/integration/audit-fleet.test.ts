/**
 * Fleet audit (issue 16) as a user runs it: the bundled CLI, `audit --all` over a profile file of 20
 * profiles against REAL servers (OpenSSH default and weak, vsftpd explicit and weak, ProFTPD FTPS,
 * pure-ftpd; several profiles per server under different names), one port nobody listens on, one
 * ~/.ssh/config alias resolved to the harness sshd, and one profile behind a jump host. Then the
 * nightly CI loop: the same run with --baseline of the first is green; a baseline missing one
 * finding fails with exit 4 naming exactly that finding; SARIF has one run per entry (the bastion,
 * audited in its target's place, is an entry of its own).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { freePort, startProftpd, startPureFtpd, startSshd, startVsftpd, stopAll, TEST_USER, type RunningServer } from '../harness';

after(stopAll);

const CLI = path.resolve(__dirname, '../../../dist/cli.js');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

let home: string;
let stateDir: string;
let work: string;

async function cli(args: string[]): Promise<Run> {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: work,
    // No proxy variables: every probe goes directly to the loopback servers.
    env: { PATH: process.env.PATH, HOME: home, SECURE_TRANSFER_STATE_DIR: stateDir },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end('');
  const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? -1)));
  return { code, stdout, stderr };
}

interface JsonFinding {
  id: string;
  severity: string;
  subject?: string;
}
interface JsonFleet {
  kind: string;
  entries: Array<{ name: string; server: string; grade?: string; error?: string; errorCode?: string; report?: { server: string; probedAt: string; grade: string; findings: JsonFinding[] } }>;
  baseline?: { changes: Array<{ name: string; server: string; id: string; subject?: string; severity: string; before?: string }> };
}

describe('audit --all: 20 profiles against real servers', () => {
  const servers: Record<string, RunningServer> = {};
  let config: string;
  let unreachablePort: number;
  let firstRun: Run;
  let first: JsonFleet;
  const profiles: Array<Record<string, unknown>> = [];
  /** Profile name → the server it really reaches. */
  const expected = new Map<string, string>();

  before(async () => {
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'st-fleet-home-'));
    stateDir = await fs.mkdtemp(path.join(os.tmpdir(), 'st-fleet-state-'));
    work = await fs.mkdtemp(path.join(os.tmpdir(), 'st-fleet-work-'));
    const [sshd, sshdWeak, vsftpd, vsftpdWeak, proftpd, pureftpd] = await Promise.all([
      startSshd(),
      startSshd({ variant: 'weak' }),
      startVsftpd({ mode: 'explicit' }),
      startVsftpd({ mode: 'weak' }),
      startProftpd({ mode: 'ftps' }),
      startPureFtpd(),
    ]);
    Object.assign(servers, { sshd, sshdWeak, vsftpd, vsftpdWeak, proftpd, pureftpd });
    unreachablePort = await freePort();
    const add = (name: string, s: RunningServer, copies: number) => {
      for (let i = 1; i <= copies; i++) {
        const n = `${name}-${i}`;
        profiles.push({ name: n, protocol: s.protocol === 'sftp' ? 'sftp' : 'ftpes', host: '127.0.0.1', port: s.port, username: TEST_USER.name });
        expected.set(n, `${s.protocol === 'sftp' ? 'sftp' : 'ftpes'}://127.0.0.1:${s.port}`);
      }
    };
    add('openssh', sshd, 3);
    add('openssh-weak', sshdWeak, 3);
    add('vsftpd', vsftpd, 3);
    add('vsftpd-weak', vsftpdWeak, 3);
    add('proftpd', proftpd, 3);
    add('pure-ftpd', pureftpd, 2);
    // An ssh-config alias: no port in the profile, so the config's HostName and Port decide.
    await fs.mkdir(path.join(home, '.ssh'), { recursive: true, mode: 0o700 });
    await fs.writeFile(path.join(home, '.ssh', 'config'), `Host fleet-alias\n  HostName 127.0.0.1\n  Port ${sshd.port}\n  User ${TEST_USER.name}\n`);
    profiles.push({ name: 'alias', protocol: 'sftp', host: 'fleet-alias', username: TEST_USER.name });
    expected.set('alias', `sftp://127.0.0.1:${sshd.port}`);
    expected.set('jump host of behind-bastion', `sftp://localhost:${sshd.port}`);
    profiles.push({ name: 'unreachable', protocol: 'sftp', host: '127.0.0.1', port: unreachablePort, username: TEST_USER.name });
    // Its bastion is the harness sshd under another name (localhost), so no other profile audits it already.
    profiles.push({ name: 'behind-bastion', protocol: 'sftp', host: '10.255.255.1', port: 22, username: TEST_USER.name, jump: [`${TEST_USER.name}@localhost:${sshd.port}`] });
    assert.equal(profiles.length, 20);
    config = path.join(work, 'fleet.json');
    await fs.writeFile(config, JSON.stringify({ profiles }, null, 2));

    firstRun = await cli(['audit', '--all', '--config', config, '--format', 'json', '--parallel', '6']);
    first = JSON.parse(firstRun.stdout) as JsonFleet;
  });

  test('one run, one entry per profile in file order (then the bastion): real addresses, grades, the unreachable and the bastion-bound ones as one sentence each', async () => {
    assert.equal(first.kind, 'secure-transfer-fleet-audit');
    // The target behind the bastion is not probed; the bastion, reached without credentials, is (its own entry, last).
    assert.deepEqual(first.entries.map((e) => e.name), [...profiles.map((p) => p.name), 'jump host of behind-bastion']);
    for (const e of first.entries) {
      if (e.name === 'unreachable' || e.name === 'behind-bastion') continue;
      assert.ok(e.report, `${e.name} was audited: ${e.error}`);
      assert.equal(e.report.server, expected.get(e.name), `${e.name} probed at its real address`);
      assert.match(e.grade ?? '', /^[A-F]$/, `${e.name} has a grade`);
      assert.equal(e.grade, e.report.grade);
    }
    // The alias is the same server as openssh-1, so the same findings.
    const ids = (name: string) => first.entries.find((e) => e.name === name)!.report!.findings.map((f) => `${f.id} ${f.subject ?? ''}`).sort();
    assert.deepEqual(ids('alias'), ids('openssh-1'));
    const weak = first.entries.find((e) => e.name === 'openssh-weak-1')!;
    assert.ok(['D', 'E', 'F'].includes(weak.grade!), `the weak sshd grades low (${weak.grade})`);
    const down = first.entries.find((e) => e.name === 'unreachable')!;
    assert.equal(down.errorCode, 'audit-unreachable');
    assert.match(down.error!, new RegExp(`^Could not audit sftp://127\\.0\\.0\\.1:${unreachablePort}: .*; check the host, the port and that the server is running\\.$`));
    const bastion = first.entries.find((e) => e.name === 'behind-bastion')!;
    assert.equal(bastion.errorCode, 'audit-behind-jump-host');
    assert.match(bastion.error!, /^sftp:\/\/10\.255\.255\.1:22 was not probed: it is reached through jump host 1 of 1 \(localhost:\d+\), and probing it there would need a login to the jump host, which an audit never does; .*\.$/);
    // Findings at high or worse (the weak servers): exit 4, which wins over "a server could not be audited".
    assert.equal(firstRun.code, 4, firstRun.stderr);
    assert.equal(firstRun.stderr, '');
    // Profiles that reach one server the same way share one audit (one probe run, one report).
    const probedAt = (names: string[]) => new Set(names.map((n) => first.entries.find((e) => e.name === n)!.report!.probedAt));
    for (const group of [['openssh-1', 'openssh-2', 'openssh-3'], ['vsftpd-weak-1', 'vsftpd-weak-2', 'vsftpd-weak-3'], ['pure-ftpd-1', 'pure-ftpd-2']]) assert.equal(probedAt(group).size, 1, group.join(', '));
    // One 'audit' entry per audit made in the activity log: one per shared report, one per failure.
    const log = (await fs.readFile(path.join(stateDir, 'activity', 'activity.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { action: string; result: string; server: string });
    const audits = log.filter((l) => l.action === 'audit');
    const made = new Set(first.entries.filter((e) => e.report).map((e) => `${e.report!.server} ${e.report!.probedAt}`));
    assert.equal(audits.filter((l) => l.result !== 'failed').length, made.size);
    assert.equal(audits.filter((l) => l.result === 'failed').length, 2);
  });

  test('--baseline of that run: nothing new, exit 0 (the unreachable server was not audited then either)', async () => {
    const baseline = path.join(work, 'last.json');
    await fs.writeFile(baseline, firstRun.stdout);
    const again = await cli(['audit', '--all', '--config', config, '--baseline', baseline, '--parallel', '6']);
    assert.equal(again.code, 0, again.stdout + again.stderr);
    assert.match(again.stdout, /^Nothing new or worse since the baseline\.$/m);
  });

  test('a baseline without one finding: exit 4, and the report names exactly that finding, first', async () => {
    const victim = first.entries.find((e) => e.name === 'vsftpd-weak-1')!;
    const dropped = victim.report!.findings[0];
    const edited = JSON.parse(firstRun.stdout) as JsonFleet;
    // Every profile of that server (findings are compared by server, rule and subject).
    for (const e of edited.entries) if (e.report?.server === victim.report!.server) e.report.findings = e.report.findings.filter((f) => !(f.id === dropped.id && f.subject === dropped.subject));
    const baseline = path.join(work, 'edited.json');
    await fs.writeFile(baseline, JSON.stringify(edited));
    const r = await cli(['audit', '--all', '--config', config, '--baseline', baseline, '--format', 'json', '--parallel', '6']);
    assert.equal(r.code, 4, r.stderr);
    const out = JSON.parse(r.stdout) as JsonFleet;
    assert.deepEqual(out.baseline!.changes.map((c) => [c.server, c.id, c.subject]), [[victim.report!.server, dropped.id, dropped.subject]]);
    assert.equal(out.baseline!.changes[0].name, 'vsftpd-weak-1');
    const text = await cli(['audit', '--all', '--config', config, '--baseline', baseline, '--parallel', '6']);
    assert.equal(text.code, 4);
    const lines = text.stdout.split('\n');
    assert.equal(lines[2], 'NEW OR WORSE SINCE THE BASELINE (1)', text.stdout);
    assert.match(lines[3], new RegExp(`^  ${dropped.severity.toUpperCase()} new: vsftpd-weak-1 \\(${victim.report!.server.replace(/[.]/g, '\\.')}\\) \\[${dropped.id}\\]`));
    // --fail-on above the finding's severity: the same change no longer fails the run.
    if (dropped.severity !== 'critical') {
      const lenient = await cli(['audit', '--all', '--config', config, '--baseline', baseline, '--fail-on', 'critical', '--parallel', '6']);
      assert.equal(lenient.code, 0, lenient.stdout);
    }
  });

  test('a damaged baseline is one sentence and exit 2, before anything is probed', async () => {
    const cut = path.join(work, 'cut.json');
    await fs.writeFile(cut, firstRun.stdout.slice(0, 200));
    const r = await cli(['audit', '--all', '--config', config, '--baseline', cut]);
    assert.equal(r.code, 2);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, /^secure-transfer audit: The baseline .*cut\.json is not JSON \(damaged or cut short\?\): give the JSON report of an earlier run .*\.\n$/);
  });

  test('--format sarif: one run per entry (the two not audited as failed invocations), written with --output', async () => {
    const out = path.join(work, 'fleet.sarif');
    const r = await cli(['audit', '--all', '--config', config, '--format', 'sarif', '--output', out, '--parallel', '6']);
    assert.equal(r.code, 4, r.stderr);
    assert.equal(r.stdout, '');
    const sarif = JSON.parse(await fs.readFile(out, 'utf8')) as { runs: Array<{ automationDetails: { id: string }; invocations: Array<{ executionSuccessful: boolean }>; results: unknown[] }> };
    assert.equal(sarif.runs.length, 21);
    assert.equal(new Set(sarif.runs.map((x) => x.automationDetails.id)).size, 21);
    assert.equal(sarif.runs.filter((x) => !x.invocations[0].executionSuccessful).length, 2);
    assert.ok(sarif.runs[3].results.length > 0, 'the weak sshd has results');
  });

  test('audit profile:NAME: the single-server report as before, at the alias\'s real address', async () => {
    const r = await cli(['audit', 'profile:alias', '--config', config, '--format', 'json']);
    const report = JSON.parse(r.stdout) as { kind?: string; server: string; findings: JsonFinding[] };
    assert.equal(report.kind, undefined, 'the single-report shape');
    assert.equal(report.server, `sftp://127.0.0.1:${servers.sshd.port}`);
    const high = report.findings.some((f) => ['critical', 'high'].includes(f.severity));
    assert.equal(r.code, high ? 4 : 0, r.stderr);
    const missing = await cli(['audit', 'profile:nope', '--config', config]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /^secure-transfer audit: There is no profile "nope" in .*fleet\.json \(profiles: openssh-1, /);
    const behind = await cli(['audit', 'profile:behind-bastion', '--config', config]);
    assert.equal(behind.code, 1);
    assert.match(behind.stderr, /^secure-transfer audit: sftp:\/\/10\.255\.255\.1:22 was not probed: .*\n$/);
  });

  test('several targets in one call (a URL and a profile) make one combined report', async () => {
    const r = await cli(['audit', `sftp://127.0.0.1:${servers.sshd.port}`, 'profile:pure-ftpd-1', '--config', config, '--format', 'markdown']);
    assert.match(r.stdout, /^# Fleet security audit$/m);
    assert.match(r.stdout, /^\| sftp:\/\/127\.0\.0\.1:\d+ \| sftp:\/\/127\.0\.0\.1:\d+ \| [A-F] \|/m);
    assert.match(r.stdout, /^\| pure-ftpd-1 \| ftpes:\/\/127\.0\.0\.1:\d+ \| [A-F] \|/m);
  });
});
