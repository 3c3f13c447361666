/// <reference types="mocha" />
/**
 * Server Security overview against two real sshds, a sound one and a deliberately weak one (legacy
 * algorithms, RSA-1024): a row per profile, "not checked yet" before any audit, Audit All grades both
 * (the weak one worse) without a notification per server, Audit now refreshes one row's "checked", a
 * snapshot kept before grades existed still shows, and the Remote Files tooltip names the grade.
 */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { worseGrade } from '../../../src/core/audit/rules/grades';
import { serverOrigin } from '../../../src/core/profiles/serverAddress';
import type { Grade } from '../../../src/core/audit/types';
import type { ServerSecurityPanel } from '../../../src/extension/serverSecurity';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { answerUi, config, getApi } from './helpers';

const STRONG = 'security-sound';
const WEAK = 'security-weak';
const strongServer = `sftp://${config.sftp.host}:${config.sftp.port}`;
const weakServer = `sftp://${config.weakSftp.host}:${config.weakSftp.port}`;
/** Profiles of servers that refuse connections (nothing listens on these ports): their audits fail at once. */
const DOWN = [1, 2, 3, 4, 5].map((port) => ({ name: `security-down-${port}`, port }));
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

describe('Server Security overview', function () {
  this.timeout(180_000);
  let overview: ServerSecurityPanel | undefined;
  const row = (name: string) => overview!.rows().find((r) => r.profile === name);
  /** The table row of a profile as the webview shows it (its HTML between <tr> and </tr>). */
  const rowHtml = (name: string) => {
    const i = overview!.rows().findIndex((r) => r.profile === name);
    return overview!.panel.webview.html.split(`<tr data-row="${i}"`)[1]?.split('</tr>')[0] ?? '';
  };

  before(async () => {
    const api = await getApi();
    answerUi(api);
    await exec('addProfile', { protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, target: 'user', name: STRONG });
    await exec('addProfile', { protocol: 'sftp', host: config.weakSftp.host, port: config.weakSftp.port, username: config.user.name, target: 'user', name: WEAK });
    await api.services.audits.idle();
    // As if neither server had been audited yet (earlier suites audited both).
    for (const server of [strongServer, weakServer]) await api.services.context.globalState.update(`secureTransfer.audit/${server}`, undefined);
  });

  after(async () => {
    const api = await getApi();
    overview?.panel.dispose();
    await api.services.audits.idle();
    for (const a of api.services.audits.alerts) api.services.audits.clear(a.server);
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const mine = new Set([STRONG, WEAK, ...DOWN.map((d) => d.name)]);
    const kept = (settings.inspect<{ name: string }[]>('profiles')?.globalValue ?? []).filter((p) => !mine.has(p.name));
    await settings.update('profiles', kept, vscode.ConfigurationTarget.Global);
  });

  it('opens with a row for every profile; a server never audited says "not checked yet"', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    overview = await exec<ServerSecurityPanel>('showServerSecurity');
    assert.ok(overview, rec.errors.join(' '));
    assert.equal(overview.panel.title, 'Server Security');
    assert.deepEqual(overview.rows().map((r) => r.profile), api.services.profiles.profiles.map((p) => p.name));
    for (const name of [STRONG, WEAK]) {
      assert.equal(row(name)?.summary, undefined, name);
      assert.match(rowHtml(name), /not checked yet/);
      assert.match(rowHtml(name), />never</);
    }
    const html = overview.panel.webview.html;
    assert.match(html, /Content-Security-Policy/);
    assert.ok(!/script-src[^;]*unsafe-inline/.test(html));
    assert.ok(overview.panel.webview.options.enableScripts);
    // Opening it again brings the same panel forward.
    assert.equal(await exec<ServerSecurityPanel>('showServerSecurity'), overview);
  });

  it('Audit All grades both servers, the weak one worse, and interrupts nobody (the badge still says so)', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const done = await exec<ServerSecurityPanel>('auditAllProfiles');
    assert.equal(done, overview, rec.errors.join(' '));
    const strong = row(STRONG)?.summary;
    const weak = row(WEAK)?.summary;
    assert.ok(strong?.grade && weak?.grade, `both graded: ${JSON.stringify({ strong, weak })}`);
    assert.ok(worseGrade(weak.grade, strong.grade), `the weak server (${weak.grade}) grades worse than the sound one (${strong.grade})`);
    assert.ok(weak.worst && ['critical', 'high'].includes(weak.worst.severity), `the weak server's worst finding is high: ${JSON.stringify(weak.worst)}`);
    assert.ok((weak.counts?.high ?? 0) > 0);
    assert.match(rowHtml(WEAK), new RegExp(`class="grade grade-${weak.grade}"`));
    assert.ok(rowHtml(WEAK).includes(weak.worst.title), 'the row names the worst finding');
    assert.match(rowHtml(WEAK), /<time class="checked"[^>]*>just now<\/time>/);
    assert.match(rowHtml(STRONG), new RegExp(`class="grade grade-${strong.grade}"`));
    // Every row has a result or says why not (earlier suites leave profiles of hosts that don't exist).
    for (const r of overview!.rows()) assert.ok(r.summary || r.failure, `${r.profile}: audited, or its failure shown`);
    assert.deepEqual(rec.notifications, [], 'no notification per server while the table fills in');
    assert.ok(api.services.audits.alerts.some((a) => a.server === weakServer), 'the weak server\'s alert (badge) is kept');
    // What the overview shows is what the monitor remembers.
    assert.equal(api.services.audits.lastSnapshot(weakServer)?.grade, weak.grade);
  });

  it('Audit now of one row refreshes its "checked" time', async () => {
    const api = await getApi();
    answerUi(api);
    const before = row(WEAK)!.summary!.probedAt;
    await new Promise((r) => setTimeout(r, 20));
    await overview!.auditOne(WEAK);
    const after = row(WEAK)!.summary!.probedAt;
    assert.ok(Date.parse(after) > Date.parse(before), `${after} is later than ${before}`);
    assert.ok(rowHtml(WEAK).includes(`datetime="${new Date(after).toISOString()}"`));
    assert.ok(rowHtml(STRONG).includes(`datetime="${new Date(row(STRONG)!.summary!.probedAt).toISOString()}"`), 'the other row is unchanged');
  });

  it('the Remote Files tooltip of the profile row names the grade and the worst finding', async () => {
    const api = await getApi();
    const weak = row(WEAK)!.summary!;
    // As VS Code asks: the row, then its tooltip on hover (SFTP tooltips are resolved then).
    const node = (await api.services.tree.getChildren()).find((n): n is Extract<RemoteNode, { kind: 'profile' }> => n.kind === 'profile' && n.profile.name === WEAK)!;
    const item = await api.services.tree.resolveTreeItem(api.services.tree.getTreeItem(node), node);
    // appendText escaped it for Markdown (spaces as &nbsp;, punctuation with a backslash): read it as rendered.
    const text = (item.tooltip as vscode.MarkdownString).value.replace(/&nbsp;/g, ' ').replace(/\\(.)/g, '$1');
    assert.match(text, new RegExp(`Security: grade ${weak.grade as Grade} — `));
    assert.ok(text.includes(`${weak.worst!.title} (${weak.worst!.severity}) (checked just now)`), text);
  });

  it('Cancel stops Audit All from starting more audits; an audit that failed says why in its row', async () => {
    const api = await getApi();
    for (const d of DOWN) await exec('addProfile', { protocol: 'sftp', host: '127.0.0.1', port: d.port, username: config.user.name, target: 'user', name: d.name });
    const rec = answerUi(api);
    const servers = new Set(api.services.profiles.profiles.map((p) => serverOrigin(p))).size;
    let landed = 0;
    const sub = api.services.audits.onDidChangeSnapshot(() => landed++);
    try {
      const run = overview!.auditAll();
      overview!.cancel();
      await run;
      await api.services.audits.idle();
    } finally {
      sub.dispose();
    }
    const cancelled = rec.infos.map((m) => /^Audit All cancelled: (\d+) servers? not audited\.$/.exec(m)).find(Boolean);
    assert.ok(cancelled, `one sentence says how many were left out: ${JSON.stringify(rec.infos)}`);
    const skipped = Number(cancelled[1]);
    assert.ok(skipped >= servers - 3 && skipped > 0, `at most the three under way finish (${skipped} of ${servers} skipped)`);
    assert.equal(landed, servers - skipped, 'the audits under way finished and were recorded; no other started');
    assert.ok(overview!.rows().every((r) => r.state === undefined), 'no row waits any more');
    // The refused servers that were audited (now, by Audit now) show the one-sentence reason.
    await overview!.auditOne(DOWN[0].name);
    const down = overview!.rows().find((r) => r.profile === DOWN[0].name)!;
    assert.match(down.failure ?? '', /Could not audit sftp:\/\/127\.0\.0\.1:1: .*check the host, the port and that the server is running/);
    assert.match(rowHtml(DOWN[0].name), /Audit failed: Could not audit/);
    assert.match(rowHtml(DOWN[0].name), /not checked yet/);
  });

  it('a snapshot kept before grades existed still shows: its grade from the findings, "re-run" for the details', async () => {
    const api = await getApi();
    await api.services.context.globalState.update(`secureTransfer.audit/${strongServer}`, { probedAt: '2026-01-01T00:00:00.000Z', findings: { 'ssh-weak-mac': 'medium' }, fingerprints: [] });
    overview!.render();
    assert.equal(row(STRONG)?.summary?.grade, undefined);
    assert.match(rowHtml(STRONG), /class="grade grade-C" title="Grade C \(from an older audit: re-run for the details\)"/);
    assert.match(rowHtml(STRONG), /ssh-weak-mac/);
  });
});
