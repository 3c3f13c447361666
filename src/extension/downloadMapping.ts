/**
 * Where a download lands by default: the remote file's place under the profile's localRoot (the
 * reverse of upload's mapping, extension/uploadMapping.ts), so Download and Download Active File put
 * a file back where Upload took it from.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { LoadedProfile } from '../core/profiles/types';
import { mapRemoteToLocal } from './uploadMapping';

/**
 * The folder a profile's localRoot is relative to: a shared profile's own workspace folder; for a user
 * profile, the workspace folder holding `near` (a local file being uploaded), else the first local one.
 */
export function localBaseDir(profile: LoadedProfile, near?: string): string | undefined {
  if (profile.source.kind === 'workspace') return path.dirname(path.dirname(profile.source.location));
  if (near !== undefined) return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(near))?.uri.fsPath;
  return vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath;
}

/** The local path a remote file maps to under localRoot, or undefined (no localRoot, outside remotePath, never-uploaded). */
export function mappedLocalPath(profile: LoadedProfile, remotePath: string, remoteHome: string): string | undefined {
  const m = mapRemoteToLocal(profile, remotePath, localBaseDir(profile), remoteHome);
  return m.ok ? m.localPath : undefined;
}
