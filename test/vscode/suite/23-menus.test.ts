/// <reference types="mocha" />
/**
 * The menu entries and palette commands of the "first five minutes", invoked with exactly the argument
 * VS Code passes from where a user clicks (view/item/context: the tree element the provider returned;
 * editor/title/context: the tab's URI; palette and view/title: nothing), each checked by its visible
 * result. The browser suite (test/e2e/menus.test.ts) clicks every menu entry; this covers what a
 * click can't reach (menuEntries.ts HOST_TESTED) and the questions' exact wording and defaults.
 */
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, promises as fsp, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { RemoteFileSystemProvider } from '../../../src/extension/fileSystemProvider';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { remoteUri } from '../../../src/extension/remoteUri';
import type { TransferRecord } from '../../../src/extension/transfers';
import { connectionsToRestore, rememberConnections } from '../../../src/extension/workspaceRestart';
import { entryKey, HOST_TESTED, menuEntries } from '../../e2e/menuEntries';
import { answerUi, config, getApi, waitFor, testUserIds as ids } from './helpers';

const P = 'menus';
const LOCAL_ROOT = 'menus-local';
const dir = (...parts: string[]) => path.posix.join(config.remoteDir, 'menus', ...parts);
const local = (...parts: string[]) => path.join(config.workspace, LOCAL_ROOT, ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

async function serverWrite(p: string, text?: string): Promise<void> {
  if (text === undefined) mkdirSync(p, { recursive: true });
  else writeFileSync(p, text);
  await fsp.chown(p, ...ids());
}

/** The tree's own element for a remote path (what VS Code hands a view/item/context command). */
async function treeNode(remotePath: string): Promise<RemoteNode> {
  const api = await getApi();
  let nodes = await api.services.tree.getChildren();
  let node = nodes.find((n) => n.kind === 'profile' && n.profile.name === P);
  for (;;) {
    assert.ok(node, `no tree element on the way to ${remotePath}`);
    if (node.kind === 'entry' && node.path === remotePath) return node;
    nodes = await api.services.tree.getChildren(node);
    node = nodes.find((n) => n.kind === 'entry' && (n.path === remotePath || remotePath.startsWith(n.path + '/')));
  }
}

async function profileNode(): Promise<RemoteNode> {
  const api = await getApi();
  return (await api.services.tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
}

describe('menu entries with the arguments VS Code passes', function () {
  this.timeout(60_000);
  let settingBefore: unknown;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    await serverWrite(dir());
    await serverWrite(dir('docs'));
    await serverWrite(dir('docs', 'notes.md'), '# notes\n');
    await serverWrite(dir('hello.txt'), 'hello\n');
    // A user profile with a localRoot (Add Profile writes no localRoot; the setting is what a user edits).
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    settingBefore = settings.inspect<unknown[]>('profiles')?.globalValue;
    const others = Array.isArray(settingBefore) ? settingBefore : [];
    await settings.update('profiles', [...others, {
      name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: dir(), localRoot: LOCAL_ROOT,
    }], vscode.ConfigurationTarget.Global);
    await waitFor('the menus profile', () => api.services.profiles.find(P));
    // The host key and password of this server were remembered by 03-sftp.
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Trust and Remember'), input: (o) => (o.password ? config.user.password : undefined) });
    await exec('connect', P);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('secureTransfer').update('profiles', settingBefore, vscode.ConfigurationTarget.Global);
    rmSync(local(), { recursive: true, force: true });
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('every command a menu names is registered', async () => {
    const registered = new Set(await vscode.commands.getCommands(true));
    const entries = menuEntries();
    assert.ok(entries.length > 20, 'read package.json');
    assert.deepEqual(entries.filter((e) => !registered.has(e.command)).map((e) => e.key), []);
  });

  it('the Remote Files title buttons take what VS Code passes them: the focused row and the selection', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const focused = await profileNode();
    for (const id of ['refresh', 'showLog', 'showActivityLog', 'clearTransfers']) await exec(id, focused, [focused]);
    assert.deepEqual(rec.errors, []);
  });

  it('New File… on a folder row: asks the name, creates the file there and opens it', async () => {
    const api = await getApi();
    const rec = answerUi(api, { input: (o) => (o.prompt?.startsWith('New file in') ? 'new.txt' : undefined) });
    const created = await exec<string>('newFile', await treeNode(dir('docs')));
    assert.equal(created, dir('docs', 'new.txt'));
    assert.equal(rec.inputs[0].prompt, `New file in ${dir('docs')}`);
    assert.equal(readFileSync(dir('docs', 'new.txt'), 'utf8'), '');
    await waitFor('the new file in the editor', () => vscode.window.activeTextEditor?.document.uri.toString() === remoteUri(P, dir('docs', 'new.txt')).toString());
    // An existing name is refused, never emptied.
    const refused = answerUi(api, { input: () => 'notes.md' });
    await exec('newFile', await treeNode(dir('docs')));
    assert.equal(refused.errors.length, 1, 'one sentence');
    assert.equal(readFileSync(dir('docs', 'notes.md'), 'utf8'), '# notes\n');
  });

  it('Delete on a file row says "file" and Enter keeps it; on a folder row says "folder"', async () => {
    const api = await getApi();
    const rec = answerUi(api, { confirm: () => undefined });
    assert.equal(await exec('delete', await treeNode(dir('docs', 'new.txt'))), false);
    assert.match(rec.confirms[0].message, /^Delete the file .*new\.txt on menus\?$/);
    assert.match(rec.confirms[0].detail, /The file is deleted/);
    assert.equal(rec.confirms[0].safeDefault, "Don't Delete", 'Enter refuses');
    assert.deepEqual(rec.confirms[0].actions, ['Delete']);
    assert.ok(existsSync(dir('docs', 'new.txt')));
    assert.equal(await exec('delete', await treeNode(dir('docs'))), false);
    assert.match(rec.confirms[1].message, /^Delete the folder /);
    assert.match(rec.confirms[1].detail, /everything in it/);
    // From a tab (a URI, no type known): the server says it is a file.
    assert.equal(await exec('delete', remoteUri(P, dir('docs', 'new.txt'))), false);
    assert.match(rec.confirms[2].message, /^Delete the file /);
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Delete') });
    assert.equal(await exec('delete', await treeNode(dir('docs', 'new.txt'))), true);
    assert.ok(!existsSync(dir('docs', 'new.txt')));
  });

  it('Download… on a file row proposes its place under localRoot', async () => {
    const api = await getApi();
    answerUi(api);
    let proposed: vscode.Uri | undefined;
    api.ui.saveDialog = async (o) => ((proposed = o.defaultUri), undefined);
    await exec('download', await treeNode(dir('docs', 'notes.md')));
    assert.equal(proposed?.fsPath, local('docs', 'notes.md'));
    let folderDefault: vscode.Uri | undefined;
    api.ui.openDialog = async (o) => ((folderDefault = o.defaultUri), undefined);
    await exec('download', await treeNode(dir('docs')));
    assert.equal(folderDefault?.fsPath, local(), 'a folder: its parent under localRoot');
  });

  it('Download Active File from the tab menu (the tab\'s URI) lands under localRoot; an existing file is replaced only on request', async () => {
    const api = await getApi();
    const uri = remoteUri(P, dir('hello.txt'));
    answerUi(api);
    const got = await exec<TransferRecord>('downloadActiveFile', uri);
    assert.equal(got?.state, 'done');
    assert.equal(readFileSync(local('hello.txt'), 'utf8'), 'hello\n');
    writeFileSync(local('hello.txt'), 'local edit\n');
    const keep = answerUi(api, { confirm: () => undefined });
    assert.equal(await exec('downloadActiveFile', uri), undefined);
    assert.equal(keep.confirms[0].safeDefault, 'Keep Local File');
    assert.equal(readFileSync(local('hello.txt'), 'utf8'), 'local edit\n');
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Replace') });
    assert.equal((await exec<TransferRecord>('downloadActiveFile', uri))?.state, 'done');
    assert.equal(readFileSync(local('hello.txt'), 'utf8'), 'hello\n');
    // The palette with the remote tab active: the same.
    await vscode.window.showTextDocument(uri);
    rmSync(local('hello.txt'));
    answerUi(api);
    assert.equal((await exec<TransferRecord>('downloadActiveFile'))?.state, 'done');
    assert.ok(existsSync(local('hello.txt')));
    // A local tab is refused with one sentence.
    const rec = answerUi(api);
    await exec('downloadActiveFile', vscode.Uri.file(local('hello.txt')));
    assert.match(rec.errors[0] ?? '', /Open a remote file/);
  });

  it('Toggle Upload on Save on a profile row flips the profile\'s own uploadOnSave (user settings here)', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    assert.equal(await exec('toggleUploadOnSave', await profileNode()), true);
    assert.equal(api.services.profiles.find(P)?.uploadOnSave, true);
    const stored = vscode.workspace.getConfiguration('secureTransfer').inspect<{ name: string; uploadOnSave?: boolean }[]>('profiles')?.globalValue;
    assert.equal(stored?.find((p) => p.name === P)?.uploadOnSave, true);
    assert.match(rec.infos[0], /Upload on save is on for "menus"/);
    assert.equal(await exec('toggleUploadOnSave', await profileNode()), false);
    assert.equal(api.services.profiles.find(P)?.uploadOnSave, false);
  });

  it('Manage Trusted Keys (palette) lists fingerprint and date, and forgets only after the question', async () => {
    const api = await getApi();
    const [record] = await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port);
    assert.ok(record, '03-sftp remembered this key');
    let listed: readonly vscode.QuickPickItem[] = [];
    const pickIt = (items: readonly vscode.QuickPickItem[]) => ((listed = items), items.find((i) => i.description?.includes(record.fingerprint)));
    const kept = answerUi(api, { pick: pickIt, confirm: () => undefined });
    await exec('manageTrustedKeys');
    const item = listed.find((i) => i.description?.includes(record.fingerprint))!;
    assert.equal(item.label, `${config.sftp.host}:${config.sftp.port}`);
    assert.match(item.detail ?? '', /SSH host key · added .*· profiles: .*menus/);
    assert.equal(kept.confirms[0].safeDefault, 'Keep It');
    assert.equal((await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port)).length, 1, 'Enter keeps it');
    try {
      answerUi(api, { pick: pickIt, confirm: (_m, a) => a.find((x) => x === 'Forget') });
      assert.equal((await exec<{ fingerprint: string }>('manageTrustedKeys'))?.fingerprint, record.fingerprint);
      assert.deepEqual(await api.services.trustStore.find('host-key', config.sftp.host, config.sftp.port), []);
      assert.equal(api.services.connections.state(P).status, 'disconnected', 'the session that trusted it ended');
    } finally {
      await api.services.trustStore.remember(record);
    }
  });

  it(`${entryKey('view/item/context', 'secureTransfer.replacePinnedKey', false)} on the "host key changed" row reaches its profile`, async () => {
    assert.ok(HOST_TESTED.includes(entryKey('view/item/context', 'secureTransfer.replacePinnedKey', false)));
    const api = await getApi();
    const rec = answerUi(api, { confirm: () => undefined });
    // The row the tree shows under a profile whose key changed (remoteTree.ts errorNode).
    const row: RemoteNode = { kind: 'message', severity: 'error', text: 'The host key changed', profileName: P, contextValue: 'message.identityChanged' };
    assert.equal(await exec('replacePinnedKey', row), false);
    assert.match(rec.confirms[0].message, new RegExp(`Forget the remembered host key of ${config.sftp.host}:${config.sftp.port}`));
    assert.equal(rec.confirms[0].safeDefault, 'Keep the Old Key');
  });

  it('right after a restart the file system waits for the profiles before it answers for a remote workspace folder', async () => {
    const api = await getApi();
    let loaded!: () => void;
    let known = false;
    const provider = new RemoteFileSystemProvider({
      ready: new Promise<void>((resolve) => (loaded = resolve)),
      profile: (name) => (known ? api.services.profiles.find(name) : undefined),
      session: (profile) => api.services.connections.get(profile),
    });
    const stat = provider.stat(remoteUri(P, dir('docs')));
    setTimeout(() => ((known = true), loaded()), 300);
    assert.equal((await stat).type, vscode.FileType.Directory, 'not "no profile named menus"');
  });

  it('Open Remote Folder in Workspace notes the connections for the restart it causes, for that folder only', async () => {
    const api = await getApi();
    const state = api.services.context.globalState;
    const folder = remoteUri(P, dir('docs'));
    await rememberConnections(state, folder, [P, P]);
    const elsewhere = [{ uri: vscode.Uri.file('/elsewhere'), name: 'x', index: 0 }];
    assert.deepEqual(await connectionsToRestore(state, elsewhere), [], 'another window leaves the note alone');
    assert.deepEqual(await connectionsToRestore(state, [...elsewhere, { uri: folder, name: 'r', index: 1 }]), [P]);
    assert.deepEqual(await connectionsToRestore(state, [{ uri: folder, name: 'r', index: 0 }]), [], 'used once');
  });
});
