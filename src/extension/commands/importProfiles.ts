/**
 * "Import Profiles…": another tool's saved servers (vscode-sftp's .vscode/sftp.json, SSH FS's
 * sshfs.configs in a settings.json, FileZilla's sitemanager.xml, WinSCP.ini) become profiles in a
 * workspace folder's .vscode/secure-transfer.json, their passwords go to the OS keychain (VS Code's
 * SecretStorage), and — when the user chooses — are removed from the source file. The same core
 * import as `secure-transfer import` (core/import).
 *
 * And the offer: a trusted workspace whose .vscode/sftp.json holds a plaintext password gets ONE
 * notification (remembered in workspaceState, whatever the answer) offering exactly that import with
 * the password moved. Restricted Mode gets neither: its shared profiles are ignored anyway, and the
 * file belongs to a repository nobody has vouched for yet.
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { UsageError } from '../../core/errors';
import { readBoundedFile } from '../../core/fsutil';
import type { Services } from '../services';
import type { Commands } from './types';

/** workspaceState: the sftp.json offer was shown in this workspace (never a secret). */
export const IMPORT_OFFER_STATE = 'secureTransfer.sftpJsonImportOffered';
export const IMPORT_AND_MOVE = 'Import and Move Password';
export const NOT_NOW = 'Not Now';
export const MOVE = 'Move Passwords to the Keychain';
export const COPY = 'Leave the File As It Is';

const SFTP_JSON = path.join('.vscode', 'sftp.json');

export interface ImportArgs {
  /** Remove the secrets from the source file (skips the question). */
  scrub?: boolean;
  /** The folder whose .vscode/secure-transfer.json receives the profiles (skips the question). */
  folder?: string;
}

function localFolders(): vscode.WorkspaceFolder[] {
  return (vscode.workspace.workspaceFolders ?? []).filter((f) => f.uri.scheme === 'file');
}

/** A `.vscode/…` file's own folder; else the folder holding the file; else the only folder; else ask. */
async function targetFolder(s: Services, file: string): Promise<string | undefined> {
  const folders = localFolders();
  if (folders.length === 0) throw new UsageError('Open a folder first: imported profiles go into its .vscode/secure-transfer.json.');
  const dir = path.dirname(file);
  const own = path.basename(dir) === '.vscode' ? path.dirname(dir) : undefined;
  const exact = folders.find((f) => f.uri.fsPath === own);
  if (exact) return exact.uri.fsPath;
  const containing = folders.filter((f) => file.startsWith(f.uri.fsPath + path.sep)).sort((a, b) => b.uri.fsPath.length - a.uri.fsPath.length)[0];
  if (containing) return containing.uri.fsPath;
  if (folders.length === 1) return folders[0].uri.fsPath;
  const picked = await s.ui.pick(folders.map((f) => ({ label: f.name, description: f.uri.fsPath })), { placeHolder: 'Which folder\'s .vscode/secure-transfer.json receives the profiles?' });
  return picked?.description;
}

async function runImport(s: Services, file: string, folder: string, scrub: boolean): Promise<number> {
  const { importProfiles } = await import('../../core/import');
  const report = await importProfiles({ file, folder, store: s.secrets, scrub });
  const target = vscode.workspace.asRelativePath(report.target);
  const source = vscode.workspace.asRelativePath(file);
  for (const p of report.profiles) s.log.info(`Import from ${source}: ${p.alreadyAs !== undefined ? 'already present' : 'imported'} "${p.name}" (${p.url}) from ${p.from}${p.secrets.length > 0 ? `; ${p.secrets.join(', ')} in the OS keychain` : ''}.`);
  for (const w of report.warnings) s.log.warn(`Import from ${source}: ${w}`);
  await s.profiles.reload();
  const added = report.profiles.filter((p) => p.alreadyAs === undefined).length;
  const secrets = report.profiles.reduce((n, p) => n + p.secrets.length + p.hopPasswords, 0);
  if (report.profiles.length === 0) {
    throw new UsageError(`Nothing could be imported from ${source}${report.warnings.length > 0 ? `: ${report.warnings[0]}` : '.'}${report.warnings.length > 1 ? ` (${report.warnings.length - 1} more in the Secure Transfer log)` : ''}`);
  }
  const parts = [
    added > 0 ? `Imported ${added} profile${added === 1 ? '' : 's'} into ${target}` : `The profiles were already in ${target}`,
    secrets > 0 ? `${secrets} secret${secrets === 1 ? ' is' : 's are'} in the OS keychain${report.scrubbed > 0 ? ` and no longer in ${source}` : ''}` : undefined,
  ].filter(Boolean);
  s.ui.info(`${parts.join('; ')}.${report.warnings.length > 0 ? ` ${report.warnings.length} note${report.warnings.length === 1 ? '' : 's'} in the Secure Transfer log (Output).` : ''}`);
  return added;
}

async function importProfilesCommand(s: Services, fileArg?: string | vscode.Uri, args: ImportArgs = {}): Promise<number | undefined> {
  if (!vscode.workspace.isTrusted) {
    throw new UsageError('Trust this workspace first (Manage Workspace Trust): in Restricted Mode its .vscode/secure-transfer.json is ignored, so imported profiles would not be used.');
  }
  let file = typeof fileArg === 'string' ? fileArg : fileArg?.fsPath;
  if (!file) {
    const picked = await s.ui.openDialog({
      canSelectFiles: true,
      canSelectFolders: false,
      canSelectMany: false,
      title: 'Import Profiles: vscode-sftp sftp.json, SSH FS settings.json, FileZilla sitemanager.xml or WinSCP.ini',
      filters: { 'Saved servers': ['json', 'jsonc', 'xml', 'ini', 'code-workspace'], 'All files': ['*'] },
    });
    file = picked?.[0]?.fsPath;
  }
  if (!file) return undefined;
  const folder = args.folder ?? (await targetFolder(s, file));
  if (!folder) return undefined;
  let scrub = args.scrub;
  if (scrub === undefined) {
    // Ask only when the file holds secrets (a dry run reads it and stores nothing).
    const { importProfiles } = await import('../../core/import');
    const preview = await importProfiles({ file, folder, dryRun: true });
    if (preview.profiles.some((p) => p.secrets.length > 0 || p.hopPasswords > 0)) {
      const answer = await s.ui.pick(
        [
          { label: MOVE, detail: `Store them in the OS keychain and remove them from ${path.basename(file)} (recommended: a password in a file is readable by anything that reads the file).` },
          { label: COPY, detail: `Store them in the OS keychain and leave ${path.basename(file)} unchanged.` },
        ],
        { placeHolder: `${path.basename(file)} holds passwords: what should happen to them?`, ignoreFocusOut: true },
      );
      if (!answer) return undefined;
      scrub = answer.label === MOVE;
    } else scrub = false;
  }
  return runImport(s, file, folder, scrub);
}

/** True when the file is a vscode-sftp config with a password or passphrase written in it. Never throws. */
async function holdsPlaintextSecret(file: string): Promise<boolean> {
  try {
    const { IMPORT_FILE, readEntries } = await import('../../core/import');
    const text = (await readBoundedFile(file, IMPORT_FILE)).toString('utf8');
    return (await readEntries('vscode-sftp', text, file)).some((e) => e.password !== undefined || e.passphrase !== undefined || (e.hopSecrets?.length ?? 0) > 0);
  } catch {
    return false;
  }
}

let offering: Promise<string> | undefined;

/**
 * The one notification per workspace. Returns what happened ('imported', 'declined', 'not-offered').
 * Called at activation, when trust is granted, and when a .vscode/sftp.json appears or changes.
 */
export function offerSftpJsonImport(s: Services): Promise<string> {
  offering ??= offerOnce(s).finally(() => (offering = undefined));
  return offering;
}

async function offerOnce(s: Services): Promise<string> {
  if (!vscode.workspace.isTrusted || s.context.workspaceState.get<boolean>(IMPORT_OFFER_STATE)) return 'not-offered';
  const found: { file: string; folder: string }[] = [];
  for (const f of localFolders()) {
    const file = path.join(f.uri.fsPath, SFTP_JSON);
    if (await holdsPlaintextSecret(file)) found.push({ file, folder: f.uri.fsPath });
  }
  if (found.length === 0) return 'not-offered';
  // Remembered before asking: one notification per workspace, whatever the answer (or none).
  await s.context.workspaceState.update(IMPORT_OFFER_STATE, true);
  const where = found.map((x) => vscode.workspace.asRelativePath(x.file)).join(', ');
  const answer = await s.ui.offer(
    `${where} (vscode-sftp) holds a plaintext password. Import ${found.length === 1 ? 'its servers' : 'their servers'} as Secure Transfer profiles and move the password to the OS keychain?`,
    IMPORT_AND_MOVE,
    NOT_NOW,
  );
  if (answer !== IMPORT_AND_MOVE) {
    s.log.info(`Not importing ${where} (the offer is not shown again in this workspace; "Secure Transfer: Import Profiles…" does it any time).`);
    return 'declined';
  }
  for (const x of found) await runImport(s, x.file, x.folder, true);
  return 'imported';
}

/** The offer's triggers (activation is the caller's): trust granted, an sftp.json created or changed. */
export function registerImportOffer(s: Services, onError: (err: unknown) => void): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher('**/.vscode/sftp.json');
  const check = () => void offerSftpJsonImport(s).catch(onError);
  return vscode.Disposable.from(watcher, watcher.onDidCreate(check), watcher.onDidChange(check), vscode.workspace.onDidGrantWorkspaceTrust(check));
}

export const IMPORT_COMMANDS: Commands = {
  'secureTransfer.importProfiles': importProfilesCommand,
};
