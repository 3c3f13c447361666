/// <reference types="mocha" />
/**
 * The Activity view and the Security Report, driven as a user drives them: context-menu commands get
 * the tree element, title buttons get nothing (their quick picks are answered), the editor saves a
 * real document. Every write shows up in the view with a human size and a local time; the filters
 * (server, action) and live updates work; the report's rows name the algorithms; exports get a
 * default name and Markdown opens rendered.
 */
import * as assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, promises as fsp } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ActivityEntry } from '../../../src/core/audit/activityLog';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { remoteUri } from '../../../src/extension/remoteUri';
import type { ReportPanel } from '../../../src/extension/securityReport';
import { answerUi, config, getApi, waitFor, testUserIds as ids } from './helpers';

const P = 'sftp-test';
const WEAK = 'views-weak-sftp';
const server = `sftp://${config.sftp.host}:${config.sftp.port}`;
const base = path.posix.join(config.remoteDir, 'sftp');
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

/** The Activity view's rows as the user sees them: label and description. */
async function rows(): Promise<Array<{ label: string; description: string; entry: ActivityEntry }>> {
  const api = await getApi();
  const view = api.services.activityView;
  return (await view.getChildren()).map((entry) => {
    const item = view.getTreeItem(entry);
    return { label: String(item.label), description: String(item.description), entry };
  });
}

/** A node of the Remote Files tree, found by walking it from the profile as a user expands it. */
async function node(remotePath: string): Promise<RemoteNode> {
  const api = await getApi();
  const tree = api.services.tree;
  const profile = (await tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
  if (profile.kind === 'profile' && profile.profile.remotePath === remotePath) return profile;
  let level = await tree.getChildren(profile);
  let found: RemoteNode | undefined;
  for (;;) {
    found = level.find((n) => n.kind === 'entry' && (n.path === remotePath || remotePath.startsWith(n.path + '/')));
    if (!found || (found.kind === 'entry' && found.path === remotePath)) break;
    level = await tree.getChildren(found);
  }
  assert.ok(found, `${remotePath} is in the tree`);
  return found;
}

describe('Activity view and Security Report (22-views)', function () {
  this.timeout(90_000);
  const stamp = Date.now();
  const folder = path.posix.join(base, `views-${stamp}`);
  const file = path.posix.join(folder, 'notes.txt');
  const renamed = path.posix.join(folder, 'renamed.txt');

  before(async () => {
    const api = await getApi();
    answerUi(api, { confirm: (_m, actions) => actions.find((a) => /remember/i.test(a)) });
    if (!api.services.profiles.find(P)) {
      // Run alone (--grep): the profile 03-sftp makes, on the folder it makes for the test user.
      mkdirSync(base, { recursive: true });
      await fsp.chown(base, ...ids());
      await exec('addProfile', { name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: base, target: 'user' });
    }
    await exec('setPassword', P, config.user.password);
    assert.equal(await exec('connect', P), true);
    api.services.activityView.setFilter({});
  });

  after(async () => {
    const api = await getApi();
    api.services.activityView.setFilter({});
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('New Folder, an editor save, Rename and Delete (from the tree\'s context menu) appear in the view, newest first, with human sizes and local times', async () => {
    const api = await getApi();
    // New Folder on the sftp folder's node: VS Code passes the node; the name is typed.
    const rec = answerUi(api, {
      input: (o) => (o.prompt?.startsWith('New folder') ? path.posix.basename(folder) : o.prompt?.startsWith('New name') ? 'renamed.txt' : undefined),
      confirm: (_m, actions) => actions.find((a) => /^Delete/.test(a)),
    });
    assert.equal(await exec('newFolder', await node(base)), folder, rec.errors.join(' '));

    // An editor save: a new remote file, opened, edited to 2 KiB and saved with Ctrl+S's command.
    const uri = remoteUri(P, file);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode('first\n'));
    const doc = await vscode.workspace.openTextDocument(uri);
    const editor = await vscode.window.showTextDocument(doc);
    await editor.edit((e) => e.replace(new vscode.Range(0, 0, doc.lineCount, 0), 'x'.repeat(2047) + '\n'));
    assert.equal(await doc.save(), true, 'saved');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    // Rename and Delete on the file's node.
    assert.equal(await exec('rename', await node(file)), renamed, rec.errors.join(' '));
    assert.equal(await exec('delete', await node(renamed)), true, rec.errors.join(' '));
    assert.deepEqual(rec.errors, []);

    const mine = (await rows()).filter((r) => [folder, file, renamed].includes(r.entry.path ?? ''));
    assert.deepEqual(
      mine.map((r) => r.label),
      ['Deleted renamed.txt', 'Renamed notes.txt → renamed.txt', 'Saved notes.txt', 'Saved notes.txt', `New folder ${path.posix.basename(folder)}`],
      'newest first',
    );
    const save = mine[2];
    assert.match(save.description, new RegExp(`^2\\.0 KiB · \\d{1,2}[:.]\\d{2}[:.]\\d{2}.* · ${config.sftp.host.replace(/\./g, '\\.')}:${config.sftp.port}$`));
    assert.equal(save.entry.bytes, 2048);
    assert.equal(save.entry.server, server, 'keyed by serverOrigin');
    assert.equal(mine[1].entry.to, renamed);
    assert.ok(mine.every((r) => r.entry.result === 'ok'));
    const tooltip = String(api.services.activityView.getTreeItem(save.entry).tooltip);
    assert.match(tooltip, /Size: 2\.0 KiB \(2,048 bytes\)/);
  });

  it('filters by server and by action from the title buttons (quick picks), and Clear Filter shows everything again', async () => {
    const api = await getApi();
    let offered: string[] = [];
    answerUi(api, {
      pick: (items) => {
        offered = items.map((i) => i.label);
        return items.find((i) => i.label === server || i.label === 'Editor saves');
      },
    });
    await exec('filterActivityByServer');
    assert.ok(offered.includes('All servers') && offered.includes(server), offered.join(', '));
    const ofServer = await rows();
    assert.ok(ofServer.length > 0 && ofServer.every((r) => r.entry.server === server));
    assert.ok(ofServer.some((r) => r.entry.action === 'connect'));

    await exec('filterActivityByAction');
    assert.ok(offered.includes('All actions') && offered.includes('Writes') && offered.includes('Editor saves'), offered.join(', '));
    const saves = await rows();
    assert.ok(saves.length >= 2 && saves.every((r) => r.entry.action === 'save' && r.entry.server === server));
    assert.deepEqual(api.services.activityView.filter, { server, actions: ['save'] });

    // "Writes": every kind of write, no connects.
    answerUi(api, { pick: (items) => items.find((i) => i.label === 'Writes') });
    await exec('filterActivityByAction');
    const writes = await rows();
    assert.ok(['mkdir', 'save', 'rename', 'delete'].every((a) => writes.some((r) => r.entry.action === a)));
    assert.ok(!writes.some((r) => r.entry.action === 'connect'));

    // Open as Text (the overflow menu) shows the same filter, with human sizes.
    const doc = await exec<vscode.TextDocument>('openActivityAsText');
    assert.match(doc.getText().split('\n')[0], /writes/);
    assert.match(doc.getText(), /save\s+ok\s+2\.0 KiB/);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');

    await exec('clearActivityFilter');
    assert.deepEqual(api.services.activityView.filter, {});
    assert.ok((await rows()).some((r) => r.entry.action === 'connect'));
  });

  it('is live: entries from this window and from another process (the log file) appear without a refresh', async () => {
    const api = await getApi();
    const view = api.services.activityView;
    let changes = 0;
    const sub = view.onDidChangeTreeData(() => changes++);
    try {
      await api.services.activity.append({ server, action: 'upload', result: 'ok', bytes: 3 * 1024 * 1024, path: `/live/${stamp}-here.bin` });
      await waitFor('a refresh after our own append', () => changes > 0, 10_000);
      assert.ok((await rows()).some((r) => r.label === `Uploaded ${stamp}-here.bin` && r.description.startsWith('3.0 MiB · ')));

      // Another window or the CLI appends to the same file.
      const before = changes;
      const line = { time: new Date().toISOString(), server, action: 'download', result: 'ok', bytes: 512, path: `/live/${stamp}-there.txt` };
      appendFileSync(path.join(api.services.activity.dir, 'activity.jsonl'), JSON.stringify(line) + '\n');
      await waitFor('a refresh after another process appended', () => changes > before, 10_000);
      assert.ok((await rows()).some((r) => r.label === `Downloaded ${stamp}-there.txt` && r.description.startsWith('512 B · ')));
    } finally {
      sub.dispose();
    }
  });

  it('Show Activity Log reveals the view; with a server it filters to that server', async () => {
    const api = await getApi();
    answerUi(api);
    const shown = await exec<ActivityEntry[]>('showActivityLog', server);
    assert.ok(shown.length > 0 && shown.every((e) => e.server === server));
    assert.equal(api.services.activityView.filter.server, server);
    await exec('clearActivityFilter');
  });

  describe('Security Report', () => {
    let shown: ReportPanel | undefined;

    before(async () => {
      const api = await getApi();
      answerUi(api);
      if (!api.services.profiles.find(WEAK)) {
        await exec('addProfile', { name: WEAK, protocol: 'sftp', host: config.weakSftp.host, port: config.weakSftp.port, username: config.user.name, target: 'user' });
      }
      shown = await exec<ReportPanel>('showSecurityReport', WEAK);
      assert.ok(shown);
    });

    after(async () => {
      shown?.panel.dispose();
      // Leave the user settings as found: later suites count profiles.
      const settings = vscode.workspace.getConfiguration('secureTransfer');
      const profiles = settings.inspect<Array<{ name: string }>>('profiles')?.globalValue ?? [];
      await settings.update('profiles', profiles.filter((p) => p.name !== WEAK), vscode.ConfigurationTarget.Global);
    });

    it('groups findings by rule within a severity, naming the algorithms in the row; says when it was checked', () => {
      const html = shown!.panel.webview.html;
      const sections = [...html.matchAll(/<section class="group severity-(\w+)">([\s\S]*?)<\/section>/g)];
      assert.ok(sections.length > 0);
      for (const [, severity, body] of sections) {
        const ids = [...body.matchAll(/<code class="rule-id">([^<]+)<\/code>/g)].map((m) => m[1]);
        assert.equal(new Set(ids).size, ids.length, `one row per rule in ${severity}: ${ids.join(', ')}`);
      }
      const macRow = /<summary>.*?Weak MAC offered<\/span><span class="subjects">: ([^<]+)<\/span>/.exec(html);
      assert.ok(macRow, 'the weak MAC row names its algorithms');
      assert.match(macRow[1], /hmac-/);
      const weakMacs = shown!.report.findings.filter((f) => f.id === 'ssh-weak-mac' && f.severity === shown!.report.findings.find((x) => x.id === 'ssh-weak-mac')!.severity);
      for (const f of weakMacs) assert.ok(macRow[1].includes(f.subject!), `${f.subject} in the row`);
      assert.match(html, /Checked <time class="checked" datetime="[^"]+" title="[^"]+">(just now|\d+ min ago)<\/time>/);
      assert.ok(!/`[^`]+`/.test(html.replace(/<script[\s\S]*$/, '')), 'the rule text\'s inline code is rendered, not raw backticks');
    });

    it('offers a default export name per format, and opens an exported Markdown report rendered', async () => {
      const api = await getApi();
      const offered: vscode.SaveDialogOptions[] = [];
      answerUi(api);
      Object.assign(api.ui, { saveDialog: async (o: vscode.SaveDialogOptions) => (offered.push(o), undefined) });
      for (const format of ['md', 'json', 'sarif'] as const) assert.equal(await shown!.exportAs(format), undefined, 'cancelled');
      const t = new Date(shown!.report.probedAt);
      const date = `${t.getFullYear()}-${String(t.getMonth() + 1).padStart(2, '0')}-${String(t.getDate()).padStart(2, '0')}`;
      const stem = `security-report-${config.weakSftp.host}-${config.weakSftp.port}-${date}`;
      assert.deepEqual(offered.map((o) => path.basename(o.defaultUri!.fsPath)), [`${stem}.md`, `${stem}.json`, `${stem}.sarif`]);

      const out = vscode.Uri.file(path.join(mkdtempSync(path.join(os.tmpdir(), 'st-report-')), `${stem}.md`));
      await shown!.exportAs('md', out);
      assert.ok(existsSync(out.fsPath));
      await shown!.openExport(out);
      const tab = await waitFor('the Markdown preview', () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return input instanceof vscode.TabInputWebview && /markdown/i.test(input.viewType) && input;
      });
      assert.ok(tab, 'rendered in the Markdown preview, not as raw text');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    });
  });
});

