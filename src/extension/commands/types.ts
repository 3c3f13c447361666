/**
 * What every command file shares: the handler shape, the table type, and the two ways a command
 * finds where it works on the server (a folder, or one remote item).
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { LoadedProfile } from '../../core/profiles/types';
import type { Services } from '../services';
import { typedRemotePath } from '../addressInput';
import type { RemoteNode } from '../remoteTree';
import { resolveProfile, toTarget, type TargetArg } from '../targets';
import { startFolder } from '../connections';

const posix = path.posix;

/** A command: the services first, then whatever the caller passed (a tree node, a URI, plain values in tests). */
export type Handler = (s: Services, ...args: never[]) => Promise<unknown>;

/** One feature's commands: id → handler. The ids are those `package.json` contributes. */
export type Commands = Readonly<Record<string, Handler>>;

export function localPath(x: string | vscode.Uri): string {
  return typeof x === 'string' ? x : x.fsPath;
}

/** The remote folder a command works in: the node's folder, or one the user types. */
export async function remoteFolder(s: Services, arg: TargetArg, purpose: string): Promise<{ profile: LoadedProfile; dir: string } | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, purpose);
  if (!r) return undefined;
  const fs = await s.connections.get(r.profile);
  const node = toTarget(arg);
  if (node?.path !== undefined) {
    const folder = node.type === 'directory' || node.type === undefined ? node.path : posix.dirname(node.path);
    if (node.type !== undefined) return { profile: r.profile, dir: folder };
    const st = await fs.stat(node.path);
    return { profile: r.profile, dir: st.type === 'directory' ? node.path : posix.dirname(node.path) };
  }
  const start = await startFolder(fs, r.profile);
  if (arg !== undefined) return { profile: r.profile, dir: start };
  const typed = await s.ui.input({ prompt: `Remote folder on ${r.profile.name}`, value: start, ignoreFocusOut: true });
  if (!typed) return undefined;
  // A pasted URL of this server gives its path; another server's URL is refused.
  const dir = typedRemotePath(r.profile, typed, fs.homeDir);
  return { profile: r.profile, dir: dir.startsWith('/') ? dir : posix.join(start, dir) };
}

/** The remote file or folder a command is about: the node's, or a path the user types. */
export async function remoteItem(s: Services, arg: TargetArg, purpose: string): Promise<{ profile: LoadedProfile; path: string } | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, purpose);
  if (!r) return undefined;
  if (r.target.path !== undefined) return r.target.path ? { profile: r.profile, path: r.target.path } : undefined;
  const typed = await s.ui.input({ prompt: `Remote path on ${r.profile.name}`, placeHolder: `/path/on/the/server, or paste its ${r.profile.protocol}:// URL`, ignoreFocusOut: true });
  if (!typed) return undefined;
  const home = typed.includes('://') ? (await s.connections.get(r.profile)).homeDir : '';
  return { profile: r.profile, path: typedRemotePath(r.profile, typed, home) };
}

/**
 * With several rows selected in Remote Files, VS Code calls a context-menu command with the clicked
 * row and the whole selection (only when the clicked row is part of it).
 */
export function isTreeSelection(x: unknown): x is RemoteNode[] {
  return Array.isArray(x) && x.length > 0 && x.every((n) => typeof n === 'object' && n !== null && 'kind' in n);
}

/** What a selection-aware command works on: the selection, else the one argument. */
export function selectedTargets(arg: TargetArg, selected: unknown): TargetArg[] {
  return isTreeSelection(selected) ? selected : [arg];
}

/** Several remote items, each resolved like remoteItem (tree rows never ask). */
export async function remoteItems(s: Services, arg: TargetArg, selected: unknown, purpose: string): Promise<{ profile: LoadedProfile; path: string; type?: 'file' | 'directory' | 'symlink' | 'other' }[]> {
  const out: { profile: LoadedProfile; path: string; type?: 'file' | 'directory' | 'symlink' | 'other' }[] = [];
  for (const t of selectedTargets(arg, selected)) {
    const item = await remoteItem(s, t, purpose);
    if (!item) return [];
    out.push({ ...item, type: toTarget(t)?.type });
  }
  return out;
}
