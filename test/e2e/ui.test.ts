/**
 * UI tests: real clicks in a real VS Code (code-server) driven by playwright-core + Debian's chromium,
 * against a real OpenSSH sshd. One journey, in order: answer the host-key prompt, type the password,
 * browse, open a remote file, edit, save (checked on the server's disk), see changes made on the
 * server (the editor reloads, an expanded folder lists a new file), upload through the command
 * palette, cancel a long upload, review and run a sync plan, grade every server in the Server Security
 * overview (a second, deliberately weak sshd joins for it). Screenshots go to .test-artifacts/screenshots/ (those README.md shows:
 * test/e2e/workbench.ts DOC_SCREENSHOTS). Every menu entry is clicked in menus.test.ts.
 */
import { after, before, describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, statSync, truncateSync, utimesSync, writeFileSync, chownSync, rmSync, mkdtempSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { ensureTestUser, scratchDir, startSshd, stopAll, type RunningServer } from '../harness';
import { launchBrowser, newLoopbackPage, startCodeServer, type CodeServer } from '../harness/codeServer';
import { REPO_ROOT } from '../harness/common';
import { refreshDocScreenshots, Workbench } from './workbench';

const SHOTS = path.join(REPO_ROOT, '.test-artifacts', 'screenshots');
const BIG = 2 * 1024 * 1024 * 1024;

describe('Secure Transfer in the VS Code UI', { timeout: 300_000 }, () => {
  let sshd: RunningServer;
  let server: CodeServer;
  let browser: Browser;
  let page: Page;
  let remoteDir: string;
  let workspace: string;
  let password: string;

  const shot = (name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  const remote = (...p: string[]) => path.posix.join(remoteDir, ...p);

  async function runCommand(title: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await page.keyboard.press('F1');
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      await input.fill(`>${title}`);
      const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      if (await row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) {
        await page.keyboard.press('Enter');
        return;
      }
      await page.keyboard.press('Escape'); // the command may not be registered yet: try again
    }
    throw new Error(`The command palette never listed "${title}".`);
  }

  before(async () => {
    mkdirSync(SHOTS, { recursive: true });
    const user = await ensureTestUser();
    password = user.password;
    sshd = await startSshd();
    remoteDir = (await scratchDir('e2e')).remote;
    const owner = statSync(remoteDir);
    writeFileSync(remote('hello.txt'), 'Hello from the server\n');
    mkdirSync(remote('docs'));
    for (const f of ['hello.txt', 'docs']) chownSync(remote(f), owner.uid, owner.gid);

    workspace = mkdtempSync(path.join(os.tmpdir(), 'st-e2e-ws-'));
    mkdirSync(path.join(workspace, '.vscode'));
    mkdirSync(path.join(workspace, 'site'));
    writeFileSync(path.join(workspace, 'site', 'page.html'), '<p>uploaded from the palette</p>\n');
    writeFileSync(path.join(workspace, 'big.bin'), '');
    truncateSync(path.join(workspace, 'big.bin'), BIG); // sparse: instant here, long to upload
    writeFileSync(path.join(workspace, '.vscode', 'secure-transfer.json'), JSON.stringify({
      profiles: [{ name: 'demo', protocol: 'sftp', host: '127.0.0.1', port: sshd.port, username: user.name, remotePath: remoteDir, localRoot: 'site' }],
    }, null, 2));

    server = await startCodeServer({ workspace });
    browser = await launchBrowser();
    page = await newLoopbackPage(browser);
    await page.goto(server.workbenchUrl({ extensionDevelopmentPath: REPO_ROOT }));
  });

  after(async () => {
    // `node scripts/test-e2e.mjs --update-screenshots`: README's pictures come from this journey.
    const copied = refreshDocScreenshots();
    if (copied.length) console.log(`docs/screenshots/ refreshed: ${copied.join(', ')}`);
    await browser?.close();
    await server?.stop();
    await stopAll();
    if (workspace) rmSync(workspace, { recursive: true, force: true });
  });

  it('shows the Secure Transfer view with the shared profile', async () => {
    const icon = page.locator('.activitybar [aria-label^="Secure Transfer"]').first();
    await icon.waitFor({ timeout: 60_000 });
    await icon.click();
    await page.getByRole('treeitem', { name: /demo/ }).waitFor({ timeout: 30_000 });
    await shot('01-remote-files-view');
  });

  it('asks about the unknown host key with its fingerprint; Enter means Cancel and nothing is sent', async () => {
    await page.getByRole('treeitem', { name: /demo/ }).click();
    const dialog = page.locator('.monaco-dialog-box');
    // Wait for the dialog to show the fingerprint (its state), then read it.
    await dialog.filter({ hasText: sshd.hostKeys![0].fingerprint }).waitFor({ timeout: 30_000 });
    const text = await dialog.innerText();
    assert.ok(text.includes(sshd.hostKeys![0].fingerprint), 'the dialog shows the SHA256 fingerprint');
    assert.ok(text.includes(sshd.hostKeys![0].type), 'the dialog shows the key type');
    await shot('02-host-key-prompt');
    await page.keyboard.press('Enter');
    await page.getByRole('treeitem', { name: /not trusted/ }).waitFor({ timeout: 30_000 });
    assert.doesNotMatch(await sshd.readLog(), /Accepted|Failed password/, 'no authentication reached the server');
    await shot('03-refused-in-place');
  });

  it('Connect asks again; Trust and Remember, then the password, then the files show', async () => {
    await runCommand('Secure Transfer: Connect');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 30_000 });
    await dialog.getByRole('button', { name: 'Trust and Remember' }).click();
    const input = page.locator('.quick-input-widget input[type="password"]');
    await input.waitFor({ timeout: 30_000 });
    await input.fill(password);
    await shot('04-password-prompt');
    await page.keyboard.press('Enter');
    await page.getByRole('treeitem', { name: /hello\.txt/ }).waitFor({ timeout: 30_000 });
    await page.getByRole('treeitem', { name: /docs/ }).waitFor();
    await shot('05-browsing');
  });

  it('audits the server after connecting: a notification with Show Security Report and a badge on the view', async () => {
    const toast = page.locator('.notification-toast', { hasText: 'Security audit of "demo"' });
    await toast.waitFor({ timeout: 30_000 });
    await toast.getByRole('button', { name: 'Show Security Report' }).waitFor();
    // The badge renders after the toast: wait for its state, never read it once (a fresh clone read '').
    await page.locator('.activitybar .badge[aria-label^="Secure Transfer"]', { hasText: /^\s*1\s*$/ }).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(400); // let the toast finish fading in for the screenshot
    await shot('05b-audit-alert');
    // Out of the way of the progress notifications below.
    await runCommand('Notifications: Clear All Notifications');
    await toast.waitFor({ state: 'detached' });
  });

  it('opens a remote file, edits and saves it to the server', async () => {
    await page.getByRole('treeitem', { name: /hello\.txt/ }).click();
    const editor = page.locator('.editor-instance .monaco-editor .view-lines').first();
    await editor.waitFor({ timeout: 30_000 });
    await page.locator('.editor-instance .view-lines', { hasText: 'Hello from the server' }).waitFor();
    await editor.click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('Edited in VS Code. ');
    await page.keyboard.press('Control+s');
    const deadline = Date.now() + 30_000;
    while (!readFileSync(remote('hello.txt'), 'utf8').startsWith('Edited in VS Code. ') && Date.now() < deadline) await page.waitForTimeout(200);
    assert.equal(readFileSync(remote('hello.txt'), 'utf8'), 'Edited in VS Code. Hello from the server\n');
    await shot('06-edited-and-saved');
  });

  it('sees changes made on the server: the open editor reloads, and a new file appears in an expanded folder', async () => {
    // hello.txt is open and saved (no unsaved edits); its folder is the expanded profile row's, listed
    // by the watcher since the connection (default interval, 5 s). A change on the server's disk reloads it.
    writeFileSync(remote('hello.txt'), 'Changed on the server while open.\n');
    await page.locator('.editor-instance .view-lines', { hasText: 'Changed on the server while open.' }).waitFor({ timeout: 60_000 });
    // Expand docs (a click on a folder row): once its first file shows, the watcher has listed it too.
    await page.getByRole('treeitem', { name: /docs/ }).click();
    writeFileSync(remote('docs', 'first.txt'), 'first\n');
    await page.getByRole('treeitem', { name: /first\.txt/ }).waitFor({ timeout: 60_000 });
    // Written after both listings: only the watcher's next listing (and the node's refresh) can show it.
    writeFileSync(remote('docs', 'second.txt'), 'second\n');
    await page.getByRole('treeitem', { name: /second\.txt/ }).waitFor({ timeout: 60_000 });
  });

  it('uploads the active file through the command palette', async () => {
    await runCommand('Go to File');
    await page.keyboard.type('page.html');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'page.html' }).first().waitFor();
    await page.keyboard.press('Enter');
    await page.locator('.tab', { hasText: 'page.html' }).waitFor();
    await runCommand('Secure Transfer: Upload Active File');
    const deadline = Date.now() + 30_000;
    const uploaded = () => (existsSync(remote('page.html')) ? readFileSync(remote('page.html'), 'utf8') : undefined);
    // The file appears on the server before its bytes do: wait for the content, not the name.
    while (uploaded() !== '<p>uploaded from the palette</p>\n' && Date.now() < deadline) await page.waitForTimeout(200);
    assert.equal(uploaded(), '<p>uploaded from the palette</p>\n');
    await shot('07-uploaded-from-palette');
  });

  it('cancels a long upload from its progress notification', async () => {
    await page.locator('.activitybar [aria-label^="Explorer"]').first().click();
    const row = page.getByRole('treeitem', { name: /big\.bin/ });
    await row.waitFor({ timeout: 30_000 });
    const input = page.locator('.quick-input-widget input');
    // The workbench ignores a click that lands too soon after a context menu opened (more often on a
    // busy machine): hover the item first, and if the click was still dropped, press Enter on the
    // item the hover highlighted. Reopen the menu at most three times; a command that never prompts
    // still fails.
    for (let attempt = 1; ; attempt++) {
      await row.click({ button: 'right' });
      const item = page.locator('.context-view .action-label', { hasText: 'Upload to Remote…' });
      await item.hover();
      await page.waitForTimeout(300);
      await item.click();
      let prompted = await input.waitFor({ timeout: 5_000 }).then(() => true, () => false);
      if (!prompted && (await item.isVisible())) {
        await page.keyboard.press('Enter');
        prompted = await input.waitFor({ timeout: 5_000 }).then(() => true, () => false);
      }
      if (prompted) break;
      if (attempt === 3) {
        await shot('08-FAILED-no-folder-prompt');
        await page.keyboard.press('Escape'); // the next test must not start under an open menu
        throw new Error('"Upload to Remote…" never asked for the remote folder');
      }
      await page.keyboard.press('Escape');
    }
    await page.keyboard.press('Enter'); // the remote folder: the profile's remotePath, prefilled
    const toast = page.locator('.notification-toast', { hasText: 'Uploading big.bin' });
    await toast.waitFor({ timeout: 30_000 });
    // The progress shows bytes and rate ("12.0 MiB of 2.0 GiB · 30.1 MiB/s").
    await page.locator('.notification-toast', { hasText: /Uploading big\.bin.* of 2\.0 GiB · .*\/s/ }).waitFor({ timeout: 30_000 });
    await page.waitForTimeout(400); // let the toast finish fading in for the screenshot
    await shot('08-upload-in-progress');
    await toast.getByRole('button', { name: 'Cancel' }).click();
    // force: the security badge on the icon takes the pointer events (the click still reaches the icon).
    await page.locator('.activitybar [aria-label^="Secure Transfer"]').first().click({ force: true });
    await page.getByRole('treeitem', { name: /upload big\.bin .*cancelled/ }).waitFor({ timeout: 30_000 }).catch(async (err) => {
      await shot('09-upload-cancelled-FAILED');
      throw err;
    });
    await shot('09-upload-cancelled');
    const size = existsSync(remote('big.bin')) ? statSync(remote('big.bin')).size : 0;
    assert.ok(size < BIG, `the server has only part of the file (${size} of ${BIG} bytes)`);
  });

  it('shows the security report of the server in a webview panel', async () => {
    await runCommand('Secure Transfer: Show Security Report');
    await page.locator('.tab', { hasText: 'Security Report: demo' }).waitFor({ timeout: 30_000 });
    // The report renders inside the webview's nested iframes.
    const report = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    await report.getByText(`127.0.0.1:${sshd.port}`).first().waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await shot('10-security-report');
  });

  it('shows a sync plan from the tree\'s context menu, grouped, and runs it with Run Sync', async () => {
    // Local changes to deploy: two new files and a changed page (newer than the server's copy).
    mkdirSync(path.join(workspace, 'site', 'css'), { recursive: true });
    writeFileSync(path.join(workspace, 'site', 'css', 'site.css'), 'body { margin: 0 }\n');
    writeFileSync(path.join(workspace, 'site', 'about.html'), '<p>about</p>\n');
    writeFileSync(path.join(workspace, 'site', 'page.html'), '<p>changed locally</p>\n');
    const later = new Date(Date.now() + 60_000);
    utimesSync(path.join(workspace, 'site', 'page.html'), later, later);
    await runCommand('View: Close All Editors');
    const wb = new Workbench(page);
    await wb.showContainer('Secure Transfer');
    await wb.contextMenu(page.getByRole('treeitem', { name: /^demo/ }).first(), 'Sync Local → Remote…');
    // Only the Sync Plan view has these rows. Remote Files is folded away so the whole plan shows.
    const planRow = (name: RegExp) => page.getByRole('treeitem', { name }).first();
    await planRow(/^New \(2\)/).waitFor({ timeout: 60_000 }).catch(async (err) => {
      await shot('11-sync-plan-FAILED');
      throw err;
    });
    await wb.paneHeader('Remote Files').click();
    for (const row of [/^Changed \(1\)/, /about\.html/, /css\/site\.css/, /page\.html/]) await planRow(row).waitFor({ timeout: 30_000 });
    assert.ok(!existsSync(remote('about.html')), 'nothing is sent before Run Sync');
    // A click on the changed row opens the diff: the server's page.html left, the local one right.
    await planRow(/page\.html/).click();
    await wb.tab(/page\.html \(demo ↔ local\)/).waitFor({ timeout: 30_000 });
    await page.locator('.editor-instance .view-lines', { hasText: 'changed locally' }).first().waitFor({ timeout: 30_000 });
    // The focused plan shows its title buttons; the pointer rests on the editor (no tooltip over the plan).
    await page.mouse.move(900, 650);
    await page.waitForTimeout(600);
    await shot('11-sync-plan');
    await wb.viewTitleAction('Sync Plan', 'Run Sync');
    const deadline = Date.now() + 60_000;
    const synced = () => existsSync(remote('about.html')) && existsSync(remote('css', 'site.css')) && readFileSync(remote('page.html'), 'utf8') === '<p>changed locally</p>\n';
    while (!synced() && Date.now() < deadline) await page.waitForTimeout(200);
    assert.ok(synced(), 'the ticked rows reached the server');
    await page.locator('.notification-toast', { hasText: /^Synced|Synced .* transferred/ }).first().waitFor({ timeout: 30_000 });
    await page.getByRole('treeitem', { name: /sync site .*done/ }).waitFor({ timeout: 30_000 });
    await shot('12-sync-done');
    await wb.paneHeader('Remote Files').click();
  });

  it('grades every server in the Server Security overview: its title button, then Audit All in the table', async () => {
    // A second server with legacy algorithms and an RSA-1024 key joins the shared profiles (the view reloads the file).
    const weak = await startSshd({ variant: 'weak', hostKeyTypes: ['rsa1024', 'ed25519'] });
    const file = path.join(workspace, '.vscode', 'secure-transfer.json');
    const shared = JSON.parse(readFileSync(file, 'utf8')) as { profiles: Record<string, unknown>[] };
    shared.profiles.push({ name: 'legacy-box', protocol: 'sftp', host: '127.0.0.1', port: weak.port, username: 'deploy' });
    writeFileSync(file, JSON.stringify(shared, null, 2));
    await runCommand('View: Close All Editors');
    await runCommand('Notifications: Clear All Notifications');
    const wb = new Workbench(page);
    await wb.showContainer('Secure Transfer');
    // Folded, so both profile rows show (the list draws only the rows that fit).
    await wb.viewTitleAction('Remote Files', 'Collapse All');
    await page.getByRole('treeitem', { name: /^legacy-box/ }).waitFor({ timeout: 30_000 }).catch(async (err) => {
      await shot('13-server-security-FAILED');
      throw err;
    });
    await wb.viewTitleAction('Remote Files', 'Show Server Security');
    await wb.tab('Server Security').waitFor({ timeout: 30_000 });
    const table = page.frameLocator('iframe.webview').frameLocator('iframe#active-frame');
    const legacy = table.locator('tbody tr', { hasText: 'legacy-box' });
    await legacy.filter({ hasText: 'not checked yet' }).waitFor({ timeout: 30_000 });
    await table.getByRole('button', { name: 'Audit All' }).click();
    // Done when the table is drawn without a run in progress and both rows have a grade letter.
    const graded = (row: string) => table.locator('tbody tr', { hasText: row }).locator('.grade:not(.none)');
    await graded('legacy-box').waitFor({ timeout: 60_000 });
    await graded('demo').waitFor({ timeout: 60_000 });
    await table.locator('.progress').waitFor({ state: 'detached', timeout: 60_000 });
    await table.locator('button[data-command="auditAll"]:not([disabled])').waitFor({ timeout: 60_000 });
    const [demoGrade, legacyGrade] = [await graded('demo').innerText(), await graded('legacy-box').innerText()];
    assert.ok(legacyGrade.trim() > demoGrade.trim(), `the weak server grades worse (${legacyGrade}) than the demo server (${demoGrade})`);
    await runCommand('Notifications: Clear All Notifications');
    await page.mouse.move(900, 650);
    await page.waitForTimeout(500);
    await shot('13-server-security');
  });
});
