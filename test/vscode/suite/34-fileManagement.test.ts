/// <reference types="mocha" />
/**
 * File management in Remote Files and Compare with Remote, against the real sshd, each command run
 * with the arguments VS Code passes (a tree row, the row plus the multi-selection, a file: URI from the
 * Explorer, a secure-transfer: URI from an editor's title) and checked on the server's disk (the test
 * user's files are on this machine): multi-delete with the count, Rename as a move, Duplicate,
 * Change Permissions (the mode on disk), Download to…, and the diff editor Compare with Remote opens.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, promises as fsp, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { isPartialName } from '../../../src/core/transfer/partialName';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { remoteUri } from '../../../src/extension/remoteUri';
import type { TransferRecord } from '../../../src/extension/transfers';
import { answerUi, config, getApi, waitFor, testUserIds as ids } from './helpers';

const P = 'files';
const P2 = 'files-second';
const LOCAL_ROOT = 'files-local';
const dir = (...parts: string[]) => path.posix.join(config.remoteDir, 'files', ...parts);
const local = (...parts: string[]) => path.join(config.workspace, LOCAL_ROOT, ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const mode = (p: string) => statSync(p).mode & 0o7777;

async function serverWrite(p: string, text?: string, fileMode?: number): Promise<void> {
  if (text === undefined) mkdirSync(p, { recursive: true });
  else writeFileSync(p, text);
  if (fileMode !== undefined) await fsp.chmod(p, fileMode);
  await fsp.chown(p, ...ids());
}

/** The tree's own element for a remote path (what VS Code hands a view/item/context command). */
async function treeNode(remotePath: string, profileName = P): Promise<RemoteNode> {
  const api = await getApi();
  let nodes = await api.services.tree.getChildren();
  let node = nodes.find((n) => n.kind === 'profile' && n.profile.name === profileName);
  for (;;) {
    assert.ok(node, `no tree element on the way to ${remotePath}`);
    if (node.kind === 'entry' && node.path === remotePath) return node;
    nodes = await api.services.tree.getChildren(node);
    node = nodes.find((n) => n.kind === 'entry' && (n.path === remotePath || remotePath.startsWith(n.path + '/')));
  }
}

/** The active tab's diff sides, once a diff editor is active. */
async function activeDiff(): Promise<{ original: string; modified: string; label: string }> {
  return waitFor('a diff editor', () => {
    const tab = vscode.window.tabGroups.activeTabGroup.activeTab;
    return tab?.input instanceof vscode.TabInputTextDiff ? { original: tab.input.original.toString(), modified: tab.input.modified.toString(), label: tab.label } : undefined;
  });
}

describe('file management in Remote Files, and Compare with Remote', function () {
  this.timeout(120_000);
  let settingBefore: unknown;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    rmSync(dir(), { recursive: true, force: true });
    await serverWrite(dir());
    await serverWrite(dir('sub'));
    mkdirSync(local(), { recursive: true });
    // User profiles with a localRoot and the server's key pinned (no trust question, whatever ran before).
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    settingBefore = settings.inspect<unknown[]>('profiles')?.globalValue;
    const others = (Array.isArray(settingBefore) ? settingBefore : []).filter((p: { name?: string }) => p.name !== P && p.name !== P2);
    const profile = { protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: dir(), localRoot: LOCAL_ROOT, fingerprints: [config.sftp.fingerprint] };
    await settings.update('profiles', [...others, { name: P, ...profile }, { name: P2, ...profile }], vscode.ConfigurationTarget.Global);
    await waitFor('the profiles', () => api.services.profiles.find(P) && api.services.profiles.find(P2));
    await exec('setPassword', P, config.user.password);
    assert.equal(await exec('connect', P), true);
  });

  after(async () => {
    const api = await getApi();
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    for (const name of [P, P2]) await api.services.connections.disconnect(name);
    await vscode.workspace.getConfiguration('secureTransfer').update('profiles', settingBefore, vscode.ConfigurationTarget.Global);
    rmSync(local(), { recursive: true, force: true });
  });

  it('Delete on a multi-selection: one modal naming the count, Enter keeps all, Delete removes all; one selected row keeps the single wording', async () => {
    const api = await getApi();
    for (const n of ['d1.txt', 'd2.txt']) await serverWrite(dir(n), n);
    await serverWrite(dir('dfolder'));
    await serverWrite(dir('dfolder', 'inner.txt'), 'inner');
    const nodes = [await treeNode(dir('d1.txt')), await treeNode(dir('d2.txt')), await treeNode(dir('dfolder')), await treeNode(dir('dfolder', 'inner.txt'))];
    const keep = answerUi(api, { confirm: () => undefined });
    // VS Code passes the clicked row and the selection.
    assert.equal(await exec('delete', nodes[1], nodes), false);
    assert.equal(keep.confirms.length, 1, 'one modal');
    // inner.txt goes with its selected folder: 3 items, not 4.
    assert.equal(keep.confirms[0].message, `Delete 3 items on ${P}?`);
    assert.match(keep.confirms[0].detail, /d1\.txt[\s\S]*d2\.txt[\s\S]*dfolder[\s\S]*Folders are deleted with everything in them/);
    assert.equal(keep.confirms[0].safeDefault, "Don't Delete");
    assert.ok(['d1.txt', 'd2.txt', 'dfolder'].every((n) => existsSync(dir(n))), 'Enter kept everything');
    const del = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Delete') });
    assert.equal(await exec('delete', nodes[0], nodes), true, del.errors.join(' '));
    assert.equal(del.confirms.length, 1);
    assert.ok(['d1.txt', 'd2.txt', 'dfolder'].every((n) => !existsSync(dir(n))), 'all deleted on the server');
    assert.deepEqual(del.errors, []);
    // A selection of one row: today's wording.
    await serverWrite(dir('single.txt'), 's');
    const one = await treeNode(dir('single.txt'));
    const single = answerUi(api, { confirm: () => undefined });
    assert.equal(await exec('delete', one, [one]), false);
    assert.match(single.confirms[0].message, /^Delete the file .*single\.txt on files\?$/);
  });

  it('Rename takes a path: moves within the server, never replaces, a missing folder is one sentence', async () => {
    const api = await getApi();
    await serverWrite(dir('mv.txt'), 'move me');
    await serverWrite(dir('taken.txt'), 'keep me');
    const answer = (text: string) => answerUi(api, { input: (o) => (o.prompt?.startsWith('New name for') ? text : undefined) });
    // Relative to its folder.
    let rec = answer('sub/moved.txt');
    assert.equal(await exec('rename', await treeNode(dir('mv.txt'))), dir('sub', 'moved.txt'), rec.errors.join(' '));
    assert.match(rec.inputs[0].prompt ?? '', /or a path to move it/);
    assert.equal(readFileSync(dir('sub', 'moved.txt'), 'utf8'), 'move me');
    assert.ok(!existsSync(dir('mv.txt')));
    // Absolute.
    rec = answer(dir('back.txt'));
    assert.equal(await exec('rename', await treeNode(dir('sub', 'moved.txt'))), dir('back.txt'), rec.errors.join(' '));
    assert.equal(readFileSync(dir('back.txt'), 'utf8'), 'move me');
    // An existing target is refused and untouched.
    rec = answer('taken.txt');
    assert.equal(await exec('rename', await treeNode(dir('back.txt'))), undefined);
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /already exists on files; Rename never replaces/);
    assert.equal(readFileSync(dir('taken.txt'), 'utf8'), 'keep me');
    assert.ok(existsSync(dir('back.txt')));
    // A folder that does not exist: one sentence, nothing created.
    rec = answer('nowhere/x.txt');
    assert.equal(await exec('rename', await treeNode(dir('back.txt'))), undefined);
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /^Not moved: the folder .*nowhere does not exist on files; create it first/);
    assert.ok(!existsSync(dir('nowhere')));
    // A folder into itself.
    rec = answer('sub/inner');
    assert.equal(await exec('rename', await treeNode(dir('sub'))), undefined);
    assert.match(rec.errors[0] ?? '', /inside itself/);
    // With a multi-selection VS Code passes the selection second: Rename still asks (never takes it as a name).
    rec = answer('back-again.txt');
    const n = await treeNode(dir('back.txt'));
    assert.equal(await exec('rename', n, [n, await treeNode(dir('taken.txt'))]), dir('back-again.txt'), rec.errors.join(' '));
  });

  it('dragging rows onto a folder row moves them there after one question (Enter keeps them); a taken name is refused', async () => {
    const api = await getApi();
    for (const n of ['drag1.txt', 'drag2.txt']) await serverWrite(dir(n), n);
    await serverWrite(dir('dragdest'));
    await serverWrite(dir('dragdest', 'drag3.txt'), 'already there');
    await serverWrite(dir('drag3.txt'), 'mine');
    // What VS Code does: handleDrag on the dragged rows fills the DataTransfer, handleDrop gets it with the target row.
    const data = new vscode.DataTransfer();
    api.services.tree.handleDrag([await treeNode(dir('drag1.txt')), await treeNode(dir('drag2.txt'))], data);
    const keep = answerUi(api, { confirm: () => undefined });
    await api.services.tree.handleDrop(await treeNode(dir('dragdest')), data);
    assert.equal(keep.confirms.length, 1);
    assert.equal(keep.confirms[0].message, `Move 2 items into ${dir('dragdest')} on ${P}?`);
    assert.equal(keep.confirms[0].safeDefault, "Don't Move");
    assert.ok(existsSync(dir('drag1.txt')) && existsSync(dir('drag2.txt')), 'Enter kept them');
    const rec = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Move') });
    await api.services.tree.handleDrop(await treeNode(dir('dragdest')), data);
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(['drag1.txt', 'drag2.txt'].map((n) => [existsSync(dir(n)), readFileSync(dir('dragdest', n), 'utf8')]), [[false, 'drag1.txt'], [false, 'drag2.txt']]);
    const taken = new vscode.DataTransfer();
    api.services.tree.handleDrag([await treeNode(dir('drag3.txt'))], taken);
    const refused = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Move') });
    await api.services.tree.handleDrop(await treeNode(dir('dragdest')), taken);
    assert.equal(refused.errors.length, 1);
    assert.match(refused.errors[0], /^Moved 0 of 1 items into .*dragdest; not moved: drag3\.txt \(a file or folder of that name is there already\)\.$/);
    assert.equal(readFileSync(dir('dragdest', 'drag3.txt'), 'utf8'), 'already there');
    assert.equal(readFileSync(dir('drag3.txt'), 'utf8'), 'mine');
  });

  it('Duplicate copies a file beside it as "name copy.ext" (same bytes and mode), then "name copy 2.ext"; folders are refused', async () => {
    const api = await getApi();
    const bytes = Buffer.from(Array.from({ length: 300_000 }, (_, i) => i % 251));
    writeFileSync(dir('dup.bin'), bytes);
    await fsp.chmod(dir('dup.bin'), 0o640);
    await fsp.chown(dir('dup.bin'), ...ids());
    let rec = answerUi(api);
    assert.deepEqual(await exec('duplicate', await treeNode(dir('dup.bin'))), [dir('dup copy.bin')], rec.errors.join(' '));
    assert.deepEqual(readFileSync(dir('dup copy.bin')), bytes);
    assert.equal(mode(dir('dup copy.bin')), 0o640, 'the source\'s mode');
    assert.deepEqual(await exec('duplicate', await treeNode(dir('dup.bin'))), [dir('dup copy 2.bin')]);
    assert.deepEqual(readFileSync(dir('dup copy 2.bin')), bytes);
    assert.deepEqual(readdirSync(dir()).filter(isPartialName), [], 'no partial left behind');
    rec = answerUi(api);
    await exec('duplicate', await treeNode(dir('sub')));
    assert.equal(rec.errors.length, 1);
    assert.match(rec.errors[0], /Duplicate copies files, not folders/);
    const writes = (await api.services.activity.read()).filter((e) => e.action === 'copy' && e.to === dir('dup copy.bin'));
    assert.equal(writes.length, 1, 'the activity log has the copy');
  });

  it('Duplicate over FTPS (one data transfer at a time per connection) copies through a private temporary file', async () => {
    const api = await getApi();
    const F = 'files-ftpes';
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const current = settings.inspect<{ name: string }[]>('profiles')?.globalValue ?? [];
    await settings.update('profiles', [...current, { name: F, protocol: 'ftpes', host: config.ftpes.host, port: config.ftpes.port, username: config.user.name, remotePath: dir(), fingerprints: [config.ftpes.fingerprint] }], vscode.ConfigurationTarget.Global);
    try {
      await waitFor('the FTPS profile', () => api.services.profiles.find(F));
      await exec('setPassword', F, config.user.password);
      // Larger than every stream buffer on the way: a read feeding a write on one connection would hang.
      const bytes = Buffer.from(Array.from({ length: 3_000_000 }, (_, i) => (i * 7) % 256));
      writeFileSync(dir('ftps.bin'), bytes);
      await fsp.chown(dir('ftps.bin'), ...ids());
      const rec = answerUi(api);
      assert.deepEqual(await exec('duplicate', await treeNode(dir('ftps.bin'), F)), [dir('ftps copy.bin')], rec.errors.join(' '));
      assert.deepEqual(readFileSync(dir('ftps copy.bin')), bytes);
      assert.deepEqual(readdirSync(dir()).filter(isPartialName), [], 'no partial left behind');
    } finally {
      await api.services.connections.disconnect(F);
      await settings.update('profiles', current, vscode.ConfigurationTarget.Global);
    }
  });

  it('Change Permissions: checkboxes start as the mode on disk, the ticked ones are applied; a typed octal mode wins; a bad one is one sentence', async () => {
    const api = await getApi();
    await serverWrite(dir('perm.txt'), 'p', 0o644);
    let offered: readonly vscode.QuickPickItem[] = [];
    let rec = answerUi(api, { pickMany: (items) => ((offered = items), { picked: items.filter((i) => i.label.startsWith('Owner: read') || i.label.startsWith('Owner: write')), typed: '' }) });
    assert.equal(await exec('changePermissions', await treeNode(dir('perm.txt'))), 0o600, rec.errors.join(' '));
    assert.deepEqual(offered.filter((i) => i.picked).map((i) => i.label), ['Owner: read', 'Owner: write', 'Group: read', 'Others: read'], 'preselected from 0644');
    assert.equal(mode(dir('perm.txt')), 0o600, 'the mode on the server\'s disk');
    rec = answerUi(api, { pickMany: () => ({ picked: [], typed: '0751' }) });
    assert.equal(await exec('changePermissions', await treeNode(dir('perm.txt'))), 0o751);
    assert.equal(mode(dir('perm.txt')), 0o751);
    rec = answerUi(api, { pickMany: () => ({ picked: [], typed: '999' }) });
    assert.equal(await exec('changePermissions', await treeNode(dir('perm.txt'))), undefined);
    assert.match(rec.errors[0] ?? '', /is no permission mode: type 3 or 4 octal digits/);
    assert.equal(mode(dir('perm.txt')), 0o751, 'unchanged');
    // A folder, and a selection of two rows (one mode for both).
    await serverWrite(dir('perm2.txt'), 'q', 0o644);
    rec = answerUi(api, { pickMany: () => ({ picked: [], typed: '640' }) });
    const a = await treeNode(dir('perm.txt'));
    await exec('changePermissions', a, [a, await treeNode(dir('perm2.txt'))]);
    assert.deepEqual([mode(dir('perm.txt')), mode(dir('perm2.txt'))], [0o640, 0o640]);
    rec = answerUi(api, { pickMany: () => ({ picked: [], typed: '750' }) });
    await exec('changePermissions', await treeNode(dir('sub')));
    assert.equal(mode(dir('sub')), 0o750, rec.errors.join(' '));
    assert.ok((await api.services.activity.read()).some((e) => e.action === 'chmod' && e.path === dir('sub') && e.detail === '0750'));
  });

  it('Download to… asks for a folder and downloads the selection into it through the Transfers view', async () => {
    const api = await getApi();
    await serverWrite(dir('get.txt'), 'get me');
    await serverWrite(dir('getdir'));
    await serverWrite(dir('getdir', 'in.txt'), 'inside');
    const target = path.join(config.workspace, 'files-download-to');
    rmSync(target, { recursive: true, force: true });
    mkdirSync(target);
    let asked: vscode.OpenDialogOptions | undefined;
    const rec = answerUi(api, { openDialog: () => [vscode.Uri.file(target)] });
    const openDialog = api.ui.openDialog;
    api.ui.openDialog = async (o) => ((asked = o), openDialog(o));
    const nodes = [await treeNode(dir('get.txt')), await treeNode(dir('getdir'))];
    const records = await exec<TransferRecord[]>('downloadTo', nodes[0], nodes);
    assert.deepEqual(rec.errors, []);
    assert.equal(asked?.canSelectFolders, true);
    assert.deepEqual(records?.map((r) => r.state), ['done', 'done']);
    assert.equal(readFileSync(path.join(target, 'get.txt'), 'utf8'), 'get me');
    assert.equal(readFileSync(path.join(target, 'getdir', 'in.txt'), 'utf8'), 'inside');
    assert.ok(api.services.transfers.all.some((r) => r.remote === dir('get.txt') && r.local === path.join(target, 'get.txt')), 'a row in Transfers');
    // Again: the existing files are kept unless Replace is chosen.
    writeFileSync(path.join(target, 'get.txt'), 'local');
    const keep = answerUi(api, { openDialog: () => [vscode.Uri.file(target)], confirm: () => undefined });
    assert.deepEqual(await exec('downloadTo', await treeNode(dir('get.txt'))), []);
    assert.equal(keep.confirms[0].safeDefault, 'Keep Local Files');
    assert.equal(readFileSync(path.join(target, 'get.txt'), 'utf8'), 'local');
    rmSync(target, { recursive: true, force: true });
  });

  it('Compare with Remote from a local file (Explorer / editor title): the diff of the mapped remote file and the local one; a pick when two profiles map it', async () => {
    const api = await getApi();
    await serverWrite(dir('page.html'), '<p>server</p>\n');
    writeFileSync(local('page.html'), '<p>local</p>\n');
    let offered: string[] = [];
    const rec = answerUi(api, { pick: (items) => ((offered = items.map((i) => i.label)), items.find((i) => i.label === P2)) });
    const file = vscode.Uri.file(local('page.html'));
    // The Explorer passes (uri, selected uris).
    const c = await exec<{ remote: vscode.Uri; local: vscode.Uri; title: string }>('compareWithRemote', file, [file]);
    assert.deepEqual(rec.errors, []);
    assert.deepEqual(offered, [P, P2], 'both profiles map the file: the user picks');
    const diff = await activeDiff();
    assert.equal(diff.original, remoteUri(P2, dir('page.html')).toString());
    assert.equal(diff.modified, file.toString());
    assert.equal(c?.title, `page.html (${P2} ↔ local)`);
    assert.equal(diff.label, c?.title);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // A local file whose remote copy doesn't exist: one sentence.
    writeFileSync(local('only-local.txt'), 'x');
    const missing = answerUi(api, { pick: (items) => items[0] });
    assert.equal(await exec('compareWithRemote', vscode.Uri.file(local('only-local.txt'))), undefined);
    assert.equal(missing.errors.length, 1);
    assert.match(missing.errors[0], /only-local\.txt does not exist on files, so there is nothing to compare with/);
  });

  it('Compare with Remote from a remote file (tree row, remote editor title): the mapped local file, else an offer to pick one', async () => {
    const api = await getApi();
    await serverWrite(dir('page.html'), '<p>server</p>\n');
    writeFileSync(local('page.html'), '<p>local</p>\n');
    let rec = answerUi(api);
    await exec('compareWithRemote', await treeNode(dir('page.html')));
    let diff = await activeDiff();
    assert.deepEqual([diff.original, diff.modified, diff.label], [remoteUri(P, dir('page.html')).toString(), vscode.Uri.file(local('page.html')).toString(), `page.html (${P} ↔ local)`]);
    assert.deepEqual(rec.errors, []);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // No local copy: one sentence with the offer; picking a file compares with it.
    await serverWrite(dir('remote-only.txt'), 'r');
    const other = path.join(config.workspace, 'files-other.txt');
    writeFileSync(other, 'other');
    rec = answerUi(api, { offer: (_m, a) => a.find((x) => x === 'Pick Local File…'), openDialog: () => [vscode.Uri.file(other)] });
    // An editor title passes the tab's URI.
    await exec('compareWithRemote', remoteUri(P, dir('remote-only.txt')), { groupId: 0 });
    assert.equal(rec.offers.length, 1);
    assert.match(rec.offers[0].message, /^Nothing to compare remote-only\.txt with: there is no local file at .*remote-only\.txt, where files's localRoot puts it\.$/);
    diff = await activeDiff();
    assert.deepEqual([diff.original, diff.modified, diff.label], [remoteUri(P, dir('remote-only.txt')).toString(), vscode.Uri.file(other).toString(), `remote-only.txt (${P} ↔ local)`], 'named by the remote file');
    rmSync(other);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    // Dismissing the offer opens nothing.
    rec = answerUi(api);
    assert.equal(await exec('compareWithRemote', await treeNode(dir('remote-only.txt'))), undefined);
    assert.equal(rec.offers.length, 1);
    assert.equal(vscode.window.tabGroups.activeTabGroup.activeTab, undefined);
    // A remote file that is gone: one sentence.
    rec = answerUi(api);
    await exec('compareWithRemote', remoteUri(P, dir('gone.txt')));
    assert.match(rec.errors[0] ?? '', /gone\.txt does not exist on files/);
  });
});
