/** Connect, Disconnect, Refresh, and Open Remote Folder in Workspace. */
import * as vscode from 'vscode';
import { UsageError } from '../../core/errors';
import { remoteUri } from '../remoteUri';
import type { Services } from '../services';
import { resolveProfile, toTarget, type TargetArg } from '../targets';
import { forgetConnections, rememberConnections } from '../workspaceRestart';
import { remoteFolder, type Commands } from './types';

export async function connectCommand(s: Services, arg?: TargetArg): Promise<boolean> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to connect to');
  if (!r) return false;
  await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: `Connecting to ${r.profile.name}` }, () => s.connections.get(r.profile));
  s.tree.refresh();
  return true;
}

async function disconnect(s: Services, arg?: TargetArg): Promise<void> {
  const t = toTarget(arg);
  const names = t ? [t.profileName] : s.connections.connectedNames();
  const name = names.length <= 1 ? names[0] : (await s.ui.pick(names.map((label) => ({ label })), { placeHolder: 'Disconnect which server?' }))?.label;
  if (name) {
    await s.connections.disconnect(name);
    s.tree.collapse(name); // an expanded row would list its files again, and so reconnect
  } else {
    s.tree.refresh();
  }
}

async function refresh(s: Services): Promise<void> {
  await s.profiles.reload();
  s.tree.refresh();
}

async function openRemoteFolderInWorkspace(s: Services, arg?: TargetArg): Promise<vscode.Uri | undefined> {
  const folder = await remoteFolder(s, arg, 'to open');
  if (!folder) return undefined;
  const uri = remoteUri(folder.profile.name, folder.dir);
  const folders = vscode.workspace.workspaceFolders ?? [];
  if (folders.some((f) => f.uri.toString() === uri.toString())) {
    await vscode.commands.executeCommand('workbench.view.explorer');
    return uri;
  }
  // Appended, so a local folder stays first (its shared profiles and settings stay the workspace's). Going
  // from one folder to several (or from none) restarts the extension host: note the connections first.
  const state = s.context.globalState;
  await rememberConnections(state, uri, [...s.connections.connectedNames(), folder.profile.name]);
  const changed = vscode.workspace.onDidChangeWorkspaceFolders(() => {
    changed.dispose();
    void forgetConnections(state); // no restart happened: nothing to restore
  });
  if (!vscode.workspace.updateWorkspaceFolders(folders.length, 0, { uri, name: `${folder.profile.name}: ${folder.dir}` })) {
    changed.dispose();
    await forgetConnections(state);
    throw new UsageError(`VS Code did not add ${uri.toString(true)} to the workspace: try again once the previous change of workspace folders has finished.`);
  }
  return uri;
}

export const CONNECTION_COMMANDS: Commands = {
  'secureTransfer.connect': connectCommand,
  'secureTransfer.disconnect': disconnect,
  'secureTransfer.refresh': refresh,
  'secureTransfer.openRemoteFolderInWorkspace': openRemoteFolderInWorkspace,
};
