/** Everything the commands work with, created once in activate(). */
import type * as vscode from 'vscode';
import type { SecretStore } from '../core/secrets/secretStore';
import type { TrustStore } from '../core/trust/trustStore';
import type { ConnectionManager } from './connections';
import type { RemoteFileSystemProvider } from './fileSystemProvider';
import type { ExtensionLogger } from './log';
import type { ProfileRegistry } from './profileRegistry';
import type { RemoteTreeProvider } from './remoteTree';
import type { TransferService } from './transfers';
import type { Ui } from './ui';

export interface Services {
  context: vscode.ExtensionContext;
  ui: Ui;
  log: ExtensionLogger;
  profiles: ProfileRegistry;
  connections: ConnectionManager;
  transfers: TransferService;
  fsProvider: RemoteFileSystemProvider;
  tree: RemoteTreeProvider;
  secrets: SecretStore;
  trustStore: TrustStore;
}
