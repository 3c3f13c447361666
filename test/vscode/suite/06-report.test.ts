/// <reference types="mocha" />
/** Show Security Report: the audit of the real sshd in a webview with a strict CSP, and its export. */
import * as assert from 'node:assert/strict';
import * as path from 'node:path';
import { readFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { ReportPanel } from '../../../src/extension/securityReport';
import { answerUi, config, getApi } from './helpers';

describe('Show Security Report', function () {
  this.timeout(60_000);

  it('audits the server and shows the report in a webview without inline scripts', async () => {
    const api = await getApi();
    const rec = answerUi(api);
    const shown = await vscode.commands.executeCommand<ReportPanel>('secureTransfer.showSecurityReport', 'sftp-test');
    assert.ok(shown, rec.errors.join(' '));
    const html = shown.panel.webview.html;
    assert.match(html, /Content-Security-Policy/);
    assert.ok(!/script-src[^;]*unsafe-inline/.test(html));
    assert.ok(html.includes(`127.0.0.1:${config.sftp.port}`));
    assert.ok(shown.panel.webview.options.enableScripts);
    const out = vscode.Uri.file(path.join(config.workspace, 'report.json'));
    await shown.exportAs('json', out);
    const json = JSON.parse(readFileSync(out.fsPath, 'utf8'));
    assert.equal(json.server ?? json.report?.server, `sftp://127.0.0.1:${config.sftp.port}`);
    shown.panel.dispose();
  });
});
