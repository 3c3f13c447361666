/**
 * The commands (category "Secure Transfer"), one file per feature, each a table id → handler. Every
 * handler takes optional arguments so it can run without UI (tree menus pass a node, tests pass plain
 * values); what is missing is asked through `ui`. Failures end as one sentence (a modal for a changed
 * server identity), here and only here.
 */
import * as vscode from 'vscode';
import { CancelledError, describeError } from '../../core/errors';
import type { Services } from '../services';
import type { TargetArg } from '../targets';
import { isIdentityChanged } from '../trustPrompt';
import { CONNECTION_COMMANDS } from './connection';
import { IMPORT_COMMANDS } from './importProfiles';
import { TEST_CONNECTION_COMMANDS } from './testConnection';
import { PROFILE_COMMANDS } from './profiles';
import { REMOTE_FILE_COMMANDS } from './remoteFiles';
import { CHANGE_PERMISSIONS_COMMANDS } from './changePermissions';
import { COMPARE_COMMANDS } from './compareWithRemote';
import { DOWNLOAD_TO_COMMANDS } from './downloadTo';
import { DUPLICATE_COMMANDS } from './duplicate';
import { SECRET_AND_TRUST_COMMANDS } from './secrets';
import { TRANSFER_COMMANDS } from './transfer';
import { DOWNLOAD_ACTIVE_FILE_COMMANDS } from './downloadActiveFile';
import { NEW_FILE_COMMANDS } from './newFile';
import { UPLOAD_ON_SAVE_COMMANDS } from './toggleUploadOnSave';
import { TRUSTED_KEY_COMMANDS } from './trustedKeys';
import { isTreeSelection, type Commands, type Handler } from './types';
import { VIEW_COMMANDS } from './views';

/** Palette additions of the "first five minutes" (one small file each). */
const EDITOR_COMMANDS: readonly Commands[] = [DOWNLOAD_ACTIVE_FILE_COMMANDS, NEW_FILE_COMMANDS, UPLOAD_ON_SAVE_COMMANDS, TRUSTED_KEY_COMMANDS];

/** File management in Remote Files and Compare with Remote (one small file each). */
const FILE_COMMANDS: readonly Commands[] = [DUPLICATE_COMMANDS, DOWNLOAD_TO_COMMANDS, CHANGE_PERMISSIONS_COMMANDS, COMPARE_COMMANDS];

const FEATURES: readonly Commands[] = [PROFILE_COMMANDS, IMPORT_COMMANDS, CONNECTION_COMMANDS, TEST_CONNECTION_COMMANDS, TRANSFER_COMMANDS, REMOTE_FILE_COMMANDS, SECRET_AND_TRUST_COMMANDS, VIEW_COMMANDS, ...EDITOR_COMMANDS, ...FILE_COMMANDS];

/**
 * The commands that act on a whole Remote Files selection. With several rows selected VS Code passes
 * (clicked row, selected rows) to every context-menu command: the others get the clicked row only, so
 * a selection never lands where they expect a name or options.
 */
export const SELECTION_COMMANDS: ReadonlySet<string> = new Set(['secureTransfer.delete', 'secureTransfer.duplicate', 'secureTransfer.downloadTo', 'secureTransfer.changePermissions']);

/** Every command by id; an id claimed by two features is a programming error, found at load. */
export const COMMANDS: Commands = combine(FEATURES);

export function combine(features: readonly Commands[]): Commands {
  const all: Record<string, Handler> = {};
  for (const feature of features) {
    for (const [id, handler] of Object.entries(feature)) {
      if (Object.hasOwn(all, id)) throw new Error(`The command ${id} is registered twice.`);
      all[id] = handler;
    }
  }
  return all;
}

/** Registers every command; failures become one sentence (or the changed-identity modal), never a stack. */
export function registerCommands(s: Services): vscode.Disposable[] {
  return Object.entries(COMMANDS).map(([id, handler]) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      if (!SELECTION_COMMANDS.has(id) && isTreeSelection(args[1])) args = [args[0]];
      try {
        return await (handler as (s: Services, ...a: unknown[]) => Promise<unknown>)(s, ...args);
      } catch (err) {
        reportError(s, err, args[0] as TargetArg);
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
