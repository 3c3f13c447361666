/** Everything the commands work with, created once in activate(). */
import type { SshConfigOptions } from '../core/sshconfig/types';
import type * as vscode from 'vscode';
import type { ActivityLog } from '../core/audit/activityLog';
import type { SecretStore } from '../core/secrets/secretStore';
import type { SessionPasswords } from '../core/secrets/sessionPasswords';
import type { TrustStore } from '../core/trust/trustStore';
import type { ActivityDocuments, ActivityViewProvider } from './activityView';
import type { AuditMonitor } from './auditMonitor';
import type { ConnectionManager } from './connections';
import type { RemoteFileSystemProvider } from './fileSystemProvider';
import type { ExtensionLogger } from './log';
import type { ProfileDiagnostics } from './profileDiagnostics';
import type { ProfileRegistry } from './profileRegistry';
import type { RemoteNode, RemoteTreeProvider } from './remoteTree';
import type { RemoteWatcher } from './remoteWatcher';
import type { TransferService } from './transfers';
import type { TransfersViewProvider } from './transfersView';
import type { Ui } from './ui';

export interface Services {
  context: vscode.ExtensionContext;
  ui: Ui;
  log: ExtensionLogger;
  profiles: ProfileRegistry;
  connections: ConnectionManager;
  transfers: TransferService;
  /** The Transfers view's rows (tests read them as VS Code would). */
  transfersView: TransfersViewProvider;
  fsProvider: RemoteFileSystemProvider;
  tree: RemoteTreeProvider;
  secrets: SecretStore;
  /** Passwords typed in this window (memory only), by server; Forget Secrets clears a server's too. */
  passwords: SessionPasswords;
  trustStore: TrustStore;
  /** The Remote Files view itself (its badge shows unseen security alerts). */
  remoteFilesView: vscode.TreeView<RemoteNode>;
  /** Local activity log (monitoring): connects, trust decisions, transfers, saves, new folders, renames, deletes, audits. */
  activity: ActivityLog;
  /** The Activity view (live, filtered by server and action). */
  activityView: ActivityViewProvider;
  activityDocuments: ActivityDocuments;
  audits: AuditMonitor;
  /** The connection state in the status bar. */
  statusBar: vscode.StatusBarItem;
  /** Problems of the shared profile files as editor diagnostics, with the move-to-keychain quick fix. */
  profileDiagnostics: ProfileDiagnostics;
  /** Which OpenSSH client config SFTP connections, Add Profile and the tooltip read (default ~/.ssh/config; tests point it elsewhere). */
  sshConfig: SshConfigOptions;
  /** Polls open remote editors' and expanded folders' listings for changes made on the server. */
  watcher: RemoteWatcher;
}
