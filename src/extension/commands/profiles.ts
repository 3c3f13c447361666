/** Add Profile (asked step by step, or given as plain values) and Edit Profiles. */
import * as path from 'node:path';
import { existsSync, promises as fsp } from 'node:fs';
import * as vscode from 'vscode';
import { describeError, UsageError } from '../../core/errors';
import { escapeControlChars } from '../../core/displayText';
import { BoundedInputError, PROFILE_FILE as PROFILE_FILE_SPEC, readBoundedFile } from '../../core/fsutil';
import { parseTypedAddress } from '../addressInput';
import { MOVE_SECRET_COMMAND, moveSecretToKeychain } from '../profileDiagnostics';
import { DEFAULT_PORTS, type Profile, type Protocol } from '../../core/profiles/types';
import { PROFILES_SETTING, SETTING_SECTION } from '../profileRegistry';
import { PROFILE_FILE_PATH } from '../../core/profiles/profileFile';
import type { Services } from '../services';
import type { Commands } from './types';

export interface NewProfileArgs {
  name: string;
  protocol: Protocol;
  host: string;
  port?: number;
  /** Absent for an SFTP profile that names a ~/.ssh/config Host (its User applies, like `ssh ALIAS`). */
  username?: string;
  remotePath?: string;
  target: 'user' | 'workspace';
}

/** The first row of Add Profile's ~/.ssh/config step: type an address instead. */
export const TYPE_ADDRESS_LABEL = 'Enter a server address…';

const PROTOCOL_PICKS: readonly (vscode.QuickPickItem & { protocol: Protocol })[] = [
  { label: 'SFTP', description: 'SSH file transfer (port 22)', protocol: 'sftp' },
  { label: 'FTPS (explicit TLS)', description: 'FTP with AUTH TLS (port 21)', protocol: 'ftpes' },
  { label: 'FTPS (implicit TLS)', description: 'legacy implicit TLS (port 990)', protocol: 'ftps' },
];

const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftpes', 'ftps'];

/**
 * Plain values from a caller (tests, other commands), told apart from what menus pass: the view's
 * title bar passes the focused tree element (or nothing), the welcome view and palette nothing.
 */
export function isNewProfileArgs(x: unknown): x is NewProfileArgs {
  if (typeof x !== 'object' || x === null || 'kind' in x) return false;
  const a = x as Partial<Record<keyof NewProfileArgs, unknown>>;
  return typeof a.name === 'string' && typeof a.host === 'string' && (typeof a.username === 'string' || (a.username === undefined && a.protocol === 'sftp'))
    && PROTOCOLS.includes(a.protocol as Protocol) && (a.target === 'user' || a.target === 'workspace');
}

/** The address box: a bare user@host[:port][/folder], or a pasted sftp://, ftpes:// or ftps:// URL. */
function validateAddress(text: string): string | undefined {
  try {
    const { url } = parseTypedAddress(text);
    return url.username ? undefined : 'Write the user name before the host: user@host.';
  } catch (err) {
    return describeError(err);
  }
}

/**
 * The concrete Host names of the user's ~/.ssh/config (no patterns), read only now; with none (or no
 * file), no question. Picking one makes an SFTP profile whose host is that alias; the config supplies
 * HostName, Port, User and keys when connecting.
 */
async function pickSshConfigHost(s: Services): Promise<string | undefined | null> {
  const { listSshHosts } = await import('../../core/sshconfig/resolve');
  const { hosts, warnings } = await listSshHosts(s.sshConfig).catch((err: unknown) => ({ hosts: [] as string[], warnings: [describeError(err)] }));
  for (const w of warnings) s.log.warn(w);
  if (hosts.length === 0) return null;
  const items = [
    { label: TYPE_ADDRESS_LABEL, description: 'user@host, or a pasted sftp:// / ftpes:// / ftps:// URL', host: undefined },
    ...hosts.slice(0, 500).map((h) => ({ label: escapeControlChars(h), description: 'Host in ~/.ssh/config (SFTP)', host: h })),
  ];
  const chosen = await s.ui.pick(items, { placeHolder: 'Add which server? (Host entries of your ~/.ssh/config, or type an address)' });
  if (!chosen) return undefined;
  return chosen.host ?? null;
}

async function askNewProfile(s: Services): Promise<NewProfileArgs | undefined> {
  const alias = await pickSshConfigHost(s);
  if (alias === undefined) return undefined;
  if (alias !== null) {
    const name = await s.ui.input({ prompt: 'Profile name', value: alias, validateInput: (v) => (v.trim() && !v.includes('/') ? undefined : 'A profile name must not be empty or contain "/".'), ignoreFocusOut: true });
    if (!name) return undefined;
    const where = await askTarget(s);
    if (!where) return undefined;
    return { name: name.trim(), protocol: 'sftp', host: alias, target: where.target };
  }
  // The address first: a pasted URL names its protocol, so the protocol question is then skipped.
  const address = await s.ui.input({
    prompt: 'Server address',
    placeHolder: 'user@host[:port][/remote/folder], or paste sftp://user@host:2222/folder',
    validateInput: validateAddress,
    ignoreFocusOut: true,
  });
  if (!address) return undefined;
  const typed = parseTypedAddress(address);
  const protocol = typed.protocol ?? (await s.ui.pick(PROTOCOL_PICKS, { placeHolder: 'How does the server transfer files? (plain FTP is not offered: it sends passwords in cleartext)' }))?.protocol;
  if (!protocol) return undefined;
  // A bare address is read again with the chosen protocol, for its default port.
  const url = typed.protocol ? typed.url : parseTypedAddress(address, protocol).url;
  const name = await s.ui.input({ prompt: 'Profile name', value: `${url.username}@${url.host}`, validateInput: (v) => (v.trim() && !v.includes('/') ? undefined : 'A profile name must not be empty or contain "/".'), ignoreFocusOut: true });
  if (!name) return undefined;
  const where = await askTarget(s);
  if (!where) return undefined;
  return { name: name.trim(), protocol, host: url.host, port: url.port, username: url.username!, remotePath: url.path.startsWith('/') ? url.path : undefined, target: where.target };
}

async function askTarget(s: Services): Promise<{ target: 'user' | 'workspace' } | undefined> {
  const targets = [
    { label: 'User settings', description: 'only for you', target: 'user' as const },
    ...(s.profiles.profileFiles().length && !s.profiles.restricted ? [{ label: 'Workspace (shared)', description: PROFILE_FILE_PATH, target: 'workspace' as const }] : []),
  ];
  return targets.length === 1 ? targets[0] : await s.ui.pick(targets, { placeHolder: 'Where should the profile be saved?' });
}

/** What is written: an alias profile leaves username and port out, so ~/.ssh/config's User and Port apply. */
function profileJson(a: NewProfileArgs): Partial<Profile> & Pick<Profile, 'name' | 'protocol' | 'host'> {
  const p: Partial<Profile> & Pick<Profile, 'name' | 'protocol' | 'host'> = { name: a.name, protocol: a.protocol, host: a.host };
  if (a.username !== undefined) {
    p.username = a.username;
    p.port = a.port ?? DEFAULT_PORTS[a.protocol];
  } else if (a.port !== undefined) {
    p.port = a.port;
  }
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

/** `args`: plain values, or whatever a menu passes (a tree node, nothing), in which case it asks. */
async function addProfile(s: Services, args?: unknown): Promise<string | undefined> {
  const a = isNewProfileArgs(args) ? args : await askNewProfile(s);
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

/** `where`: 'user' or 'workspace'; anything else (the title bar's focused tree element) asks. */
async function editProfiles(s: Services, where?: unknown): Promise<void> {
  const choice = where === 'user' || where === 'workspace' ? where : (s.profiles.profileFiles().length && !s.profiles.restricted
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

export const PROFILE_COMMANDS: Commands = {
  'secureTransfer.addProfile': addProfile,
  'secureTransfer.editProfiles': editProfiles,
  [MOVE_SECRET_COMMAND]: moveSecretToKeychain,
};
