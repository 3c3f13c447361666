/**
 * The commands (category "Secure Transfer"), as a table: id → handler. Every handler takes optional
 * arguments so it can run without UI (tree menus pass a node, tests pass plain values); what is
 * missing is asked through `ui`. Failures end as one sentence (a modal for a changed server identity).
 */
import * as path from 'node:path';
import { existsSync, promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { CancelledError, describeError, UsageError } from '../core/errors';
import { BoundedInputError, PROFILE_FILE as PROFILE_FILE_SPEC, readBoundedFile } from '../core/fsutil';
import { parseUrl } from '../core/profiles/url';
import { DEFAULT_PORTS, type LoadedProfile, type Profile, type Protocol } from '../core/profiles/types';
import { forgetServer, setPassword, setTotpSeed } from '../core/secrets/secrets';
import { hostPort, serverUrl } from '../core/profiles/serverAddress';
import type { IdentityKind } from '../core/trust/types';
import { PROFILES_SETTING, SETTING_SECTION } from './profileRegistry';
import { PROFILE_FILE_PATH } from '../core/profiles/profileFile';
import { assertUploadable } from '../core/transfer/ignore';
import type { RemoteNode } from './remoteTree';
import { remoteUri } from './remoteUri';
import type { Services } from './services';
import { resolveProfile, toTarget, type RemoteTarget, type TargetArg } from './targets';
import { isIdentityChanged } from './trustPrompt';
import type { TransferRecord } from './transfers';
import { mapLocalToRemote } from './uploadMapping';
import { showSecurityReport } from './securityReport';
import { showActivityLog } from './activityView';

const posix = path.posix;

type Handler = (s: Services, ...args: never[]) => Promise<unknown>;

export interface NewProfileArgs {
  name: string;
  protocol: Protocol;
  host: string;
  port?: number;
  username: string;
  remotePath?: string;
  target: 'user' | 'workspace';
}

const PROTOCOL_PICKS: readonly (vscode.QuickPickItem & { protocol: Protocol })[] = [
  { label: 'SFTP', description: 'SSH file transfer (port 22)', protocol: 'sftp' },
  { label: 'FTPS (explicit TLS)', description: 'FTP with AUTH TLS (port 21)', protocol: 'ftpes' },
  { label: 'FTPS (implicit TLS)', description: 'legacy implicit TLS (port 990)', protocol: 'ftps' },
];

async function askNewProfile(s: Services): Promise<NewProfileArgs | undefined> {
  const protocol = (await s.ui.pick(PROTOCOL_PICKS, { placeHolder: 'How does the server transfer files? (plain FTP is not offered: it sends passwords in cleartext)' }))?.protocol;
  if (!protocol) return undefined;
  const validate = (text: string): string | undefined => {
    try {
      const u = parseUrl(`${protocol}://${text.trim()}`);
      return u.username ? undefined : 'Write the user name before the host: user@host.';
    } catch (err) {
      return describeError(err);
    }
  };
  const address = await s.ui.input({ prompt: 'Server address', placeHolder: 'user@host[:port][/remote/folder]', validateInput: validate, ignoreFocusOut: true });
  if (!address) return undefined;
  const url = parseUrl(`${protocol}://${address.trim()}`);
  const name = await s.ui.input({ prompt: 'Profile name', value: `${url.username}@${url.host}`, validateInput: (v) => (v.trim() && !v.includes('/') ? undefined : 'A profile name must not be empty or contain "/".'), ignoreFocusOut: true });
  if (!name) return undefined;
  const targets = [
    { label: 'User settings', description: 'only for you', target: 'user' as const },
    ...(s.profiles.profileFiles().length && !s.profiles.restricted ? [{ label: 'Workspace (shared)', description: PROFILE_FILE_PATH, target: 'workspace' as const }] : []),
  ];
  const where = targets.length === 1 ? targets[0] : await s.ui.pick(targets, { placeHolder: 'Where should the profile be saved?' });
  if (!where) return undefined;
  return { name: name.trim(), protocol, host: url.host, port: url.port, username: url.username!, remotePath: url.path.startsWith('/') ? url.path : undefined, target: where.target };
}

function profileJson(a: NewProfileArgs): Profile {
  const p: Profile = { name: a.name, protocol: a.protocol, host: a.host, username: a.username, port: a.port ?? DEFAULT_PORTS[a.protocol] };
  if (a.remotePath) p.remotePath = a.remotePath;
  return p;
}

async function readProfileDocument(file: string): Promise<{ profiles?: unknown[] }> {
  try {
    return JSON.parse((await readBoundedFile(file, PROFILE_FILE_SPEC)).toString('utf8')) as { profiles?: unknown[] };
  } catch (err) {
    if (err instanceof BoundedInputError) throw err;
    throw new UsageError(`${file} is not plain JSON (comments or a syntax error), so it can't be extended automatically: add the profile with "Secure Transfer: Edit Profiles".`);
  }
}

async function addProfile(s: Services, args?: NewProfileArgs): Promise<string | undefined> {
  const a = args ?? (await askNewProfile(s));
  if (!a) return undefined;
  if (s.profiles.find(a.name)) throw new UsageError(`A profile named "${a.name}" already exists: choose another name.`);
  const profile = profileJson(a);
  if (a.target === 'workspace') {
    const file = s.profiles.profileFiles()[0];
    if (!file || s.profiles.restricted) throw new UsageError('Shared profiles need a trusted workspace folder: open a folder and trust it, or save the profile in user settings.');
    const doc = existsSync(file) ? await readProfileDocument(file) : { profiles: [] };
    doc.profiles = [...(Array.isArray(doc.profiles) ? doc.profiles : []), profile];
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, JSON.stringify(doc, null, 2) + '\n');
  } else {
    const config = vscode.workspace.getConfiguration(SETTING_SECTION);
    const current = config.inspect<unknown[]>(PROFILES_SETTING)?.globalValue ?? [];
    await config.update(PROFILES_SETTING, [...current, profile], vscode.ConfigurationTarget.Global);
  }
  await s.profiles.reload();
  s.log.info(`Added profile "${a.name}" (${a.target}).`);
  return a.name;
}

async function editProfiles(s: Services, where?: 'user' | 'workspace'): Promise<void> {
  const choice = where ?? (s.profiles.profileFiles().length && !s.profiles.restricted
    ? (await s.ui.pick([{ label: 'Workspace (shared)', target: 'workspace' as const }, { label: 'User settings', target: 'user' as const }], { placeHolder: 'Which profiles?' }))?.target
    : 'user');
  if (!choice) return;
  if (choice === 'user') {
    await vscode.commands.executeCommand('workbench.action.openSettingsJson');
    return;
  }
  const file = s.profiles.profileFiles()[0];
  if (!file) throw new UsageError(`Open a folder first: shared profiles live in its ${PROFILE_FILE_PATH}.`);
  if (!existsSync(file)) {
    await fsp.mkdir(path.dirname(file), { recursive: true });
    await fsp.writeFile(file, JSON.stringify({ profiles: [] }, null, 2) + '\n');
  }
  await vscode.window.showTextDocument(vscode.Uri.file(file));
}

async function connectCommand(s: Services, arg?: TargetArg): Promise<boolean> {
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
  if (name) await s.connections.disconnect(name);
  s.tree.refresh();
}

async function refresh(s: Services): Promise<void> {
  await s.profiles.reload();
  s.tree.refresh();
}

/** The remote folder a command works in: the node's folder, or one the user types. */
async function remoteFolder(s: Services, arg: TargetArg, purpose: string): Promise<{ profile: LoadedProfile; dir: string } | undefined> {
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

function assertFinished(r: TransferRecord): TransferRecord {
  if (r.state === 'failed') throw new UsageError(r.error ?? 'The transfer failed.', 'transfer-failed');
  return r;
}

async function uploadPaths(s: Services, folder: { profile: LoadedProfile; dir: string }, locals: string[]): Promise<TransferRecord[]> {
  const results: TransferRecord[] = [];
  for (const local of locals) {
    const st = await fsp.stat(local);
    const remote = posix.join(folder.dir, path.basename(local));
    if (st.isDirectory()) {
      // The engine skips `.git/`, the profile file and the profile's ignore globs.
      results.push(await s.transfers.run({ direction: 'upload', profile: folder.profile, local, remote, recursive: true }));
    } else {
      assertUploadable(local);
      results.push(await s.transfers.run({ direction: 'upload', profile: folder.profile, local, remote }));
    }
  }
  s.tree.refresh();
  return results.map(assertFinished);
}

async function uploadFile(s: Services, arg?: TargetArg, files?: (string | vscode.Uri)[]): Promise<TransferRecord[]> {
  const folder = await remoteFolder(s, arg, 'to upload to');
  if (!folder) return [];
  const picked = files ?? (await s.ui.openDialog({ canSelectMany: true, canSelectFiles: true, canSelectFolders: false, openLabel: 'Upload' }));
  return picked ? uploadPaths(s, folder, picked.map(localPath)) : [];
}

async function uploadFolder(s: Services, arg?: TargetArg, folders?: (string | vscode.Uri)[]): Promise<TransferRecord[]> {
  const folder = await remoteFolder(s, arg, 'to upload to');
  if (!folder) return [];
  const picked = folders ?? (await s.ui.openDialog({ canSelectMany: false, canSelectFiles: false, canSelectFolders: true, openLabel: 'Upload Folder' }));
  return picked ? uploadPaths(s, folder, picked.map(localPath)) : [];
}

function localPath(x: string | vscode.Uri): string {
  return typeof x === 'string' ? x : x.fsPath;
}

/** The folder a profile's localRoot is relative to: its workspace folder (shared) or the file's folder (user). */
export function baseDirFor(profile: LoadedProfile, file: string): string | undefined {
  if (profile.source.kind === 'workspace') return path.dirname(path.dirname(profile.source.location));
  return vscode.workspace.getWorkspaceFolder(vscode.Uri.file(file))?.uri.fsPath;
}

/** Where a local file maps on a profile (localRoot ↔ remotePath), without connecting when it can't. */
export async function mappedUploads(s: Services, file: string, onlyUploadOnSave: boolean): Promise<{ profile: LoadedProfile; remote: string }[]> {
  const result: { profile: LoadedProfile; remote: string }[] = [];
  for (const profile of s.profiles.profiles) {
    if (profile.localRoot === undefined || (onlyUploadOnSave && !profile.uploadOnSave)) continue;
    const probe = mapLocalToRemote(profile, file, baseDirFor(profile, file), '');
    if (!probe.ok) {
      if (probe.reason === 'ignored') s.log.debug(`Not uploading ${probe.relativePath}: it is ignored for ${profile.name}.`);
      continue;
    }
    const home = profile.remotePath === undefined ? (await s.connections.get(profile)).homeDir : '';
    const mapped = mapLocalToRemote(profile, file, baseDirFor(profile, file), home);
    if (mapped.ok) result.push({ profile, remote: mapped.remotePath });
  }
  return result;
}

async function uploadActiveFile(s: Services, file?: string | vscode.Uri): Promise<TransferRecord[]> {
  const uri = file === undefined ? vscode.window.activeTextEditor?.document.uri : typeof file === 'string' ? vscode.Uri.file(file) : file;
  if (!uri || uri.scheme !== 'file') throw new UsageError('Open a local file in the editor first: Upload Active File uploads the file of the active editor.');
  const doc = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (doc?.isDirty) await doc.save();
  const mapped = await mappedUploads(s, uri.fsPath, false);
  if (mapped.length === 0) return uploadFile(s, undefined, [uri]);
  const records: TransferRecord[] = [];
  for (const m of mapped) records.push(await s.transfers.run({ direction: 'upload', profile: m.profile, local: uri.fsPath, remote: m.remote }));
  s.tree.refresh();
  return records.map(assertFinished);
}

/** Explorer context menu: the clicked file plus any other selected ones. */
async function uploadToRemote(s: Services, clicked?: vscode.Uri, selected?: vscode.Uri[], target?: TargetArg): Promise<TransferRecord[]> {
  const files = selected?.length ? selected : clicked ? [clicked] : undefined;
  if (!files) throw new UsageError('Select files or folders in the Explorer first, then choose Upload to Remote….');
  const folder = await remoteFolder(s, target, 'to upload to');
  return folder ? uploadPaths(s, folder, files.map(localPath)) : [];
}

async function download(s: Services, arg?: TargetArg, destination?: string | vscode.Uri): Promise<TransferRecord | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to download from');
  if (!r) return undefined;
  const fs = await s.connections.get(r.profile);
  const remote = r.target.path ?? (await s.ui.input({ prompt: `Remote path on ${r.profile.name} to download`, value: fs.homeDir, ignoreFocusOut: true }));
  if (!remote) return undefined;
  const isDir = (r.target.type ?? (await fs.stat(remote)).type) === 'directory';
  let local = destination === undefined ? undefined : localPath(destination);
  if (!local) {
    const base = vscode.workspace.workspaceFolders?.[0]?.uri;
    if (isDir) {
      const picked = await s.ui.openDialog({ canSelectFolders: true, canSelectFiles: false, openLabel: 'Download Here', defaultUri: base });
      local = picked?.[0] && path.join(picked[0].fsPath, posix.basename(remote));
    } else {
      local = (await s.ui.saveDialog({ defaultUri: base && vscode.Uri.joinPath(base, posix.basename(remote)), saveLabel: 'Download' }))?.fsPath;
    }
  }
  if (!local) return undefined;
  return assertFinished(await s.transfers.run({ direction: 'download', profile: r.profile, local, remote, recursive: isDir }));
}

async function newFolder(s: Services, arg?: TargetArg, name?: string): Promise<string | undefined> {
  const folder = await remoteFolder(s, arg ?? undefined, 'to create the folder on');
  if (!folder) return undefined;
  const n = name ?? (await s.ui.input({ prompt: `New folder in ${folder.dir}`, validateInput: (v) => (v && !v.includes('/') ? undefined : 'Type a name without "/".') }));
  if (!n) return undefined;
  const target = posix.join(folder.dir, n);
  await s.fsProvider.createDirectory(remoteUri(folder.profile.name, target));
  s.tree.refresh();
  return target;
}

async function remoteItem(s: Services, arg: TargetArg, purpose: string): Promise<{ profile: LoadedProfile; path: string } | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, purpose);
  if (!r) return undefined;
  const p = r.target.path ?? (await s.ui.input({ prompt: `Remote path on ${r.profile.name}`, ignoreFocusOut: true }));
  return p ? { profile: r.profile, path: p } : undefined;
}

async function deleteCommand(s: Services, arg?: TargetArg, options?: { confirmed?: boolean }): Promise<boolean> {
  const item = await remoteItem(s, arg, 'to delete on');
  if (!item) return false;
  if (!options?.confirmed) {
    const answer = await s.ui.confirm(`Delete ${item.path} on ${item.profile.name}?`, 'A folder is deleted with everything in it. This cannot be undone.', 'Delete');
    if (answer !== 'Delete') return false;
  }
  await s.fsProvider.delete(remoteUri(item.profile.name, item.path), { recursive: true });
  s.tree.refresh();
  return true;
}

async function rename(s: Services, arg?: TargetArg, newName?: string): Promise<string | undefined> {
  const item = await remoteItem(s, arg, 'to rename on');
  if (!item) return undefined;
  const n = newName ?? (await s.ui.input({ prompt: `New name for ${item.path}`, value: posix.basename(item.path), validateInput: (v) => (v && !v.includes('/') ? undefined : 'Type a name without "/".') }));
  if (!n) return undefined;
  const to = posix.join(posix.dirname(item.path), n);
  await s.fsProvider.rename(remoteUri(item.profile.name, item.path), remoteUri(item.profile.name, to), { overwrite: false });
  s.tree.refresh();
  return to;
}

async function copyRemotePath(s: Services, arg?: TargetArg): Promise<string | undefined> {
  const item = await remoteItem(s, arg, 'to copy a path from');
  if (!item) return undefined;
  await vscode.env.clipboard.writeText(item.path);
  return item.path;
}

async function open(s: Services, arg?: TargetArg): Promise<void> {
  const item = await remoteItem(s, arg, 'to open a file from');
  if (item) await vscode.window.showTextDocument(remoteUri(item.profile.name, item.path), { preview: false });
}

async function openRemoteFolderInWorkspace(s: Services, arg?: TargetArg): Promise<vscode.Uri | undefined> {
  const folder = await remoteFolder(s, arg, 'to open');
  if (!folder) return undefined;
  const uri = remoteUri(folder.profile.name, folder.dir);
  const at = vscode.workspace.workspaceFolders?.length ?? 0;
  vscode.workspace.updateWorkspaceFolders(at, 0, { uri, name: `${folder.profile.name}: ${folder.dir}` });
  return uri;
}

async function setPasswordCommand(s: Services, arg?: TargetArg, password?: string): Promise<boolean> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to store the password for');
  if (!r) return false;
  const pw = password ?? (await s.ui.input({ prompt: `Password for ${serverUrl(r.profile)} (kept in the OS keychain)`, password: true, ignoreFocusOut: true }));
  if (!pw) return false;
  s.log.redactor.add(pw);
  await setPassword(s.secrets, r.profile, pw);
  s.ui.info(`The password for ${serverUrl(r.profile)} is stored in the OS keychain.`);
  return true;
}

async function setTotpSecret(s: Services, arg?: TargetArg, seed?: string): Promise<string | undefined> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to store the TOTP secret for');
  if (!r) return undefined;
  const text = seed ?? (await s.ui.input({ prompt: `TOTP secret (base32 or otpauth:// URI) for ${serverUrl(r.profile)}`, password: true, ignoreFocusOut: true }));
  if (!text) return undefined;
  s.log.redactor.add(text);
  const stored = await setTotpSeed(s.secrets, r.profile, text);
  s.ui.info(`TOTP secret stored for ${serverUrl(r.profile)}. Current code: ${stored.code} (${stored.secondsLeft} s left): compare it with your authenticator app.`);
  return stored.code;
}

async function forgetSecrets(s: Services, arg?: TargetArg, options?: { confirmed?: boolean }): Promise<string[]> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'to forget the secrets of');
  if (!r) return [];
  if (!options?.confirmed) {
    const answer = await s.ui.confirm(`Forget the stored password, passphrase and TOTP secret of ${serverUrl(r.profile)}?`, 'They are removed from the OS keychain.', 'Forget');
    if (answer !== 'Forget') return [];
  }
  const kinds = await forgetServer(s.secrets, r.profile);
  await s.connections.disconnect(r.profile.name);
  s.ui.info(kinds.length ? `Forgot the ${kinds.join(', ')} of ${serverUrl(r.profile)}.` : `Nothing was stored for ${serverUrl(r.profile)}.`);
  return kinds;
}

const IDENTITY_KIND: Readonly<Record<Protocol, IdentityKind>> = { sftp: 'host-key', ftpes: 'certificate', ftps: 'certificate' };

async function replacePinnedKey(s: Services, arg?: TargetArg, options?: { confirmed?: boolean }): Promise<boolean> {
  const r = await resolveProfile(s.profiles, s.ui, arg, 'whose pinned key or certificate changed');
  if (!r) return false;
  const p = r.profile;
  const what = IDENTITY_KIND[p.protocol] === 'host-key' ? 'host key' : 'certificate';
  if (!options?.confirmed) {
    const answer = await s.ui.confirmSafe(
      `Forget the remembered ${what} of ${hostPort(p)}?`,
      `Do this only if the server's administrator confirmed that the ${what} was replaced. You will then be asked to trust the new one, with its fingerprint shown.`,
      'Keep the Old Key',
      'Forget and Reconnect',
    );
    if (answer !== 'Forget and Reconnect') return false;
  }
  const removed = await s.trustStore.forget(IDENTITY_KIND[p.protocol], p.host, p.port);
  s.log.warn(`Forgot ${removed} remembered ${what}(s) of ${hostPort(p)} (Replace Pinned Key).`);
  if (p.fingerprints?.length) s.ui.info(`The profile "${p.name}" also pins fingerprints in ${p.source.location}: update them there too.`);
  await s.connections.disconnect(p.name);
  await connectCommand(s, p.name);
  return true;
}

function cancelTransfer(s: Services, arg?: TransferRecord | number): Promise<boolean> {
  const id = typeof arg === 'number' ? arg : arg?.id ?? s.transfers.all.find((r) => r.state === 'running' || r.state === 'queued')?.id;
  return Promise.resolve(id !== undefined && s.transfers.cancel(id));
}

export const COMMANDS: Readonly<Record<string, Handler>> = {
  'secureTransfer.addProfile': addProfile,
  'secureTransfer.editProfiles': editProfiles,
  'secureTransfer.connect': connectCommand,
  'secureTransfer.disconnect': disconnect,
  'secureTransfer.refresh': refresh,
  'secureTransfer.uploadFile': uploadFile,
  'secureTransfer.uploadFolder': uploadFolder,
  'secureTransfer.uploadActiveFile': uploadActiveFile,
  'secureTransfer.uploadToRemote': uploadToRemote,
  'secureTransfer.download': download,
  'secureTransfer.newFolder': newFolder,
  'secureTransfer.delete': deleteCommand,
  'secureTransfer.rename': rename,
  'secureTransfer.copyRemotePath': copyRemotePath,
  'secureTransfer.open': open,
  'secureTransfer.openRemoteFolderInWorkspace': openRemoteFolderInWorkspace,
  'secureTransfer.setPassword': setPasswordCommand,
  'secureTransfer.setTotpSecret': setTotpSecret,
  'secureTransfer.forgetSecrets': forgetSecrets,
  'secureTransfer.replacePinnedKey': replacePinnedKey,
  'secureTransfer.showSecurityReport': (s, arg?: TargetArg) => showSecurityReport(s, arg),
  'secureTransfer.showLog': async (s) => s.log.channel.show(),
  'secureTransfer.showActivityLog': (s, server?: string) => showActivityLog(s, server),
  'secureTransfer.cancelTransfer': cancelTransfer,
  'secureTransfer.clearTransfers': async (s) => s.transfers.clearFinished(),
};

/** Registers every command; failures become one sentence (or the changed-identity modal), never a stack. */
export function registerCommands(s: Services): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await (handler as (s: Services, ...a: unknown[]) => Promise<unknown>)(s, ...args);
      } catch (err) {
        reportError(s, err, args[0] as RemoteNode | RemoteTarget | undefined);
        return undefined;
      }
    }),
  );
}

export function reportError(s: Services, err: unknown, _arg?: TargetArg): void {
  if (err instanceof CancelledError) {
    s.log.info(describeError(err));
    return;
  }
  s.log.error(describeError(err));
  // A changed identity already got its modal from the connection manager (the only place it arises).
  if (!isIdentityChanged(err)) s.ui.error(describeError(err));
}
