/**
 * `npm start` only: scripts/start.mjs sets SECURE_TRANSFER_DEMO_GUIDE to the demo workspace's DEMO.md
 * in the environment of the VS Code it starts. Then activation shows the Secure Transfer view and
 * DEMO.md rendered beside it. Without that variable (every normal user) nothing happens, and a path
 * outside the open workspace is ignored.
 */
import * as vscode from 'vscode';

export const DEMO_GUIDE_ENV = 'SECURE_TRANSFER_DEMO_GUIDE';

const SHOWN_KEY = 'secureTransfer.demoGuideShown';

/**
 * Opens the demo guide when the demo asked for it, once per demo (an extension host restart, e.g. after
 * Open Remote Folder in Workspace, does not open it again); true when it did.
 */
export async function openDemoGuide(state: vscode.Memento, env: NodeJS.ProcessEnv = process.env): Promise<boolean> {
  const file = env[DEMO_GUIDE_ENV];
  if (!file || state.get(SHOWN_KEY) === file) return false;
  const uri = vscode.Uri.file(file);
  if (!vscode.workspace.getWorkspaceFolder(uri)) return false;
  await state.update(SHOWN_KEY, file);
  await vscode.commands.executeCommand('workbench.view.extension.secureTransfer');
  await vscode.commands.executeCommand('markdown.showPreview', uri);
  return true;
}
