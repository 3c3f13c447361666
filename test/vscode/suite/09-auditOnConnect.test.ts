/// <reference types="mocha" />
/**
 * Audit on connect against a deliberately weak real sshd (legacy kex/ciphers/MACs, RSA-1024 key):
 * the first audit alerts (notification + badge on Remote Files), an identical one does not, a worse
 * finding does again, opening the report clears the badge, a changed key sets it.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { alertReasons, SHOW_REPORT, type AuditSnapshot } from '../../../src/extension/auditMonitor';
import type { ReportPanel } from '../../../src/extension/securityReport';
import { answerUi, config, getApi } from './helpers';

const WEAK = 'weak-sftp';
const CHANGED = 'weak-sftp-changed-key';
const server = `sftp://${config.weakSftp.host}:${config.weakSftp.port}`;
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

describe('audit on connect', function () {
  this.timeout(60_000);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    const base = { protocol: 'sftp', host: config.weakSftp.host, port: config.weakSftp.port, username: config.user.name, target: 'user' };
    await exec('addProfile', { ...base, name: WEAK });
    await exec('addProfile', { ...base, name: CHANGED });
    // Pinning goes through the settings (Add Profile writes no fingerprints): the key is then trusted without a prompt.
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const profiles = (settings.inspect<Record<string, unknown>[]>('profiles')?.globalValue ?? []).map((p) =>
      p.name === WEAK ? { ...p, fingerprints: config.weakSftp.fingerprints } : p.name === CHANGED ? { ...p, fingerprints: ['SHA256:' + 'B'.repeat(43)] } : p,
    );
    await settings.update('profiles', profiles, vscode.ConfigurationTarget.Global);
    await exec('refresh');
    await exec('setPassword', WEAK, config.user.password);
    await api.services.audits.idle();
    for (const a of api.services.audits.alerts) api.services.audits.clear(a.server);
    assert.equal(api.services.remoteFilesView.badge, undefined);
  });

  after(async () => {
    const api = await getApi();
    await api.services.audits.idle();
    await api.services.connections.disconnectAll();
  });

  it('the first audit of a weak server notifies once, with Show Security Report, and sets the badge', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    assert.equal(await exec('connect', WEAK), true, rec.errors.join(' '));
    await api.services.audits.idle();
    assert.equal(rec.notifications.length, 1);
    assert.deepEqual(rec.notifications[0].actions, [SHOW_REPORT]);
    assert.match(rec.notifications[0].message, new RegExp(`"${WEAK}"`));
    assert.match(rec.notifications[0].message, /\(high\)/, 'names a high finding of the weak server');
    assert.equal(api.services.remoteFilesView.badge?.value, 1);
    const snapshot = api.services.audits.lastSnapshot(server);
    assert.ok(snapshot && Object.keys(snapshot.findings).length > 0, 'the audit is cached per server');
    assert.deepEqual(snapshot.fingerprints, [...config.weakSftp.fingerprints].sort());
  });

  it('an identical second audit does not notify again, and reconnecting uses the cached audit', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const report = await api.services.audits.audit(api.services.profiles.find(WEAK)!);
    assert.ok(report && report.findings.length > 0);
    await exec('disconnect', WEAK);
    assert.equal(await exec('connect', WEAK), true);
    await api.services.audits.idle();
    assert.deepEqual(rec.notifications, []);
    assert.equal(api.services.remoteFilesView.badge?.value, 1, 'the unseen alert stays');
  });

  it('a finding worse than last time notifies again', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const last = api.services.audits.lastSnapshot(server)!;
    const [highId] = Object.entries(last.findings).find(([, sev]) => sev === 'high')!;
    // As if the last audit had seen this problem as merely low.
    await api.services.context.globalState.update(`secureTransfer.audit/${server}`, { ...last, findings: { ...last.findings, [highId]: 'low' } });
    await api.services.audits.audit(api.services.profiles.find(WEAK)!);
    assert.equal(rec.notifications.length, 1);
    assert.match(rec.notifications[0].message, /worse: .*\(low → high\)/);
  });

  it('Show Security Report clears the badge', async () => {
    const api = await getApi();
    answerUi(api);
    const shown = await exec<ReportPanel>('showSecurityReport', WEAK);
    assert.ok(shown);
    shown.panel.dispose();
    assert.equal(api.services.remoteFilesView.badge, undefined);
  });

  it('a changed key (refused by connect) sets the badge without a second dialog', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    assert.equal(await exec('connect', CHANGED), undefined);
    assert.equal(rec.modalErrors.length, 1, 'the changed-key modal');
    assert.deepEqual(rec.notifications, []);
    assert.equal(api.services.remoteFilesView.badge?.value, 1);
    assert.match(api.services.audits.alerts[0].reasons[0], /CHANGED/);
  });

  it('a certificate expiring within 30 days alerts once', () => {
    const titles = new Map<string, string>();
    const base: AuditSnapshot = { probedAt: new Date().toISOString(), findings: {}, fingerprints: ['SHA256:x'], certificateDaysLeft: 200 };
    assert.deepEqual(alertReasons(base, { ...base, certificateDaysLeft: 200 }, titles), []);
    assert.deepEqual(alertReasons(base, { ...base, certificateDaysLeft: 12 }, titles), ['the certificate expires in 12 day(s)']);
    assert.deepEqual(alertReasons({ ...base, certificateDaysLeft: 12 }, { ...base, certificateDaysLeft: 11 }, titles), []);
    assert.match(alertReasons(base, { ...base, fingerprints: ['SHA256:y'] }, titles)[0], /changed/);
    assert.deepEqual(alertReasons(base, { ...base, findings: { 'ssh-password-auth': 'low' } }, titles), [], 'low findings never interrupt');
  });
});
