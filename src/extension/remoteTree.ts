/**
 * The Remote Files view: profiles at the root (workspace-shared or user), folders listed lazily,
 * folders first, theme file icons through `resourceUri`. Failures appear in place as a child item,
 * so the reason stays visible next to what failed. Dropping Explorer files on a folder uploads them;
 * dragging rows onto a folder of the same server moves them there (after a question).
 */
import * as path from 'node:path';
import * as vscode from 'vscode';
import { describeError, type ErrorCode } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import { serverLabel, serverUrl } from '../core/profiles/serverAddress';
import { resolveSshServer } from '../core/connect';
import type { SshConfigOptions } from '../core/sshconfig/types';
import { PROFILE_FILE_PATH } from '../core/profiles/profileFile';
import type { RemoteEntry } from '../core/session/remoteFileSystem';
import { startFolder, type ConnectionManager, type ConnectionState } from './connections';
import type { ProfileProblem, ProfileRegistry } from './profileRegistry';
import { escapeControlChars } from '../core/displayText';
import { firstEntries, moreEntriesText } from '../core/session/listingWindow';
import { isPartialName } from '../core/transfer/partialName';
import { remoteUri } from './remoteUri';
import { IDENTITY_CHANGED_CODES } from './trustPrompt';
import { securityLine, type AuditSummary } from '../core/audit/report/overview';

export type RemoteNode =
  | { kind: 'profile'; profile: LoadedProfile }
  | { kind: 'entry'; profileName: string; path: string; type: RemoteEntry['type']; size: number }
  | { kind: 'message'; text: string; detail?: string; profileName?: string; severity: 'error' | 'info'; contextValue?: string; description?: string; command?: vscode.Command };

export type RemoteEntryNode = Extract<RemoteNode, { kind: 'entry' }>;

/** What VS Code names a drag of this view's own rows: `application/vnd.code.tree.<view id, lower case>`. */
export const TREE_MIME = 'application/vnd.code.tree.securetransfer.remotefiles';

const STATE_LOOK: Readonly<Record<ConnectionState['status'], { icon: string; label: string }>> = {
  disconnected: { icon: 'vm-outline', label: 'not connected' },
  connecting: { icon: 'loading~spin', label: 'connecting…' },
  connected: { icon: 'vm-active', label: 'connected' },
  error: { icon: 'vm-outline', label: 'failed' },
};

const SOURCE_LABEL: Readonly<Record<LoadedProfile['source']['kind'], string>> = { workspace: 'shared', user: 'user', cli: 'cli' };

/** How a failed connection is shown in place, by error code: what it is (context menus) and what to do. */
interface ErrorLook {
  contextValue: string;
  hint: string;
}
const DEFAULT_ERROR_LOOK: ErrorLook = { contextValue: 'message.error', hint: 'Run "Secure Transfer: Connect" to try again.' };
const IDENTITY_CHANGED_LOOK: ErrorLook = {
  contextValue: 'message.identityChanged',
  hint: 'Run "Secure Transfer: Replace Pinned Key…" only if the administrator confirms the change.',
};
const POLICY_LOOK: ErrorLook = {
  contextValue: 'message.policy',
  hint: `The policy comes from the "policy" block of ${PROFILE_FILE_PATH} and your user setting secureTransfer.policy (the stricter wins).`,
};
const ERROR_LOOK: Readonly<Partial<Record<ErrorCode, ErrorLook>>> = { 'policy-violation': POLICY_LOOK, 'policy-invalid': POLICY_LOOK };

export const RESTRICTED_MESSAGE =
  `Restricted Mode: the shared profiles in ${PROFILE_FILE_PATH} are ignored until you trust this workspace.`;

/** Where a remote folder node points: its path, or the profile's start folder. */
export function folderOf(node: RemoteNode | undefined): { profileName: string; path?: string } | undefined {
  if (node?.kind === 'profile') return { profileName: node.profile.name, path: node.profile.remotePath };
  if (node?.kind === 'entry') return { profileName: node.profileName, path: node.type === 'directory' ? node.path : path.posix.dirname(node.path) };
  return undefined;
}

export const PROFILE_FILE_ERROR_TEXT = 'Profiles file has an error — open it';
export const PROFILE_SETTINGS_ERROR_TEXT = 'Profile settings have an error — open them';

/** The sentence without the file's path in front (the row already says which file). */
function shortReason(p: ProfileProblem): string {
  const text = p.message.startsWith(`${p.source}: `) ? p.message.slice(p.source.length + 2) : p.message;
  return escapeControlChars(text);
}

/**
 * A profile source that was refused: a short row that opens the place at fault (the file at the
 * problem, where the diagnostics and the quick fix are); the full sentence is in the tooltip.
 */
export function problemNode(p: ProfileProblem, manyFolders: boolean): RemoteNode {
  const detail = p.message;
  if (p.kind === 'file') {
    const at = new vscode.Position((p.line ?? 1) - 1, (p.column ?? 1) - 1);
    const options: vscode.TextDocumentShowOptions = { selection: new vscode.Range(at, at), preview: false };
    return {
      kind: 'message',
      severity: 'error',
      text: PROFILE_FILE_ERROR_TEXT,
      detail,
      contextValue: 'message.profileFileError',
      // The first reason, short (which folder's file, when there are several); all of it is in the tooltip.
      description: `${manyFolders ? `${path.basename(path.dirname(path.dirname(p.source)))}: ` : ''}${shortReason(p)}`,
      command: { command: 'vscode.open', title: 'Open the profile file', arguments: [vscode.Uri.file(p.source), options] },
    };
  }
  if (p.kind === 'settings') {
    return {
      kind: 'message',
      severity: 'error',
      text: PROFILE_SETTINGS_ERROR_TEXT,
      detail,
      contextValue: 'message.profileSettingsError',
      command: { command: 'workbench.action.openSettingsJson', title: 'Open user settings' },
    };
  }
  return { kind: 'message', severity: 'error', text: p.message, detail };
}

function nodeProfile(node: RemoteNode): string | undefined {
  return node.kind === 'profile' ? node.profile.name : node.profileName;
}

export class RemoteTreeProvider implements vscode.TreeDataProvider<RemoteNode>, vscode.TreeDragAndDropController<RemoteNode> {
  private readonly changed = new vscode.EventEmitter<RemoteNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  readonly dropMimeTypes = ['text/uri-list', TREE_MIME];
  readonly dragMimeTypes = [TREE_MIME];

  constructor(
    private readonly profiles: ProfileRegistry,
    private readonly connections: ConnectionManager,
    private readonly onDropFiles: (target: { profileName: string; path?: string }, files: vscode.Uri[]) => Promise<void>,
    private readonly onMoveEntries: (target: { profileName: string; path?: string }, entries: RemoteEntryNode[]) => Promise<void> = async () => undefined,
  ) {}

  refresh(): void {
    this.changed.fire(undefined);
  }

  /** Per profile: bumped by collapse(), part of the row's id (a new id is a new, collapsed row). */
  private readonly generations = new Map<string, number>();

  /**
   * Shows a profile's row collapsed. After Disconnect an expanded row would ask for its children
   * again on the refresh, and so connect again at once: the disconnect would not stick.
   */
  collapse(profileName: string): void {
    this.generations.set(profileName, (this.generations.get(profileName) ?? 0) + 1);
    for (const [key, node] of [...this.expanded]) if (nodeProfile(node) === profileName) this.expanded.delete(key);
    this.refresh();
  }

  /** The node whose children list each folder (by profile and path), as last given to VS Code. */
  private readonly listedBy = new Map<string, RemoteNode>();
  /** The folder a profile row lists (its remotePath resolved, or the login folder), once listed. */
  private readonly rootFolders = new Map<string, string>();
  /**
   * Rows the user expanded (onDidExpandElement / onDidCollapseElement), by what they show: a refresh
   * makes new node objects for the same rows.
   */
  private readonly expanded = new Map<string, RemoteNode>();

  /** Told by the view: the remote watcher lists expanded folders. */
  setExpanded(node: RemoteNode, expanded: boolean): void {
    const key = node.kind === 'profile' ? `profile\n${node.profile.name}` : node.kind === 'entry' ? `${node.profileName}\n${node.path}` : undefined;
    if (key === undefined) return;
    if (expanded) this.expanded.set(key, node);
    else this.expanded.delete(key);
  }

  /** The folders expanded in the view (a profile row counts once its folder is known). */
  expandedFolders(): Array<{ profileName: string; path: string }> {
    const out: Array<{ profileName: string; path: string }> = [];
    for (const node of this.expanded.values()) {
      if (node.kind === 'entry' && node.type === 'directory') out.push({ profileName: node.profileName, path: node.path });
      if (node.kind === 'profile') {
        const root = this.rootFolders.get(node.profile.name);
        if (root) out.push({ profileName: node.profile.name, path: root });
      }
    }
    return out;
  }

  /**
   * Re-lists one folder's row only (the watcher saw it change), not the whole tree: expanded rows
   * elsewhere keep their state and nothing else is listed again. False when the folder isn't shown.
   */
  refreshFolder(profileName: string, folder: string): boolean {
    const node = this.listedBy.get(`${profileName}\n${folder}`);
    if (!node) return false;
    this.changed.fire(node);
    return true;
  }

  getTreeItem(node: RemoteNode): vscode.TreeItem {
    if (node.kind === 'profile') return this.profileItem(node.profile);
    if (node.kind === 'message') {
      const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
      item.iconPath = new vscode.ThemeIcon(node.severity === 'error' ? 'error' : 'info', new vscode.ThemeColor(node.severity === 'error' ? 'errorForeground' : 'foreground'));
      item.tooltip = node.detail ?? node.text;
      item.contextValue = node.contextValue ?? 'message';
      if (node.description) item.description = node.description;
      if (node.command) item.command = node.command;
      return item;
    }
    const uri = remoteUri(node.profileName, node.path);
    const isDir = node.type === 'directory';
    const item = new vscode.TreeItem(uri, isDir ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
    // The server picks names: show control characters escaped rather than let them reshape the view.
    item.label = escapeControlChars(path.posix.basename(node.path));
    item.id = `${node.profileName}\n${node.path}`;
    item.contextValue = isDir ? 'remoteFolder' : 'remoteFile';
    item.iconPath = isDir ? vscode.ThemeIcon.Folder : vscode.ThemeIcon.File;
    item.tooltip = escapeControlChars(node.path);
    if (!isDir) item.command = { command: 'vscode.open', title: 'Open', arguments: [uri] };
    return item;
  }

  /** The ssh config the tooltip resolves SFTP aliases with (set by activation). */
  sshConfig: SshConfigOptions = {};

  /** The latest audit of a profile's server (set by activation: the audit monitor's snapshot), for the tooltip. */
  security: (p: LoadedProfile) => AuditSummary | undefined = () => undefined;

  /** The tooltip's last line: `Security: grade C — Weak MAC offered (high) (checked 2 h ago)` (core escapes its server text; appendText the Markdown). */
  private appendSecurity(md: vscode.MarkdownString, p: LoadedProfile): void {
    md.appendText(`\n${securityLine(this.security(p))}`);
  }

  /**
   * VS Code asks on hover (the tooltip is left undefined for SFTP profiles): the server the profile
   * really reaches once ~/.ssh/config is applied, `user@host:port` — resolved only then, so the tree
   * never reads the config for rows nobody looks at.
   */
  async resolveTreeItem(item: vscode.TreeItem, node: RemoteNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'profile' || item.tooltip !== undefined) return item;
    const p = this.profiles.find(node.profile.name) ?? node.profile;
    item.tooltip = await this.profileTooltip(p);
    return item;
  }

  /** The profile's tooltip: its URL, where it comes from, its state, and for SFTP the resolved server. */
  async profileTooltip(p: LoadedProfile): Promise<vscode.MarkdownString> {
    const md = new vscode.MarkdownString();
    md.appendText(`${serverUrl(p)}${p.remotePath ?? ''}\n`);
    if (p.protocol === 'sftp') {
      try {
        const resolved = await resolveSshServer(p, this.sshConfig);
        md.appendText(`Connects to: ${serverLabel(resolved)}${resolved.host !== p.host || resolved.port !== p.port || resolved.username !== p.username ? ' (from ~/.ssh/config)' : ''}\n`);
      } catch (err) {
        md.appendText(`Connects to: unknown — ${escapeControlChars(describeError(err))}\n`);
      }
    }
    md.appendText(`From: ${p.source.location}\nState: ${STATE_LOOK[this.connections.state(p.name).status].label}`);
    this.appendSecurity(md, p);
    return md;
  }

  private profileItem(p: LoadedProfile): vscode.TreeItem {
    const state = this.connections.state(p.name);
    const look = STATE_LOOK[state.status];
    const item = new vscode.TreeItem(p.name, vscode.TreeItemCollapsibleState.Collapsed);
    const generation = this.generations.get(p.name);
    item.id = generation ? `profile\n${p.name}\n${generation}` : `profile\n${p.name}`;
    item.description = `${SOURCE_LABEL[p.source.kind]} · ${look.label}`;
    item.iconPath = new vscode.ThemeIcon(look.icon, state.status === 'error' ? new vscode.ThemeColor('errorForeground') : undefined);
    item.contextValue = `profile.${state.status}.${p.source.kind}`;
    if (p.protocol !== 'sftp') {
      const md = new vscode.MarkdownString();
      md.appendText(`${serverUrl(p)}${p.remotePath ?? ''}\n`);
      md.appendText(`From: ${p.source.location}\nState: ${look.label}`);
      this.appendSecurity(md, p);
      item.tooltip = md;
    }
    return item;
  }

  async getChildren(node?: RemoteNode): Promise<RemoteNode[]> {
    if (!node) return this.roots();
    if (node.kind === 'message') return [];
    const profile = this.profiles.find(node.kind === 'profile' ? node.profile.name : node.profileName);
    if (!profile) return [];
    // After a failed connection, show why instead of reconnecting on every refresh (which would ask
    // the same trust question again and again); the Connect command retries.
    const before = this.connections.state(profile.name);
    if (before.status === 'error') return [this.errorNode(profile.name, before.message, before.code)];
    try {
      const fs = await this.connections.get(profile);
      const dir = node.kind === 'profile' ? await startFolder(fs, profile) : node.path;
      if (node.kind === 'profile') this.rootFolders.set(profile.name, dir);
      this.listedBy.set(`${profile.name}\n${dir}`, node);
      // A huge folder shows its first entries and one row saying how many more there are.
      // Transfers' temporary partial files (`.name.st-….part`) are no files of the user's: hidden.
      const { shown, hidden } = firstEntries((await fs.list(dir)).filter((e) => !isPartialName(e.name)));
      const nodes: RemoteNode[] = shown.map((e) => ({ kind: 'entry', profileName: profile.name, path: path.posix.join(dir, e.name), type: e.type, size: e.size }));
      if (hidden > 0) nodes.push({ kind: 'message', severity: 'info', text: moreEntriesText(hidden), profileName: profile.name, contextValue: 'message.moreEntries' });
      return nodes;
    } catch (err) {
      const state = this.connections.state(profile.name);
      return [this.errorNode(profile.name, describeError(err), state.status === 'error' ? state.code : undefined)];
    }
  }

  private errorNode(profileName: string, message: string, code?: ErrorCode): RemoteNode {
    const text = escapeControlChars(message); // errors quote remote names
    const look = (code !== undefined && ERROR_LOOK[code]) || (code !== undefined && IDENTITY_CHANGED_CODES.has(code) ? IDENTITY_CHANGED_LOOK : DEFAULT_ERROR_LOOK);
    return { kind: 'message', severity: 'error', text, profileName, contextValue: look.contextValue, detail: `${text}\n${look.hint}` };
  }

  private roots(): RemoteNode[] {
    const nodes: RemoteNode[] = this.profiles.profiles.map((profile) => ({ kind: 'profile', profile }));
    const messages: RemoteNode[] = this.profiles.problems.map((p) => problemNode(p, this.profiles.profileFiles().length > 1));
    // With no profile at all the welcome view (Add Profile) shows instead, and says why in Restricted Mode.
    if (nodes.length === 0 && messages.length === 0) return [];
    if (this.profiles.restricted) messages.unshift({ kind: 'message', severity: 'info', text: RESTRICTED_MESSAGE });
    return [...messages, ...nodes];
  }

  /** Rows dragged within the view: the remote files and folders among them (profiles and messages stay). */
  handleDrag(source: readonly RemoteNode[], data: vscode.DataTransfer): void {
    const entries = source.filter((n): n is RemoteEntryNode => n.kind === 'entry');
    if (entries.length) data.set(TREE_MIME, new vscode.DataTransferItem(entries));
  }

  async handleDrop(target: RemoteNode | undefined, data: vscode.DataTransfer): Promise<void> {
    const folder = folderOf(target);
    // Our own rows first: VS Code adds their secure-transfer: URIs as a uri-list too (not local files).
    const moved = data.get(TREE_MIME)?.value as unknown;
    if (folder && Array.isArray(moved) && moved.length) {
      await this.onMoveEntries(folder, moved.filter((n): n is RemoteEntryNode => typeof n === 'object' && n !== null && (n as RemoteNode).kind === 'entry'));
      return;
    }
    const list = await data.get('text/uri-list')?.asString();
    if (!folder || !list) return;
    const files = list.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => vscode.Uri.parse(l)).filter((u) => u.scheme === 'file');
    if (files.length) await this.onDropFiles(folder, files);
  }
}
