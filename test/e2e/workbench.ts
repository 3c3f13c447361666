/**
 * What the UI suites do in the workbench, written once: the command palette, context menus, view
 * title buttons, inline actions, dialogs and notifications of a real VS Code (code-server) page.
 * Every helper waits for a visible state, never a fixed time alone.
 */
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import * as path from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { REPO_ROOT } from '../harness/common';

export const SHOTS = path.join(REPO_ROOT, '.test-artifacts', 'screenshots');
const README_SHOTS = path.join(REPO_ROOT, 'docs', 'screenshots');

/**
 * The screenshots README.md and docs/ show, by the name the suites give them. `node scripts/test-e2e.mjs
 * --update-screenshots` copies them over docs/screenshots/ after a run in which their suite passed.
 */
export const DOC_SCREENSHOTS: Readonly<Record<string, string>> = {
  '02-host-key-prompt': 'host-key-prompt.png',
  '05b-audit-alert': 'audit-alert.png',
  '08-upload-in-progress': 'upload-progress.png',
  '10-security-report': 'security-report.png',
  '11-sync-plan': 'sync-plan.png',
  '13-server-security': 'server-security.png',
};

/** Copies the suite's screenshots that docs use into docs/screenshots/ (only when asked: they are committed files). */
export function refreshDocScreenshots(names: readonly string[] = Object.keys(DOC_SCREENSHOTS)): string[] {
  if (process.env.SECURE_TRANSFER_UPDATE_SCREENSHOTS !== '1') return [];
  mkdirSync(README_SHOTS, { recursive: true });
  const copied: string[] = [];
  for (const name of names) {
    const from = path.join(SHOTS, `${name}.png`);
    if (!DOC_SCREENSHOTS[name] || !existsSync(from)) continue;
    copyFileSync(from, path.join(README_SHOTS, DOC_SCREENSHOTS[name]));
    copied.push(DOC_SCREENSHOTS[name]);
  }
  return copied;
}

export class Workbench {
  constructor(readonly page: Page) {}

  shot(name: string): Promise<Buffer> {
    mkdirSync(SHOTS, { recursive: true });
    return this.page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  }

  get quickInput(): Locator {
    return this.page.locator('.quick-input-widget');
  }

  get dialog(): Locator {
    return this.page.locator('.monaco-dialog-box');
  }

  notification(text: string | RegExp): Locator {
    return this.page.locator('.notification-toast', { hasText: text });
  }

  tab(text: string | RegExp): Locator {
    return this.page.locator('.tabs-container .tab', { hasText: text });
  }

  treeItem(name: string | RegExp): Locator {
    return this.page.getByRole('treeitem', { name }).first();
  }

  async runCommand(title: string): Promise<void> {
    for (let attempt = 0; attempt < 5; attempt++) {
      await this.page.keyboard.press('F1');
      const input = this.page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible' });
      // The palette closes when focus goes back to a webview that had it (a report panel just opened):
      // then it is opened again, not waited for.
      if (!(await input.fill(`>${title}`, { timeout: 5000 }).then(() => true, () => false))) {
        await this.page.locator('.part.sidebar .monaco-list').first().focus({ timeout: 2000 }).catch(() => undefined); // out of the webview
        continue;
      }
      const row = this.page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
      if (await row.waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false)) {
        await this.page.keyboard.press('Enter');
        return;
      }
      await this.page.keyboard.press('Escape'); // the command may not be registered yet: try again
    }
    throw new Error(`The command palette never listed "${title}".`);
  }

  /** Shows a view container from the activity bar (force: a badge on the icon takes the pointer events). */
  async showContainer(label: string): Promise<void> {
    const icon = this.page.locator(`.activitybar [aria-label^="${label}"]`).first();
    await icon.waitFor({ timeout: 60_000 });
    if ((await icon.getAttribute('aria-expanded')) !== 'true' && !(await icon.evaluate((e) => e.closest('.action-item')?.classList.contains('checked')))) {
      await icon.click({ force: true });
    }
  }

  /** The header of a view (pane) by its title, e.g. "Remote Files". */
  paneHeader(view: string): Locator {
    return this.page.locator('.pane-header', { has: this.page.locator('h3.title', { hasText: new RegExp(`^${view}$`, 'i') }) }).first();
  }

  /**
   * Presses a view title button: a navigation icon when shown, otherwise the "More Actions..." menu.
   * `label` is the command title (the button's aria-label starts with it).
   */
  async viewTitleAction(view: string, label: string): Promise<void> {
    const header = this.paneHeader(view);
    await header.waitFor({ timeout: 30_000 });
    await header.hover();
    const button = header.locator(`.actions .action-label[aria-label^="${label}"]`);
    if (await button.isVisible().catch(() => false)) {
      await button.click();
      return;
    }
    await this.pickFromMenu(() => header.locator('.actions .action-label[aria-label^="More Actions"]').click(), label);
  }

  /** Presses an inline action of a tree row (shown on hover). */
  async inlineAction(row: Locator, label: string): Promise<void> {
    await row.hover();
    const action = row.locator(`.actions .action-label[aria-label^="${label}"]`);
    await action.waitFor({ timeout: 10_000 });
    await action.click();
  }

  /** Right-clicks `target` and chooses `label` from its context menu. */
  contextMenu(target: Locator, label: string): Promise<void> {
    return this.pickFromMenu(() => target.click({ button: 'right' }), label);
  }

  /**
   * Opens a menu and clicks one item. The workbench ignores a click that lands too soon after a menu
   * opened (more often on a busy machine): hover first, and if the menu is still open after the click,
   * press Enter on the item the hover highlighted; reopen at most three times.
   */
  async pickFromMenu(open: () => Promise<unknown>, label: string): Promise<void> {
    const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
    for (let attempt = 1; ; attempt++) {
      await open();
      const item = this.page.locator('.context-view .action-label', { hasText: exact }).first();
      const shown = await item.waitFor({ timeout: 10_000 }).then(() => true, () => false);
      if (shown) {
        await item.hover();
        await this.page.waitForTimeout(300);
        await item.click().catch(() => undefined);
        let closed = await item.waitFor({ state: 'detached', timeout: 3_000 }).then(() => true, () => false);
        if (!closed && (await item.isVisible().catch(() => false))) {
          await this.page.keyboard.press('Enter');
          closed = await item.waitFor({ state: 'detached', timeout: 3_000 }).then(() => true, () => false);
        }
        if (closed) return;
      }
      await this.page.keyboard.press('Escape');
      if (attempt === 3) {
        const offered = await this.page.locator('.context-view .action-label').allInnerTexts().catch(() => []);
        throw new Error(`The menu never offered "${label}"${offered.length ? ` (it offered: ${offered.join(', ')})` : ''}.`);
      }
    }
  }

  /** Waits until no notification toast says an error (a broken button ends as one). */
  async noErrorToast(): Promise<void> {
    const errors = this.page.locator('.notification-toast .codicon-error');
    if (await errors.count()) {
      const text = await this.page.locator('.notification-toast', { has: errors }).allInnerTexts();
      throw new Error(`An error notification is showing: ${text.join(' | ')}`);
    }
  }

  /** The text of the focused element (which dialog button Enter would press). */
  focusedText(): Promise<string> {
    return this.page.evaluate<string>("document.activeElement ? document.activeElement.textContent || '' : ''");
  }

  async clearNotifications(): Promise<void> {
    await this.runCommand('Notifications: Clear All Notifications');
  }
}
