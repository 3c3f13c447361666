/// <reference types="mocha" />
/**
 * Remote changes seen (FileSystemProvider.watch by polling, extension/remoteWatcher.ts) against the
 * real test sshd, whose files are on this machine's disk: a file changed there shows in its open
 * editor, a file created there appears in an expanded folder of the tree, and a save from the editor
 * is not reported back. The interval is set to 1 s; every wait is on an event or a listing, with a
 * deadline — no sleep is an assertion.
 */
import * as assert from 'node:assert/strict';
import { mkdirSync, promises as fsp, utimesSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import { remoteUri } from '../../../src/extension/remoteUri';
import { answerUi, config, getApi, serverWrite, testUserIds as ids, waitFor } from './helpers';

const P = 'sftp-test';
const base = path.posix.join(config.remoteDir, 'sftp');
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

/** Resolves on the first event that passes `match`, or rejects after `ms`. */
function nextEvent<T>(event: vscode.Event<T>, match: (e: T) => boolean, what: string, ms = 20_000): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      sub.dispose();
      reject(new Error(`Timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const sub = event((e) => {
      if (!match(e)) return;
      clearTimeout(timer);
      sub.dispose();
      resolve(e);
    });
  });
}

/** Waits until the watcher has finished `count` listings of `folder` (each started after the previous ended). */
async function listings(folder: string, count: number, profileName = P): Promise<void> {
  const api = await getApi();
  for (let i = 0; i < count; i++) await nextEvent(api.services.watcher.onDidList, (e) => e.profileName === profileName && e.path === folder, `listing ${i + 1} of ${folder}`);
}

/**
 * Opens `uri`, saves new text from the editor and checks that over the next two listings no event
 * for it comes back; then a change made on the server's disk still reaches the editor.
 */
async function saveIsNotEchoed(profileName: string, folder: string, file: string): Promise<void> {
  const api = await getApi();
  await serverWrite(file, 'before\n');
  const uri = remoteUri(profileName, file);
  const doc = await vscode.workspace.openTextDocument(uri);
  await vscode.window.showTextDocument(doc);
  // Two listings: the second started after the file was written, so its creation is in the baseline.
  await listings(folder, 2, profileName);

  const edit = new vscode.WorkspaceEdit();
  edit.replace(uri, new vscode.Range(0, 0, doc.lineCount, 0), 'saved from the editor, a different size\n');
  assert.ok(await vscode.workspace.applyEdit(edit));
  assert.ok(await doc.save());
  // From here on, any event for the file would be the watcher's (the provider's own one fired during the save).
  const seen: vscode.FileChangeEvent[] = [];
  const sub = api.services.fsProvider.onDidChangeFile((events) => seen.push(...events.filter((e) => e.uri.toString() === uri.toString())));
  try {
    // Two whole listings: the second certainly started after the save.
    await listings(folder, 2, profileName);
  } finally {
    sub.dispose();
  }
  assert.deepEqual(seen, [], 'no change event came back for our own save');
  // And the watcher still sees somebody else's change to the same file afterwards.
  const changed = nextEvent(api.services.fsProvider.onDidChangeFile, (events) => events.some((e) => e.uri.toString() === uri.toString()), 'a change by somebody else after our save');
  await serverWrite(file, 'somebody else wrote this\n');
  await changed;
  await waitFor('the editor to show it', () => doc.getText() === 'somebody else wrote this\n', 20_000);
}

describe('Remote changes seen (35-watch)', function () {
  this.timeout(120_000);
  const folder = path.posix.join(base, `watch-${Date.now()}`);
  let intervalBefore: number | undefined;
  let focusedBefore: () => boolean;

  before(async () => {
    const api = await getApi();
    answerUi(api, { confirm: (_m, actions) => actions.find((a) => /remember/i.test(a)) });
    mkdirSync(folder, { recursive: true });
    await fsp.chown(base, ...ids());
    await fsp.chown(folder, ...ids());
    if (!api.services.profiles.find(P)) {
      // Run alone (--grep): the profile 03-sftp makes, on the folder it makes for the test user.
      await exec('addProfile', { name: P, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: base, target: 'user' });
    }
    await exec('setPassword', P, config.user.password);
    assert.equal(await exec('connect', P), true);
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    intervalBefore = settings.inspect<number>('watchInterval')?.globalValue;
    await settings.update('watchInterval', 1, vscode.ConfigurationTarget.Global);
    // The test window may not have the OS focus (headless browser); polling pauses without it.
    focusedBefore = api.services.watcher.focused;
    api.services.watcher.focused = () => true;
  });

  after(async () => {
    const api = await getApi();
    api.services.watcher.focused = focusedBefore;
    await vscode.workspace.getConfiguration('secureTransfer').update('watchInterval', intervalBefore, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fsp.rm(folder, { recursive: true, force: true });
  });

  it('a file changed on the server\'s disk shows its new content in the open editor (size, then mtime alone)', async () => {
    const api = await getApi();
    const file = path.posix.join(folder, 'edited-elsewhere.txt');
    await serverWrite(file, 'first version\n');
    const uri = remoteUri(P, file);
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    assert.equal(doc.getText(), 'first version\n');
    // The first listing of the folder is the baseline: the change must come after it to be a change.
    await listings(folder, 1);

    const changed = nextEvent(api.services.fsProvider.onDidChangeFile, (events) => events.some((e) => e.type === vscode.FileChangeType.Changed && e.uri.toString() === uri.toString()), 'a Changed event for the file');
    await serverWrite(file, 'second version, longer\n');
    await changed;
    await waitFor('the editor to show the server\'s new content', () => doc.getText() === 'second version, longer\n', 20_000);
    assert.equal(doc.isDirty, false);

    // Same size, only the mtime moves: still a change (size + mtime, as listed).
    const again = nextEvent(api.services.fsProvider.onDidChangeFile, (events) => events.some((e) => e.uri.toString() === uri.toString()), 'a second Changed event');
    await serverWrite(file, 'third version, longer!\n');
    const later = new Date(Date.now() + 120_000);
    utimesSync(file, later, later);
    await again;
    await waitFor('the editor to show the third version', () => doc.getText() === 'third version, longer!\n', 20_000);
  });

  it('a file created on the server\'s disk in an expanded folder appears in the Remote Files tree (that node refreshed)', async () => {
    const api = await getApi();
    const tree = api.services.tree;
    const profileNode = (await tree.getChildren()).find((n) => n.kind === 'profile' && n.profile.name === P)!;
    const folderNode = (await tree.getChildren(profileNode)).find((n): n is Extract<RemoteNode, { kind: 'entry' }> => n.kind === 'entry' && n.path === folder);
    assert.ok(folderNode, `${folder} is in the tree`);
    const names = async () => (await tree.getChildren(folderNode)).map((n) => (n.kind === 'entry' ? path.posix.basename(n.path) : n.kind));
    assert.ok(!(await names()).includes('appeared.txt'));
    // What the view's onDidExpandElement does (extension.ts): the folder is now watched.
    tree.setExpanded(folderNode, true);
    api.services.watcher.poke();
    await listings(folder, 1);

    let refreshed = false;
    const sub = tree.onDidChangeTreeData((n) => (refreshed ||= n === folderNode));
    try {
      await serverWrite(path.posix.join(folder, 'appeared.txt'), 'new\n');
      await waitFor('the folder\'s node to refresh and list the new file', async () => refreshed && (await names()).includes('appeared.txt'), 20_000);
    } finally {
      sub.dispose();
      tree.setExpanded(folderNode, false);
    }
  });

  it('a save from the editor is not reported back as a change on the server (SFTP: size and mtime to the second)', async () => {
    await saveIsNotEchoed(P, folder, path.posix.join(folder, 'saved-here.txt'));
  });

  it('over FTPS with LIST only (vsftpd: minutes, no zone) a save is not reported back either, and a change still is', async () => {
    const api = await getApi();
    const F = 'watch-ftpes';
    const ftpFolder = path.posix.join(config.remoteDir, 'ftpes', `watch-${Date.now()}`);
    mkdirSync(ftpFolder, { recursive: true });
    await fsp.chown(path.posix.dirname(ftpFolder), ...ids());
    await fsp.chown(ftpFolder, ...ids());
    try {
      if (!api.services.profiles.find(F)) {
        await exec('addProfile', { name: F, protocol: 'ftpes', host: config.ftpes.host, port: config.ftpes.port, username: config.user.name, remotePath: ftpFolder, target: 'user' });
      }
      await exec('setPassword', F, config.user.password);
      answerUi(api, { confirm: (_m, a) => (a.includes('Trust Once') ? 'Trust Once' : undefined) });
      assert.equal(await exec('connect', F), true);
      await saveIsNotEchoed(F, ftpFolder, path.posix.join(ftpFolder, 'saved-over-ftps.txt'));
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await exec('disconnect', F);
      await fsp.rm(ftpFolder, { recursive: true, force: true });
    }
  });
});
