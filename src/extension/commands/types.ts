/**
 * What every command file shares: the handler shape, the table type, and the two ways a command
 * finds where it works on the server (a folder, or one remote item).
 */
import * as path from 'node:path';
import type * as vscode from 'vscode';
import type { LoadedProfile } from '../../core/profiles/types';
import type { Services } from '../services';
import { resolveProfile, toTarget, type TargetArg } from '../targets';

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
  const start = r.profile.remotePath ? await fs.realpath(r.profile.remotePath) : fs.homeDir;
  if (arg !== undefined) return { profile: r.profile, dir: start };
  const typed = await s.ui.input({ prompt: `Remote folder on ${r.profile.name}`, value: start, ignoreFocusOut: true });
  return typed ? { profile: r.profile, dir: typed.startsWith('/') ? typed : posix.join(start, typed) } : undefined;
}

/** The remote file or folder a command is about: the node's, or a path the user types. */
export async function remoteItem(s: Services, arg: TargetArg, purpose: string): Promise<{ profile: LoadedProfile; path: string } | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, purpose);
  if (!r) return undefined;
  const p = r.target.path ?? (await s.ui.input({ prompt: `Remote path on ${r.profile.name}`, ignoreFocusOut: true }));
  return p ? { profile: r.profile, path: p } : undefined;
}
