/// <reference types="mocha" />
/**
 * Sync Local → Remote / Remote → Local against the real test sshd, driven as a user drives them: the
 * command with what a menu passes (the profile name, a remote folder row, an Explorer folder URI),
 * the Sync Plan view read as VS Code reads it (groups, counts, checkboxes, the click of a row), a row
 * unticked, Run Sync and Cancel; then upload on save: 25 files written at once under a mapped folder
 * are shown as a plan instead of being sent.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { OpenPlan, PlanNode } from '../../../src/extension/syncPlanView';
import type { TransferRecord } from '../../../src/extension/transfers';
import { answerUi, config, getApi, serverWrite, waitFor, testUserIds as ids } from './helpers';
import { promises as fsp } from 'node:fs';

const P = 'syncplan';
const LOCAL_ROOT = 'syncplan-local';
const remote = (...parts: string[]) => path.posix.join(config.remoteDir, 'syncplan', ...parts);
const local = (...parts: string[]) => path.join(config.workspace, LOCAL_ROOT, ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

const OLD = new Date('2024-01-01T00:00:00Z');
const NEW = new Date('2025-01-01T00:00:00Z');

async function serverDir(p: string): Promise<void> {
  mkdirSync(p, { recursive: true });
  await fsp.chown(p, ...ids());
}

function localWrite(p: string, text: string, when?: Date): void {
  mkdirSync(path.dirname(p), { recursive: true });
  writeFileSync(p, text);
  if (when) utimesSync(p, when, when);
}

async function serverWriteAt(p: string, text: string, when: Date): Promise<void> {
  await serverWrite(p, text);
  utimesSync(p, when, when);
}

/** The plan's groups and rows as the view shows them: `New (1)` → row labels with their boxes. */
async function shown(): Promise<Record<string, { ticked: boolean; rows: Record<string, boolean> }>> {
  const view = (await getApi()).services.syncPlans;
  const out: Record<string, { ticked: boolean; rows: Record<string, boolean> }> = {};
  for (const g of view.getChildren()) {
    const gi = view.getTreeItem(g);
    const rows: Record<string, boolean> = {};
    for (const r of view.getChildren(g)) {
      const ri = view.getTreeItem(r);
      const box = typeof ri.checkboxState === 'object' ? ri.checkboxState.state : ri.checkboxState;
      rows[String(ri.label)] = box === vscode.TreeItemCheckboxState.Checked;
    }
    out[String(gi.label)] = { ticked: gi.checkboxState === vscode.TreeItemCheckboxState.Checked, rows };
  }
  return out;
}

async function rowNode(label: string): Promise<PlanNode> {
  const view = (await getApi()).services.syncPlans;
  for (const g of view.getChildren()) for (const r of view.getChildren(g)) if (r.kind === 'row' && r.row.rel === label) return r;
  throw new Error(`no plan row ${label}`);
}

describe('sync plans (36-syncPlan)', function () {
  this.timeout(90_000);
  let settingBefore: unknown;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    rmSync(remote(), { recursive: true, force: true });
    rmSync(local(), { recursive: true, force: true });
    await serverDir(remote());
    await serverDir(remote('docs'));
    // Local only → new; the same both sides; local newer → changed; server only → deleted (upload);
    // the server's newer before any sync → conflict.
    localWrite(local('new.txt'), 'new here\n', NEW);
    localWrite(local('same.txt'), 'same\n', OLD);
    await serverWriteAt(remote('same.txt'), 'same\n', OLD);
    localWrite(local('changed.txt'), 'changed locally\n', NEW);
    await serverWriteAt(remote('changed.txt'), 'old\n', OLD);
    await serverWriteAt(remote('server-only.txt'), 'only there\n', OLD);
    localWrite(local('conflict.txt'), 'local version\n', OLD);
    await serverWriteAt(remote('conflict.txt'), 'edited on the server\n', NEW);
    localWrite(local('docs', 'in-step.md'), '# same\n', OLD);
    await serverWriteAt(remote('docs', 'in-step.md'), '# same\n', OLD);
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    settingBefore = settings.inspect<unknown[]>('profiles')?.globalValue;
    const others = Array.isArray(settingBefore) ? settingBefore : [];
    await settings.update('profiles', [...others, {
      name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: remote(), localRoot: LOCAL_ROOT,
    }], vscode.ConfigurationTarget.Global);
    await waitFor('the syncplan profile', () => api.services.profiles.find(P));
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Trust and Remember'), input: (o) => (o.password ? config.user.password : undefined) });
    await exec('connect', P);
  });

  after(async () => {
    const api = await getApi();
    await api.services.syncPlans.close();
    await vscode.workspace.getConfiguration('secureTransfer').update('profiles', settingBefore, vscode.ConfigurationTarget.Global);
    rmSync(local(), { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('Sync Local → Remote on the profile shows the plan grouped New / Changed / Deleted / Conflict; deletes and conflicts unticked; nothing changed yet', async () => {
    const api = await getApi();
    answerUi(api);
    const open = await exec<OpenPlan>('syncLocalToRemote', P);
    assert.ok(open, 'a plan is shown');
    assert.equal(api.services.syncPlans.current, open);
    assert.deepEqual(await shown(), {
      'New (1)': { ticked: true, rows: { 'new.txt': true } },
      'Changed (1)': { ticked: true, rows: { 'changed.txt': true } },
      'Deleted (1)': { ticked: false, rows: { 'server-only.txt': false } },
      'Conflict (1)': { ticked: false, rows: { 'conflict.txt': false } },
    });
    assert.ok(!existsSync(remote('new.txt')), 'the plan changed nothing');
    assert.equal(readFileSync(remote('changed.txt'), 'utf8'), 'old\n');
    // A click on a changed row opens the diff of the server's file and the local one; a new row the local file.
    const view = api.services.syncPlans;
    const changed = view.getTreeItem(await rowNode('changed.txt')).command!;
    assert.equal(changed.command, 'vscode.diff');
    assert.equal((changed.arguments![0] as vscode.Uri).toString(), vscode.Uri.from({ scheme: 'secure-transfer', authority: P, path: remote('changed.txt') }).toString());
    assert.equal((changed.arguments![1] as vscode.Uri).fsPath, local('changed.txt'));
    await vscode.commands.executeCommand(changed.command, ...changed.arguments!);
    await waitFor('the diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab?.input instanceof vscode.TabInputTextDiff);
    const created = view.getTreeItem(await rowNode('new.txt')).command!;
    assert.deepEqual([created.command, (created.arguments![0] as vscode.Uri).fsPath], ['vscode.open', local('new.txt')]);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('an unticked row is left alone; Run Sync transfers the ticked ones and says so in one sentence', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    api.services.syncPlans.setChecked(await rowNode('new.txt'), false);
    assert.equal((await shown())['New (1)'].ticked, false, 'the group box follows its rows');
    const record = await exec<TransferRecord>('runSyncPlan');
    assert.equal(record?.state, 'done', record?.error);
    assert.equal(api.services.syncPlans.current, undefined, 'the plan is consumed');
    assert.equal(readFileSync(remote('changed.txt'), 'utf8'), 'changed locally\n');
    assert.ok(!existsSync(remote('new.txt')), 'the unticked new file was not uploaded');
    assert.ok(existsSync(remote('server-only.txt')), 'an unticked delete is not done');
    assert.equal(readFileSync(remote('conflict.txt'), 'utf8'), 'edited on the server\n', 'an unticked conflict is not overwritten');
    assert.deepEqual(rec.confirms, [], 'nothing risky was ticked: no question');
    assert.match(rec.infos.at(-1) ?? '', /^Synced .*: 1 file transferred.*left alone\.$/);
    // The run is a row of the Transfers view, with its files.
    const row = api.services.transfers.all.find((r) => r === record)!;
    assert.match(String(api.services.transfersView.getTreeItem(row).label), /^↑ sync syncplan-local$/);
    assert.equal(row.fileRows.doneCount, 1);
  });

  it('Cancel discards the plan and changes nothing', async () => {
    const api = await getApi();
    answerUi(api);
    assert.ok(await exec<OpenPlan>('syncLocalToRemote', P));
    assert.equal(await exec<boolean>('cancelSyncPlan'), true);
    assert.equal(api.services.syncPlans.current, undefined);
    assert.ok(!existsSync(remote('new.txt')));
    assert.ok(existsSync(remote('server-only.txt')));
  });

  it('a folder in step says so in one sentence and opens no view (remote folder row, Explorer folder)', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    assert.equal(await exec('syncLocalToRemote', { profileName: P, path: remote('docs'), type: 'directory' }), undefined);
    assert.equal(api.services.syncPlans.current, undefined);
    assert.match(rec.infos.at(-1) ?? '', /^Nothing to sync: .*docs → syncplan:.*\/docs are in step \(1 file is the same on both sides\)\.$/);
    assert.equal(await exec('syncRemoteToLocal', vscode.Uri.file(local('docs'))), undefined);
    assert.match(rec.infos.at(-1) ?? '', /^Nothing to sync: syncplan:.*\/docs → .*docs are in step/);
    // A local folder under no mapping: one sentence.
    await exec('syncLocalToRemote', vscode.Uri.file(config.workspace + '/..'));
    assert.match(rec.errors.at(-1) ?? '', /is not under the "localRoot" of any Secure Transfer profile/);
  });

  it('a ticked delete is asked about (Enter keeps the file), then done only on Run Sync', async () => {
    const api = await getApi();
    answerUi(api);
    await exec<OpenPlan>('syncLocalToRemote', P);
    api.services.syncPlans.setChecked(await rowNode('server-only.txt'), true);
    const kept = answerUi(api, { confirm: () => undefined });
    assert.equal(await exec('runSyncPlan'), undefined);
    assert.match(kept.confirms[0].message, /^Run the sync\? It will delete 1 item on syncplan\.$/);
    assert.equal(kept.confirms[0].safeDefault, 'Cancel');
    assert.ok(api.services.syncPlans.current, 'the plan stays open');
    assert.ok(existsSync(remote('server-only.txt')));
    const rec = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Run Sync') });
    assert.equal((await exec<TransferRecord>('runSyncPlan'))?.state, 'done');
    assert.ok(!existsSync(remote('server-only.txt')), 'deleted on the server');
    assert.ok(existsSync(remote('new.txt')), 'the new file went too');
    assert.match(rec.infos.at(-1) ?? '', /1 deleted/);
  });

  it('Sync Remote → Local plans the other way: a file only on the server is new, and Run downloads it', async () => {
    const api = await getApi();
    answerUi(api);
    await serverWriteAt(remote('from-server.txt'), 'made on the server\n', NEW);
    const open = await exec<OpenPlan>('syncRemoteToLocal', P);
    assert.ok(open);
    assert.equal(open.plan.direction, 'download');
    const s = await shown();
    assert.equal(s['New (1)']?.rows['from-server.txt'], true, JSON.stringify(s));
    assert.equal((await exec<TransferRecord>('runSyncPlan'))?.state, 'done');
    assert.equal(readFileSync(local('from-server.txt'), 'utf8'), 'made on the server\n');
  });

  describe('upload on save bursts', () => {
    before(async () => {
      const api = await getApi();
      answerUi(api);
      assert.equal(await exec('toggleUploadOnSave', P, true), true);
      await waitFor('upload on save on', () => api.services.profiles.find(P)?.uploadOnSave);
    });

    after(async () => {
      const api = await getApi();
      await exec('toggleUploadOnSave', P, false);
      await api.services.syncPlans.close();
    });

    it('a file written by another program (not saved) below the threshold is not uploaded', async () => {
      const api = await getApi();
      answerUi(api);
      localWrite(local('tool', 'one.js'), 'built\n');
      await waitFor('the burst', () => api.services.uploadOnSave.bursts.size(P) > 0, 10_000);
      await waitFor('the burst handled', () => api.services.uploadOnSave.bursts.size(P) === 0, 10_000);
      await api.services.uploadOnSave.lastBurst;
      assert.ok(!existsSync(remote('tool', 'one.js')));
      assert.equal(api.services.syncPlans.current, undefined);
    });

    it('25 files written at once are shown as a plan (new rows, ticked) instead of being uploaded; Run sends them', async () => {
      const api = await getApi();
      const rec = answerUi(api);
      for (let i = 0; i < 25; i++) localWrite(local('burst', `f${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
      const open = await waitFor('the burst plan', () => api.services.syncPlans.current?.origin === 'burst' && api.services.syncPlans.current, 20_000).catch((err: Error) => {
        throw new Error(`${err.message} (errors shown: ${JSON.stringify(rec.errors)}; bursts: ${JSON.stringify(api.services.uploadOnSave.recent)})`);
      });
      // The tool-written file of the test before (not sent) is still counted when it was under 10 s ago.
      const rels = open.plan.rows.map((r) => r.rel).filter((r) => r !== 'tool/one.js');
      assert.equal(rels.length, 25);
      assert.ok(rels.every((r) => r.startsWith('burst/')));
      assert.ok(open.plan.rows.every((r) => r.action === 'new'));
      assert.deepEqual(Object.keys(await shown()), [`New (${open.plan.rows.length})`]);
      assert.ok(!existsSync(remote('burst')), 'nothing was sent');
      api.services.syncPlans.setChecked(await rowNode('burst/f00.txt'), false);
      const record = await exec<TransferRecord>('runSyncPlan');
      assert.equal(record?.state, 'done', record?.error);
      assert.ok(!existsSync(remote('burst', 'f00.txt')), 'the unticked file stays local');
      for (let i = 1; i < 25; i++) assert.equal(readFileSync(remote('burst', `f${String(i).padStart(2, '0')}.txt`), 'utf8'), `file ${i}\n`);
    });
  });
});
