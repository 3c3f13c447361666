/// <reference types="mocha" />
/**
 * Monitoring: connects, uploads, downloads and deletes land in the local activity log (JSON lines in
 * the extension's global storage) with bytes and result, never a secret; the Activity view's server
 * filter (a QuickPick) keeps only that server's entries, and "Open as Text" shows them as a read-only
 * document. (Saves, new folders, renames, the action filter and live updates: 22-views.test.ts.)
 */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import type { ActivityEntry } from '../../../src/core/audit/activityLog';
import { answerUi, config, getApi } from './helpers';

const P = 'sftp-test';
const server = `sftp://${config.sftp.host}:${config.sftp.port}`;
const remoteDir = path.posix.join(config.remoteDir, 'sftp');
const exec = <T>(cmd: string, ...args: unknown[]) => vscode.commands.executeCommand<T>(`secureTransfer.${cmd}`, ...args);

describe('activity log', function () {
  this.timeout(60_000);
  const payload = 'activity log payload\n';
  const name = `logged-${Date.now()}.txt`;

  before(async () => {
    const api = await getApi();
    answerUi(api);
    const local = path.join(mkdtempSync(path.join(os.tmpdir(), 'st-activity-')), name);
    writeFileSync(local, payload);
    const [up] = await exec<{ state: string }[]>('uploadFile', { profileName: P, path: remoteDir, type: 'directory' }, [local]);
    assert.equal(up?.state, 'done');
    const down = await exec<{ state: string }>('download', { profileName: P, path: path.posix.join(remoteDir, name), type: 'file' }, local + '.back');
    assert.equal(down?.state, 'done');
    assert.equal(await exec('delete', { profileName: P, path: path.posix.join(remoteDir, name), type: 'file' }, { confirmed: true }), true);
  });

  it('records connect, upload, download and delete with bytes and result, and no secret', async () => {
    const api = await getApi();
    const entries = await api.services.activity.read({ server });
    const mine = (action: string) => entries.find((e) => e.action === action && e.path === path.posix.join(remoteDir, name));
    assert.ok(entries.some((e) => e.action === 'connect' && e.result === 'ok' && e.fingerprint === config.sftp.fingerprint));
    assert.deepEqual(pick(mine('upload')), { result: 'ok', bytes: payload.length });
    assert.deepEqual(pick(mine('download')), { result: 'ok', bytes: payload.length });
    assert.equal(mine('delete')?.result, 'ok');
    const file = readFileSync(path.join(api.services.activity.dir, 'activity.jsonl'), 'utf8');
    assert.ok(!file.includes(config.user.password), 'no password in the log file');
  });

  it('Filter by Server picks a server; the view and Open as Text show only its entries, read-only', async () => {
    const api = await getApi();
    let offered: string[] = [];
    answerUi(api, {
      pick: (items) => {
        offered = items.map((i) => i.label);
        return items.find((i) => i.label === server);
      },
    });
    try {
      await exec('filterActivityByServer');
      assert.ok(offered.includes('All servers') && offered.includes(server) && offered.includes(`sftp://${config.weakSftp.host}:${config.weakSftp.port}`));
      const rows = await exec<ActivityEntry[]>('showActivityLog');
      assert.ok(rows.length > 0 && rows.every((e) => e.server === server), 'only the picked server');
      const doc = await exec<vscode.TextDocument>('openActivityAsText');
      const text = doc.getText();
      assert.match(text, new RegExp(`upload\\s+ok\\s+${payload.length} B\\s+${path.posix.join(remoteDir, name).replace(/[.]/g, '\\.')}`));
      assert.match(text, /delete\s+ok/);
      assert.ok(!text.includes(`sftp://${config.weakSftp.host}:${config.weakSftp.port}`), 'only the picked server');
      assert.ok(!text.includes(config.user.password));
      assert.equal(doc.uri.scheme, 'secure-transfer-activity', 'a virtual document, not a file');
    } finally {
      await exec('clearActivityFilter');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    }
  });
});

function pick(e: ActivityEntry | undefined): { result?: string; bytes?: number } {
  return { result: e?.result, bytes: e?.bytes };
}
