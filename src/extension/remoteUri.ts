/** `secure-transfer://<profile-name>/abs/path`: how remote files are named inside VS Code. */
import * as vscode from 'vscode';

export const SCHEME = 'secure-transfer';

export function remoteUri(profileName: string, remotePath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: SCHEME, authority: profileName, path: remotePath.startsWith('/') ? remotePath : `/${remotePath}` });
}

export function parseRemoteUri(uri: vscode.Uri): { profileName: string; path: string } {
  return { profileName: uri.authority, path: uri.path || '/' };
}
