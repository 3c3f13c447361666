/**
 * Every question the extension asks a person goes through this one object, so extension-host tests
 * can answer it (they replace a method) and commands stay callable without any UI.
 */
import * as vscode from 'vscode';

export interface Ui {
  pick<T extends vscode.QuickPickItem>(items: readonly T[], options: vscode.QuickPickOptions): Promise<T | undefined>;
  input(options: vscode.InputBoxOptions): Promise<string | undefined>;
  /**
   * A pick with checkboxes (items with `picked` start ticked). Resolves with the ticked items and what
   * was typed in the box when Enter was pressed (so a value can be typed instead of ticked), or
   * undefined for Escape.
   */
  pickMany<T extends vscode.QuickPickItem>(items: readonly T[], options: { title?: string; placeholder?: string }): Promise<{ picked: T[]; typed: string } | undefined>;
  /**
   * A modal warning; resolves with the chosen action, or undefined for Cancel. VS Code makes the first
   * button the default (Enter): with `safeDefault`, that first button is this refusing label instead.
   */
  confirm(message: string, detail: string, ...actions: string[]): Promise<string | undefined>;
  /** Like confirm(), but Enter picks `safeDefault` (which refuses), never an action. */
  confirmSafe(message: string, detail: string, safeDefault: string, ...actions: string[]): Promise<string | undefined>;
  /** A modal error with only a way out (no action that continues). */
  modalError(message: string, detail: string): Promise<void>;
  openDialog(options: vscode.OpenDialogOptions): Promise<vscode.Uri[] | undefined>;
  saveDialog(options: vscode.SaveDialogOptions): Promise<vscode.Uri | undefined>;
  info(message: string): void;
  error(message: string): void;
  /** A non-modal warning with buttons (e.g. "Show Security Report"); resolves with the one clicked. */
  notify(message: string, ...actions: string[]): Promise<string | undefined>;
  /** A non-modal question that is no warning (e.g. "Remember the password?"); undefined when dismissed. */
  offer(message: string, ...actions: string[]): Promise<string | undefined>;
}

export const windowUi: Ui = {
  pick: async (items, options) => vscode.window.showQuickPick(items, options),
  input: async (options) => vscode.window.showInputBox(options),
  pickMany: async <T extends vscode.QuickPickItem>(items: readonly T[], options: { title?: string; placeholder?: string }) => {
    const qp = vscode.window.createQuickPick<T>();
    qp.canSelectMany = true;
    qp.title = options.title;
    qp.placeholder = options.placeholder;
    qp.items = items;
    qp.selectedItems = items.filter((i) => i.picked);
    try {
      return await new Promise<{ picked: T[]; typed: string } | undefined>((resolve) => {
        qp.onDidAccept(() => resolve({ picked: [...qp.selectedItems], typed: qp.value.trim() }));
        qp.onDidHide(() => resolve(undefined));
        qp.show();
      });
    } finally {
      qp.dispose();
    }
  },
  confirm: async (message, detail, ...actions) => vscode.window.showWarningMessage(message, { modal: true, detail }, ...actions),
  confirmSafe: async (message, detail, safeDefault, ...actions) => {
    // VS Code always adds Cancel (Escape) and focuses the first button: make that one refuse too.
    const chosen = await vscode.window.showWarningMessage(message, { modal: true, detail }, safeDefault, ...actions);
    return chosen === safeDefault ? undefined : chosen;
  },
  modalError: async (message, detail) => {
    await vscode.window.showErrorMessage(message, { modal: true, detail });
  },
  openDialog: async (options) => vscode.window.showOpenDialog(options),
  saveDialog: async (options) => vscode.window.showSaveDialog(options),
  info: (message) => void vscode.window.showInformationMessage(message),
  error: (message) => void vscode.window.showErrorMessage(message),
  notify: async (message, ...actions) => vscode.window.showWarningMessage(message, ...actions),
  offer: async (message, ...actions) => vscode.window.showInformationMessage(message, ...actions),
};
