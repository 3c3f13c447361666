/**
 * Entry point. Wires core (connect, trust store, secrets, MFA) to VS Code: views, the
 * `secure-transfer:` file system, commands, status bar, log. Activation stays cheap: ssh2 and
 * basic-ftp load only when the first connection is made (core/connect imports them lazily).
 */
import type { SshConfigOptions } from '../core/sshconfig/types';
import * as vscode from 'vscode';
import { ActivityLog } from '../core/audit/activityLog';
import { describeError } from '../core/errors';
import { escapeControlChars } from '../core/displayText';
import type { AuditReport } from '../core/audit/types';
import type { LoadedProfile } from '../core/profiles/types';
import { serverOrigin } from '../core/profiles/serverAddress';
import { credentialsFor } from '../core/mfa/provider';
import { resolveServer } from '../core/connect';
import { SessionPasswords } from '../core/secrets/sessionPasswords';
import { ReconnectingFileSystem } from '../core/session/reconnecting';
import { RemoteVersions } from '../core/transfer/remoteState';
import { extraSessionFactory } from '../core/transfer/sessionReuse';
import { TrustStore } from '../core/trust/trustStore';
import { ACTIVITY_SCHEME, ACTIVITY_VIEW, ActivityDocuments, ActivityViewProvider } from './activityView';
import { AuditMonitor } from './auditMonitor';
import { ConnectionManager } from './connections';
import { registerCommands, reportError } from './commands';
import { moveInto } from './commands/remoteFiles';
import { offerSftpJsonImport, registerImportOffer } from './commands/importProfiles';
import { RemoteFileSystemProvider } from './fileSystemProvider';
import { openDemoGuide } from './demoGuide';
import { createLogger } from './log';
import { ProfileRegistry } from './profileRegistry';
import { RemoteTreeProvider } from './remoteTree';
import { RemoteWatcher } from './remoteWatcher';
import { remoteUri, SCHEME } from './remoteUri';
import { secretStorageStore } from './secretStorageStore';
import type { Services } from './services';
import { createStatusBar } from './statusBar';
import { TransferService, type TransferState } from './transfers';
import { TransfersViewProvider } from './transfersView';
import { createTrustDecider, isIdentityChanged, showIdentityChanged } from './trustPrompt';
import { windowUi, type Ui } from './ui';
import { connectionsToRestore } from './workspaceRestart';
import { UploadOnSave } from './uploadOnSave';
import { SyncPlanViewProvider } from './syncPlanView';
import { offerToRemember } from './rememberPassword';
import { ProfileDiagnostics } from './profileDiagnostics';
import { confirmOverwriteChanged, confirmReplaceExisting } from './conflictPrompt';

/** Returned from activate() only when VS Code runs the extension's tests (ExtensionMode.Test). */
export interface TestApi {
  services: Services;
  /** Replace its methods to answer prompts (trust, passwords, pickers) without UI. */
  ui: Ui;
}

/** How a finished transfer is written in the activity log. */
const TRANSFER_RESULT: Readonly<Record<TransferState, string>> = { queued: 'cancelled', running: 'failed', done: 'ok', failed: 'failed', cancelled: 'cancelled' };

export async function activate(context: vscode.ExtensionContext): Promise<TestApi | undefined> {
  // A mutable copy: tests swap methods on it; production code always calls through it.
  const ui: Ui = { ...windowUi };
  const log = createLogger(vscode.window.createOutputChannel('Secure Transfer', { log: true }));
  const secrets = secretStorageStore(context.secrets);
  // Passwords typed in this window, by server: reconnects and other profiles of that server reuse them.
  const passwords = new SessionPasswords();
  const trustStore = TrustStore.inDir(context.globalStorageUri.fsPath);
  const profiles = new ProfileRegistry();
  const decide = createTrustDecider(ui);
  // Monitoring: JSON lines in the extension's global storage (kept across restarts, shared by its
  // windows; the per-session log folder would lose it on reload); core keeps secrets out of it.
  const activity = new ActivityLog(vscode.Uri.joinPath(context.globalStorageUri, 'activity').fsPath);
  const audits = new AuditMonitor({
    state: context.globalState,
    trustStore,
    ui,
    log,
    activity,
    enabled: () => vscode.workspace.getConfiguration('secureTransfer').get<boolean>('auditOnConnect', true),
  });

  // The user's ~/.ssh/config (read on connect, by Add Profile and the tree's tooltip; never written).
  const sshConfig: SshConfigOptions = {};
  const connectContext = (profile: LoadedProfile) => ({
    trustStore, log, activity, sshConfig,
    policy: profiles.policyFor(profile),
    // With a policy, connect() audits before connecting: that report is the one to remember.
    onAudit: (report: AuditReport) => void audits.record(profile, report).catch((err: unknown) => log.warn(`Could not record the audit of ${profile.name}: ${describeError(err)}`)),
  });
  const connections = new ConnectionManager({
    context: (profile) => ({ ...connectContext(profile), decide }),
    credentials: (profile) =>
      credentialsFor(profile, secrets, {
        prompter: {
          ask: async ({ message, echo }) => {
            const answer = await ui.input({ prompt: `${profile.name}: ${message.trim()}`, password: !echo, ignoreFocusOut: true });
            if (!echo) log.redactor.add(answer);
            return answer;
          },
        },
        remembered: passwords,
      }),
    onConnectError: (profile, err) => {
      if (!isIdentityChanged(err)) return;
      audits.identityChanged(profile, describeError(err));
      void showIdentityChanged(ui, err, profile.name);
    },
    onConnected: (profile, fs) => {
      const probe = audits.afterConnect(profile);
      // What this session's login shows (single factor where MFA is expected, a world-writable
      // folder, FTPS after login): on the session itself, after the probes, in the background.
      void audits.afterLogin(profile, fs, { policy: profiles.policyFor(profile), probe });
      // The typed password is held under the server connect() reached (an ssh-config alias resolved).
      void resolveServer(profile, sshConfig)
        .then(({ server }) => offerToRemember({ ui, secrets, passwords, state: context.globalState, log }, server))
        .catch((err: unknown) => log.warn(`Could not store the password of ${profile.name}: ${describeError(err)}`));
    },
  });

  // One record of the remote versions read and written, for the editor's save check and uploads alike.
  const remoteVersions = new RemoteVersions();
  let profilesLoaded!: () => void;
  const fsProvider = new RemoteFileSystemProvider({
    ready: new Promise<void>((resolve) => (profilesLoaded = resolve)),
    versions: remoteVersions,
    profile: (name) => profiles.find(name),
    session: (profile) => connections.get(profile),
    confirmOverwriteChanged: async (uri) =>
      (await ui.confirmSafe(
        'The remote file changed since you opened it. Overwrite it?',
        `${uri.toString(true)} was changed on the server after you opened it: Overwrite replaces that change with your version; Cancel keeps the editor unsaved so you can compare first.`,
        'Cancel',
        'Overwrite',
      )) === 'Overwrite',
    // Server text (a refused SITE CHMOD reply) is escaped, as everywhere else.
    onNote: (profile, note) => log.warn(`${profile.name}: ${escapeControlChars(note)}`),
    // Every write made through the provider: editor saves, New Folder, Rename, Delete (Explorer's too).
    onWrite: (profile, write) => void activity.append({ server: serverOrigin(profile), ...write }).catch(() => undefined),
  });
  const transfers = new TransferService(
    (profile, signal) => connections.get(profile, signal),
    log,
    (profileName, remotePath) => fsProvider.fireChanged(remoteUri(profileName, remotePath)),
    (record, profile) =>
      void activity
        .append({ server: serverOrigin(profile), action: record.direction, result: TRANSFER_RESULT[record.state], bytes: record.bytes, path: record.remote, detail: record.error })
        .catch(() => undefined),
    {
      versions: remoteVersions,
      extraSessions: (profile, first) => extraSessionFactory(profile, { context: connectContext, secrets, trustStore, remembered: passwords, log, first }),
      confirmOverwrite: (profile, conflict) => confirmOverwriteChanged(ui, profile.name, conflict),
      confirmReplace: (profile, existing) => confirmReplaceExisting(ui, profile.name, existing),
      onRemoteDelete: (profile, remotePath) =>
        void activity.append({ server: serverOrigin(profile), action: 'delete', result: 'ok', path: remotePath, detail: 'partial file discarded' }).catch(() => undefined),
    },
  );
  // `services` is filled below; the drop handler only runs after activation.
  const services = {} as Services;
  const tree = new RemoteTreeProvider(profiles, connections, async (folder, files) => {
    try {
      await vscode.commands.executeCommand('secureTransfer.uploadFile', { profileName: folder.profileName, path: folder.path, type: folder.path ? 'directory' : undefined }, files);
    } catch (err) {
      reportError(services, err);
    }
  }, async (folder, entries) => {
    try {
      await moveInto(services, folder, entries);
    } catch (err) {
      reportError(services, err);
    }
  });
  tree.sshConfig = sshConfig;
  tree.security = (p) => audits.snapshotFor(p);
  const treeView = vscode.window.createTreeView('secureTransfer.remoteFiles', { treeDataProvider: tree, dragAndDropController: tree, showCollapseAll: true, canSelectMany: true });
  // Changes made on the server, seen by polling what is open or expanded (extension/remoteWatcher.ts).
  const watcher = new RemoteWatcher({
    profile: (name) => profiles.find(name),
    liveSession: (name) => {
      const state = connections.state(name);
      if (state.status !== 'connected') return undefined;
      // A dropped link is not restored for a poll (not even mid-listing): the watcher never connects, nor asks anything.
      if (state.fs instanceof ReconnectingFileSystem) return state.fs.liveLink;
      return state.fs.connected ? state.fs : undefined;
    },
    intervalSeconds: () => vscode.workspace.getConfiguration('secureTransfer').get<number>('watchInterval', 5),
    fire: (events) => fsProvider.fireRemoteChanges(events),
    folderChanged: (profileName, folder) => void tree.refreshFolder(profileName, folder),
    treeFolders: () => tree.expandedFolders(),
    openFiles: () => openRemoteTabs(),
    log,
  });
  fsProvider.watcher = watcher;
  const activityDocuments = new ActivityDocuments(activity);
  const activityView = new ActivityViewProvider(activity);
  const activityTree = vscode.window.createTreeView(ACTIVITY_VIEW, { treeDataProvider: activityView });
  activityView.attach(activityTree);
  const statusBar = createStatusBar(connections, profiles);
  const transfersView = new TransfersViewProvider(transfers);
  const profileDiagnostics = new ProfileDiagnostics(profiles);
  const syncPlans = new SyncPlanViewProvider();
  Object.assign(services, {
    context, ui, log, profiles, connections, transfers, transfersView, syncPlans, fsProvider, tree, secrets, passwords, trustStore,
    remoteFilesView: treeView, activity, activityView, activityDocuments, audits, statusBar: statusBar.item, profileDiagnostics, sshConfig, watcher,
  } satisfies Omit<Services, 'uploadOnSave'>);
  services.uploadOnSave = new UploadOnSave(services);
  const setContext = () => {
    void vscode.commands.executeCommand('setContext', 'secureTransfer.hasProfiles', profiles.profiles.length > 0 || profiles.problems.length > 0);
    // Compare with Remote on local files and the Explorer's Sync entries show only when some profile maps a local folder (the commands check which).
    void vscode.commands.executeCommand('setContext', 'secureTransfer.hasMappedFolders', profiles.profiles.some((p) => p.localRoot !== undefined));
  };
  context.subscriptions.push(
    profiles,
    connections,
    transfers,
    transfersView,
    treeView,
    vscode.window.createTreeView('secureTransfer.transfers', { treeDataProvider: transfersView }),
    vscode.workspace.registerFileSystemProvider(SCHEME, fsProvider, { isCaseSensitive: true }),
    profiles.onDidChange(() => {
      setContext();
      tree.refresh();
      // A removed profile (or one whose file became invalid, or that now points elsewhere) keeps no session.
      void connections.dropVanished((name) => profiles.find(name)).then((dropped) => dropped.length && log.info(`Disconnected ${dropped.join(', ')}: the profile was removed or changed.`));
    }),
    profileDiagnostics,
    connections.onDidChange(() => tree.refresh()),
    watcher,
    treeView.onDidExpandElement((e) => {
      tree.setExpanded(e.element, true);
      watcher.poke();
    }),
    treeView.onDidCollapseElement((e) => tree.setExpanded(e.element, false)),
    // Focus back: list what is watched at once (a change made meanwhile is reported then), at the interval again.
    vscode.window.onDidChangeWindowState((state) => state.focused && watcher.wake()),
    vscode.window.tabGroups.onDidChangeTabs(() => watcher.poke()),
    vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('secureTransfer.watchInterval') && watcher.wake()),
    // A connection (re)established: its folders are listed at once.
    connections.onDidChange((name) => connections.state(name).status === 'connected' && watcher.wake(name)),
    audits,
    audits.onDidChange(() => (treeView.badge = audits.badge())),
    // A new audit of a server: its rows' tooltips show the new grade.
    audits.onDidChangeSnapshot(() => tree.refresh()),
    vscode.workspace.registerTextDocumentContentProvider(ACTIVITY_SCHEME, activityDocuments),
    activityDocuments,
    activityView,
    activityTree,
    statusBar,
    syncPlans,
    syncPlans.attach(),
    services.uploadOnSave,
    registerImportOffer(services, (err) => reportError(services, err)),
    ...registerCommands(services),
    log.channel,
  );
  try {
    await profiles.reload();
  } finally {
    profilesLoaded();
  }
  await profileDiagnostics.refresh();
  // A vscode-sftp .vscode/sftp.json with a plaintext password: one offer per workspace to import it.
  void offerSftpJsonImport(services).catch((err: unknown) => reportError(services, err));
  // After "Open Remote Folder in Workspace" restarted the extension host: reconnect what was connected.
  void restoreConnections(services);
  // `npm start` only (an environment variable the demo sets): the Secure Transfer view and DEMO.md.
  void openDemoGuide(context.globalState).catch((err: unknown) => log.warn(`Could not open the demo guide: ${describeError(err)}`));
  log.info(`Secure Transfer activated (${profiles.profiles.length} profile(s)${profiles.restricted ? '; Restricted Mode: shared profiles ignored' : ''}).`);
  return context.extensionMode === vscode.ExtensionMode.Test ? { services, ui } : undefined;
}

/** The remote files open in editor tabs (text, diff sides, custom editors). */
function openRemoteTabs(): vscode.Uri[] {
  const uris: vscode.Uri[] = [];
  for (const tab of vscode.window.tabGroups.all.flatMap((g) => g.tabs)) {
    const input = tab.input;
    if (input instanceof vscode.TabInputText || input instanceof vscode.TabInputCustom) uris.push(input.uri);
    else if (input instanceof vscode.TabInputTextDiff) uris.push(input.original, input.modified);
  }
  return uris.filter((u) => u.scheme === SCHEME);
}

async function restoreConnections(s: Services): Promise<void> {
  for (const name of await connectionsToRestore(s.context.globalState)) {
    const profile = s.profiles.find(name);
    if (!profile) continue;
    s.log.info(`Reconnecting to ${name} after the workspace folders changed.`);
    // A failure shows on the profile's row, as any connection failure does.
    void s.connections.get(profile).catch((err: unknown) => s.log.warn(`${name}: ${describeError(err)}`));
  }
}

export function deactivate(): void {
  // Sessions are closed by ConnectionManager.dispose() through context.subscriptions.
}
