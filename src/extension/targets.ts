/**
 * Commands are called from the tree (a node), an editor (a `secure-transfer:` URI), the palette
 * (nothing: ask) or tests (plain `{ profileName, path }`). This turns any of those into one shape.
 */
import * as vscode from 'vscode';
import type { LoadedProfile } from '../core/profiles/types';
import { serverUrl } from '../core/profiles/serverAddress';
import { UsageError } from '../core/errors';
import type { ProfileRegistry } from './profileRegistry';
import type { RemoteNode } from './remoteTree';
import { parseRemoteUri, SCHEME } from './remoteUri';
import type { Ui } from './ui';

export interface RemoteTarget {
  profileName: string;
  /** Absolute remote path; undefined = the profile's start folder. */
  path?: string;
  /** Known when it came from the tree. */
  type?: 'file' | 'directory' | 'symlink' | 'other';
}

export type TargetArg = RemoteNode | RemoteTarget | vscode.Uri | string | undefined;

export function toTarget(arg: TargetArg): RemoteTarget | undefined {
  if (arg === undefined || arg === null) return undefined;
  if (typeof arg === 'string') return { profileName: arg };
  if (arg instanceof vscode.Uri) return arg.scheme === SCHEME ? parseRemoteUri(arg) : undefined;
  if ('kind' in arg) {
    if (arg.kind === 'profile') return { profileName: arg.profile.name };
    if (arg.kind === 'entry') return { profileName: arg.profileName, path: arg.path, type: arg.type };
    return arg.profileName ? { profileName: arg.profileName } : undefined;
  }
  if (typeof arg === 'object' && typeof (arg as RemoteTarget).profileName === 'string') return arg as RemoteTarget;
  return undefined;
}

/** The profile a command is about: the argument's, the only one, or the one the user picks. */
export async function resolveProfile(profiles: ProfileRegistry, ui: Ui, arg: TargetArg, purpose: string): Promise<{ profile: LoadedProfile; target: RemoteTarget } | undefined> {
  const target = toTarget(arg);
  if (target) {
    const profile = profiles.find(target.profileName);
    if (!profile) throw new UsageError(`There is no Secure Transfer profile named "${target.profileName}": add it with "Secure Transfer: Add Profile" or check the name.`);
    return { profile, target: { ...target, profileName: profile.name } };
  }
  const all = profiles.profiles;
  if (all.length === 0) throw new UsageError('There are no Secure Transfer profiles yet: run "Secure Transfer: Add Profile" first.');
  const profile = all.length === 1
    ? all[0]
    : (await ui.pick(all.map((p) => ({ label: p.name, description: serverUrl(p), profile: p })), { placeHolder: `Which server ${purpose}?` }))?.profile;
  return profile ? { profile, target: { profileName: profile.name } } : undefined;
}
