/// <reference types="mocha" />
/**
 * The Transfers view and what its rows offer, against the real sshd: the rows move with the same
 * progress the notification shows (read from the view's TreeDataProvider, as VS Code reads it),
 * folders list their files (bounded), Cancel / Resume / Discard Partial with exactly the argument
 * VS Code passes from the row (the TransferRecord element), partials hidden in Remote Files, the
 * question before an upload replaces a file this window never saw (and the profile setting that
 * turns it off), and the finished message.
 */
import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { existsSync, mkdirSync, promises as fsp, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import { isPartialName } from '../../../src/core/transfer/partialName';
import type { RemoteNode } from '../../../src/extension/remoteTree';
import type { TransferRecord } from '../../../src/extension/transfers';
import type { TransferNode } from '../../../src/extension/transfersView';
import { answerUi, config, getApi, waitFor, testUserIds as ids, serverWrite } from './helpers';

const P = 'transfers-test';
const P_QUIET = 'transfers-test-quiet';
const dir = (...parts: string[]) => path.posix.join(config.remoteDir, 'transfers', ...parts);
const local = (...parts: string[]) => path.join(config.workspace, 'transfers-local', ...parts);
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);
const target = (profileName = P, sub = '') => ({ profileName, path: dir(sub), type: 'directory' });
const MiB = 1024 * 1024;
/** VS Code's own debounce of a tree's change events (ExtHostTreeView): faster events starve the view. */
const VSCODE_TREE_DEBOUNCE_MS = 200;

const partialsIn = (remoteDir: string) => readdirSync(remoteDir).filter(isPartialName);
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

async function row(r: TransferRecord): Promise<vscode.TreeItem> {
  return (await getApi()).services.transfersView.getTreeItem(r) as vscode.TreeItem;
}

describe('Transfers view: progress, Cancel, Resume, Discard, overwrite question', function () {
  this.timeout(180_000);

  before(async () => {
    const api = await getApi();
    answerUi(api);
    mkdirSync(dir(), { recursive: true });
    await fsp.chown(dir(), ...ids());
    mkdirSync(local(), { recursive: true });
    for (const name of [P, P_QUIET]) {
      await exec('addProfile', { name, protocol: 'sftp', host: config.sftp.host, port: config.sftp.port, username: config.user.name, remotePath: dir(), target: 'user' });
      await exec('setPassword', name, config.user.password);
    }
    // The second profile turns the overwrite question off (the per-profile setting).
    const settings = vscode.workspace.getConfiguration('secureTransfer');
    const profiles = (settings.inspect<Record<string, unknown>[]>('profiles')?.globalValue ?? []).map((p) => (p.name === P_QUIET ? { ...p, confirmOverwrite: false } : p));
    await settings.update('profiles', profiles, vscode.ConfigurationTarget.Global);
    await api.services.profiles.reload();
    assert.equal(api.services.profiles.find(P_QUIET)?.confirmOverwrite, false);
    assert.equal(api.services.profiles.find(P)?.confirmOverwrite, true, 'asking is the default');
    answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Trust and Remember') });
    for (const name of [P, P_QUIET]) assert.equal(await exec('connect', name), true);
  });

  after(async () => {
    for (const name of [P, P_QUIET]) await exec('disconnect', name);
  });

  it('the row moves with the transfer (bytes, rate, time left), refreshed often but never starving VS Code; Cancel leaves a partial that Discard deletes and the tree never shows', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const view = api.services.transfersView;
    const fires: number[] = [];
    const seen: string[] = [];
    let record: TransferRecord | undefined;
    const sub = view.onDidChangeTreeData((changed) => {
      fires.push(Date.now());
      const r = record;
      if (!r || r.state !== 'running') return;
      const rows = changed === undefined ? [r] : Array.isArray(changed) ? changed : [changed];
      if (rows.includes(r)) seen.push(String(view.getTreeItem(r).description));
    });
    try {
      const running = exec<TransferRecord[]>('uploadFile', target(), [config.bigFile]);
      record = await waitFor('the upload to start', () => api.services.transfers.all.find((r) => r.local === config.bigFile && r.profileName === P));
      // Three refreshes of the row while it runs, each showing more bytes with a rate: it moves.
      await waitFor('three refreshes of the running row', () => new Set(seen.filter((d) => /MiB of 1\.0 GiB · .*\/s/.test(d))).size >= 3, 60_000);
      assert.equal(record.state, 'running');
      const item = await row(record);
      assert.equal(item.contextValue, 'transfer.running');
      assert.match(String(item.description), new RegExp(`^${P} · running · [\\d.]+ [KMG]i?B of 1\\.0 GiB · [\\d.]+ [KMG]i?B/s`));
      // Cancel as the row's inline button passes it: the TransferRecord element.
      assert.equal(await exec('cancelTransfer', record), true);
      await running;
    } finally {
      sub.dispose();
    }
    const moved = seen.filter((d) => /of 1\.0 GiB/.test(d)).map((d) => Number(/ · ([\d.]+) MiB of/.exec(d)?.[1] ?? 0));
    assert.ok(moved.some((v, i) => i > 0 && v > moved[i - 1]), `the bytes shown grew: ${seen.join(' | ')}`);
    for (let i = 1; i < fires.length; i++) {
      assert.ok(fires[i] - fires[i - 1] >= VSCODE_TREE_DEBOUNCE_MS, `refreshes ${fires[i] - fires[i - 1]} ms apart would starve VS Code's debounced tree`);
    }

    assert.equal(record.state, 'cancelled');
    const cancelled = await row(record);
    assert.equal(cancelled.contextValue, 'transfer.cancelled.partial', 'Resume and Discard Partial are offered');
    const partials = partialsIn(dir());
    assert.equal(partials.length, 1, `the cancelled upload left its partial: ${readdirSync(dir()).join(', ')}`);

    // Remote Files never lists partial files.
    const names = async () => {
      const folder: RemoteNode = { kind: 'entry', profileName: P, path: dir(), type: 'directory', size: 0 };
      return (await api.services.tree.getChildren(folder)).flatMap((n) => (n.kind === 'entry' ? [path.posix.basename(n.path)] : []));
    };
    assert.ok(!(await names()).some(isPartialName), 'the partial is hidden in the tree');

    // Discard Partial from the row: the partial goes, nothing else does.
    await serverWrite(dir('keep-me.txt'), 'not a partial');
    assert.equal(await exec('discardPartial', record), 1);
    assert.deepEqual(partialsIn(dir()), [], 'the partial was deleted on the server');
    // Every server write the extension makes is in the activity log, the discard's delete too.
    const logged = async () => (await api.services.activity.read()).some((e) => e.action === 'delete' && e.path === path.posix.join(dir(), partials[0]));
    for (let i = 0; i < 50 && !(await logged()); i++) await new Promise((r) => setTimeout(r, 100));
    assert.ok(await logged(), 'the discarded partial is logged as a delete');
    assert.ok(existsSync(dir('keep-me.txt')), 'nothing else was touched');
    assert.equal((await row(record)).contextValue, 'transfer.cancelled', 'nothing left to resume or discard');
    assert.equal(await exec('resumeTransfer', record), undefined);
    assert.match(rec.errors.at(-1) ?? '', /Nothing to resume/);
  });

  it('Resume after a cancel continues from the partial and puts the right bytes on the server; the finished message says what and where', async () => {
    const api = await getApi();
    answerUi(api);
    const file = local('resume.bin');
    await fsp.writeFile(file, randomBytes(96 * MiB));
    // Cancelled as soon as half is on the server (synchronously in the progress event: no race with a fast link).
    const sub = api.services.transfers.onDidProgress((r) => {
      if (r.local === file && r.state === 'running' && r.bytes >= 48 * MiB) void exec('cancelTransfer', r);
    });
    let first: TransferRecord | undefined;
    try {
      [first] = (await exec<TransferRecord[]>('uploadFile', target(), [file])) ?? [];
    } finally {
      sub.dispose();
    }
    assert.equal(first?.state, 'cancelled', first?.error);
    assert.equal((await row(first)).contextValue, 'transfer.cancelled.partial');
    assert.ok(!existsSync(dir('resume.bin')), 'nothing in place yet');

    // Resume as the row's inline button passes it; the same row runs again.
    const resumed = await exec<TransferRecord>('resumeTransfer', first);
    assert.equal(resumed, first, 'the same row');
    assert.equal(resumed.state, 'done', resumed.error);
    assert.ok(resumed.total !== undefined && resumed.total < 80 * MiB, `only the rest was sent (${resumed.total} bytes planned)`);
    assert.equal(sha(dir('resume.bin')), sha(file), 'the server has exactly the local bytes');
    assert.deepEqual(partialsIn(dir()), [], 'no partial left');
    assert.match(resumed.summary ?? '', new RegExp(`^Uploaded resume\\.bin to ${P}:${dir().replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\(96\\.0 MiB, [\\d.]+ (s|min)`));
    assert.equal((await row(resumed)).contextValue, 'transfer.done');
    await fsp.rm(file);
  });

  it('a cancelled download leaves its partial on this machine: Discard Partial deletes it there; a finished one says where it went', async () => {
    const api = await getApi();
    answerUi(api);
    const remoteBig = dir('down-big.bin');
    await serverWrite(remoteBig, '');
    await fsp.truncate(remoteBig, 512 * MiB); // sparse on the server: cheap to make, long enough to cancel
    const into = local('downloads');
    mkdirSync(into, { recursive: true });
    const sub = api.services.transfers.onDidProgress((r) => {
      if (r.remote === remoteBig && r.state === 'running' && r.bytes >= 16 * MiB) void exec('cancelTransfer', r);
    });
    let r: TransferRecord | undefined;
    try {
      r = await exec<TransferRecord>('download', { profileName: P, path: remoteBig, type: 'file' }, path.join(into, 'down-big.bin'));
    } finally {
      sub.dispose();
    }
    // A cancelled command returns its record; the row offers Resume and Discard.
    r ??= api.services.transfers.all.find((x) => x.remote === remoteBig);
    assert.equal(r?.state, 'cancelled', r?.error);
    assert.equal((await row(r)).contextValue, 'transfer.cancelled.partial');
    assert.equal(readdirSync(into).filter(isPartialName).length, 1, `the partial is on this machine: ${readdirSync(into).join(', ')}`);
    assert.equal(await exec('discardPartial', r), 1);
    assert.deepEqual(readdirSync(into), [], 'the local partial was deleted, nothing else was there');
    await fsp.rm(remoteBig);

    await serverWrite(dir('small-down.txt'), 'twelve bytes');
    const got = await exec<TransferRecord>('download', { profileName: P, path: dir('small-down.txt'), type: 'file' }, path.join(into, 'small-down.txt'));
    assert.equal(got?.state, 'done', got?.error);
    assert.equal(got.summary, `Downloaded small-down.txt from ${P}:${dir()} to ${into} (12 B, ${/\(12 B, ([\d.]+ s)\)$/.exec(got.summary ?? '')?.[1]})`);

    // Download's remote path box takes a pasted URL of the same server, as every remote path box does.
    await serverWrite(dir('by-url.txt'), 'pasted url');
    answerUi(api, { input: (o) => (o.prompt?.startsWith('Remote path on') ? `sftp://${encodeURIComponent(config.user.name)}@${config.sftp.host}:${config.sftp.port}${dir('by-url.txt')}` : undefined) });
    const byUrl = await exec<TransferRecord>('download', P, path.join(into, 'by-url.txt'));
    assert.equal(byUrl?.state, 'done', byUrl?.error);
    assert.equal(readFileSync(path.join(into, 'by-url.txt'), 'utf8'), 'pasted url');
  });

  it('a folder transfer lists its files under its row, bounded, with a count of the rest', async () => {
    const api = await getApi();
    answerUi(api);
    const root = local('many');
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < 30; i++) writeFileSync(path.join(root, `f${String(i).padStart(2, '0')}.txt`), `file ${i}\n`);
    const [r] = (await exec<TransferRecord[]>('uploadFolder', target(), [root])) ?? [];
    assert.equal(r?.state, 'done', r?.error);
    const view = api.services.transfersView;
    const item = view.getTreeItem(r);
    assert.equal(item.collapsibleState, vscode.TreeItemCollapsibleState.Collapsed, 'the folder row opens onto its files');
    const children: TransferNode[] = view.getChildren(r);
    assert.ok(children.length <= 10, `bounded: ${children.length} rows for 30 files`);
    const labels = children.map((c) => view.getTreeItem(c));
    assert.ok(labels.slice(0, -1).every((l) => /^f\d\d\.txt$/.test(String(l.label)) && /^done · /.test(String(l.description))), labels.map((l) => `${l.label} ${l.description}`).join(', '));
    const more = labels[labels.length - 1];
    assert.equal(more.label, `${30 - (children.length - 1)} more files not listed`);
    assert.match(String(more.description), /^30 of 30 files done/);
    assert.match(r.summary ?? '', /^Uploaded many to .* \(30 files, /);
    // A single file's row has no children.
    const single = api.services.transfers.all.find((x) => !x.request.recursive && x.state === 'done')!;
    assert.deepEqual(view.getChildren(single), []);
  });

  it('an upload onto a file this window never saw asks first (Enter keeps it); folders ask once with a count', async () => {
    const api = await getApi();
    const file = local('page.html');
    writeFileSync(file, '<p>mine</p>\n');
    await serverWrite(dir('page.html'), '<p>theirs</p>\n');

    const keep = answerUi(api, { confirm: () => 'Cancel' });
    const [kept] = (await exec<TransferRecord[]>('uploadFile', target(), [file])) ?? [];
    assert.equal(keep.confirms.length, 1, 'asked');
    const q = keep.confirms[0];
    assert.equal(q.message, `page.html already exists on ${P}. Overwrite it?`);
    assert.deepEqual(q.actions, ['Overwrite']);
    assert.equal(q.safeDefault, 'Cancel', 'Enter keeps the server file');
    assert.equal(kept?.state, 'cancelled');
    assert.match(kept.error ?? '', /already exists/);
    assert.equal(readFileSync(dir('page.html'), 'utf8'), '<p>theirs</p>\n', 'untouched');

    const yes = answerUi(api, { confirm: (_m, a) => a.find((x) => x === 'Overwrite') });
    const [replaced] = (await exec<TransferRecord[]>('uploadFile', target(), [file])) ?? [];
    assert.equal(yes.confirms.length, 1);
    assert.equal(replaced?.state, 'done', replaced?.error);
    assert.equal(readFileSync(dir('page.html'), 'utf8'), '<p>mine</p>\n');
    assert.match(replaced.summary ?? '', new RegExp(`^Uploaded page\\.html to ${P}:.* \\(12 B, [\\d.]+ s\\)$`));
    // What we wrote ourselves is known now: uploading it again asks nothing.
    const quiet = answerUi(api);
    assert.equal((await exec<TransferRecord[]>('uploadFile', target(), [file]))?.[0]?.state, 'done');
    assert.equal(quiet.confirms.length, 0);

    // A folder: one question, counting the existing files.
    const root = local('site');
    mkdirSync(root, { recursive: true });
    mkdirSync(dir('site'), { recursive: true });
    await fsp.chown(dir('site'), ...ids());
    for (const n of ['a.txt', 'b.txt', 'c.txt', 'new.txt']) writeFileSync(path.join(root, n), `local ${n}\n`);
    for (const n of ['a.txt', 'b.txt', 'c.txt']) await serverWrite(dir('site', n), `server ${n}\n`);
    const folder = answerUi(api, { confirm: () => 'Cancel' });
    const [site] = (await exec<TransferRecord[]>('uploadFolder', target(), [root])) ?? [];
    assert.equal(folder.confirms.length, 1, 'asked once for the folder');
    assert.equal(folder.confirms[0].message, `3 files already exist on ${P}. Overwrite them?`);
    assert.match(folder.confirms[0].detail, /site\/a\.txt\n.*site\/b\.txt\n.*site\/c\.txt/);
    assert.equal(site?.state, 'cancelled');
    assert.ok(!existsSync(dir('site', 'new.txt')), 'Cancel uploads nothing');
    assert.equal(readFileSync(dir('site', 'a.txt'), 'utf8'), 'server a.txt\n');
  });

  it('with "confirmOverwrite": false in the profile, the upload replaces without a question', async () => {
    const api = await getApi();
    const file = local('quiet.txt');
    writeFileSync(file, 'local\n');
    await serverWrite(dir('quiet.txt'), 'server\n');
    const rec = answerUi(api);
    const [r] = (await exec<TransferRecord[]>('uploadFile', target(P_QUIET), [file])) ?? [];
    assert.equal(rec.confirms.length, 0, 'no question');
    assert.equal(r?.state, 'done', r?.error);
    assert.equal(readFileSync(dir('quiet.txt'), 'utf8'), 'local\n');
  });
});
