/// <reference types="mocha" />
/**
 * What only a login can see, in the editor: connecting a profile that expects MFA (mfa "prompt") to
 * the password-only harness sshd, with a world-writable remotePath, makes the AuditMonitor look at
 * that session (no extra login), keep the login report, alert once, write an activity entry, and the
 * Security Report show it under "Seen after logging in". Off with secureTransfer.auditOnConnect.
 */
import * as assert from 'node:assert/strict';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ReportPanel } from '../../../src/extension/securityReport';
import { SHOW_REPORT } from '../../../src/extension/auditMonitor';
import type { TestConnectionResult } from '../../../src/extension/commands/testConnection';
import { answerUi, config, getApi, testUserIds } from './helpers';

const P = 'login-audit-mfa';
const server = `sftp://${config.sftp.host}:${config.sftp.port}`;
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const LOGIN_STATE = `secureTransfer.auditLogin/${server}`;

describe('login audit after connecting', function () {
  this.timeout(60_000);
  const folder = path.posix.join(config.remoteDir, `login-audit-${Date.now()}`);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    await fsp.mkdir(folder);
    await fsp.chown(folder, ...testUserIds());
    await fsp.chmod(folder, 0o777);
    await exec('addProfile', { name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: folder, target: 'user' });
    // mfa and the pin go through the settings (Add Profile writes neither): the key is then trusted without a prompt.
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const profiles = (settings.inspect<Record<string, unknown>[]>('profiles')?.globalValue ?? []).map((p) => (p.name === P ? { ...p, mfa: 'prompt', fingerprints: [config.sftp.fingerprint] } : p));
    await settings.update('profiles', profiles, vscode.ConfigurationTarget.Global);
    await exec('refresh');
    await exec('setPassword', P, config.user.password);
    await api.services.audits.idle();
    await api.services.audits.forgetLogin(server);
    for (const a of api.services.audits.alerts) api.services.audits.clear(a.server);
  });

  after(async () => {
    const api = await getApi();
    await api.services.audits.idle();
    await api.services.connections.disconnect(P);
    await vscode.workspace.getConfiguration('secureTransfer').update('auditOnConnect', undefined, vscode.ConfigurationTarget.Global);
    // Later suites start from a server without this profile's login findings or alert.
    await api.services.audits.forgetLogin(server);
    for (const a of api.services.audits.alerts) api.services.audits.clear(a.server);
    await fsp.rm(folder, { recursive: true, force: true });
  });

  it('a single-factor login where MFA is expected and a world-writable start folder reach the AuditMonitor, one alert and the activity log', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    assert.equal(await exec('connect', P), true, rec.errors.join(' '));
    await api.services.audits.idle();
    const login = api.services.audits.lastLogin(server);
    assert.ok(login, 'the login report is kept for the server');
    assert.deepEqual(login.findings.map((f) => f.id).sort(), ['home-world-writable', 'login-single-factor']);
    assert.deepEqual(login.facts.authMethods, ['password']);
    assert.equal(login.facts.startFolder?.path, folder);
    const stored = api.services.context.globalState.get<{ findings: { id: string }[] }>(LOGIN_STATE);
    assert.deepEqual(stored?.findings.map((f) => f.id).sort(), ['home-world-writable', 'login-single-factor'], 'kept in globalState');
    assert.equal(rec.inputs.length, 0, 'nothing was asked: no extra login');
    const alert = rec.notifications.find((n) => /after logging in/.test(n.message));
    assert.ok(alert, JSON.stringify(rec.notifications));
    assert.deepEqual(alert.actions, [SHOW_REPORT]);
    assert.match(alert.message, new RegExp(`"${P}"`));
    assert.match(alert.message, /new: Logged in with a single factor where MFA is expected \(high\) after logging in/);
    const entries = await api.services.activity.read({ server });
    const entry = entries.reverse().find((e) => e.action === 'audit' && /after login/.test(e.detail ?? ''));
    assert.ok(entry, 'an audit entry for the login');
    assert.match(entry.detail!, /2 findings: .*login-single-factor \(high\)/);
    assert.match(entry.detail!, /home-world-writable \(high\)/);
  });

  it('the same findings on the next connection do not alert again', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const before = api.services.audits.lastLogin(server)!.checkedAt;
    await api.services.connections.disconnect(P);
    assert.equal(await exec('connect', P), true);
    await api.services.audits.idle();
    assert.notEqual(api.services.audits.lastLogin(server)!.checkedAt, before, 'looked at again: once per connection');
    assert.deepEqual(rec.notifications.filter((n) => /after logging in/.test(n.message)), []);
  });

  it('the Security Report shows them under "Seen after logging in", escaped, and the JSON export carries them', async () => {
    const api = await getApi();
    answerUi(api);
    const shown = await exec<ReportPanel>('showSecurityReport', P);
    assert.ok(shown);
    try {
      const html = shown.panel.webview.html;
      const at = html.indexOf('<section class="login">');
      assert.ok(at > 0, 'the login section is there');
      const section = html.slice(at, html.indexOf('</section>', at));
      assert.match(section, /Seen after logging in <span class="count">2<\/span>/);
      assert.match(section, /Checked <time class="checked" datetime="[^"]+"/);
      assert.match(section, /Logged in with a single factor where MFA is expected/);
      assert.ok(section.includes(`${folder} is drwxrwxrwx (0777)`), section);
      const json = await shown.exportAs('json', vscode.Uri.file(path.join(config.workspace, `login-audit-${Date.now()}.json`)));
      const parsed = JSON.parse(await fsp.readFile(json!.fsPath, 'utf8')) as { login?: { findings: { id: string }[] } };
      assert.deepEqual(parsed.login?.findings.map((f) => f.id).sort(), ['home-world-writable', 'login-single-factor']);
      await fsp.rm(json!.fsPath, { force: true });
    } finally {
      shown.panel.dispose();
    }
  });

  it('Test Connection lists the login findings after its steps', async () => {
    const api = await getApi();
    answerUi(api);
    const result = await exec<TestConnectionResult>('testConnection', P);
    assert.ok(result?.ok);
    const at = result.lines.indexOf('Seen after logging in (2 findings):');
    assert.ok(at > 0 && result.lines[at - 1] === '✓ Closed the connection.', result.lines.join('\n'));
    assert.match(result.lines[at + 1], /^ {2}HIGH Logged in with a single factor where MFA is expected: .* Fix: /);
    assert.ok(result.lines[at + 2].includes(`${folder} is drwxrwxrwx (0777)`));
  });

  it('with secureTransfer.auditOnConnect off, connecting looks at nothing', async () => {
    const api = await getApi();
    answerUi(api);
    await vscode.workspace.getConfiguration('secureTransfer').update('auditOnConnect', false, vscode.ConfigurationTarget.Global);
    const before = api.services.audits.lastLogin(server)!.checkedAt;
    await api.services.connections.disconnect(P);
    assert.equal(await exec('connect', P), true);
    await api.services.audits.idle();
    assert.equal(api.services.audits.lastLogin(server)!.checkedAt, before);
  });
});
