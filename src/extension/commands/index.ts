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
import { SECRET_AND_TRUST_COMMANDS } from './secrets';
import { TRANSFER_COMMANDS } from './transfer';
import { SYNC_COMMANDS } from './sync';
import { DOWNLOAD_ACTIVE_FILE_COMMANDS } from './downloadActiveFile';
import { NEW_FILE_COMMANDS } from './newFile';
import { UPLOAD_ON_SAVE_COMMANDS } from './toggleUploadOnSave';
import { TRUSTED_KEY_COMMANDS } from './trustedKeys';
import type { Commands, Handler } from './types';
import { VIEW_COMMANDS } from './views';

/** Palette additions of the "first five minutes" (one small file each). */
const EDITOR_COMMANDS: readonly Commands[] = [DOWNLOAD_ACTIVE_FILE_COMMANDS, NEW_FILE_COMMANDS, UPLOAD_ON_SAVE_COMMANDS, TRUSTED_KEY_COMMANDS];

const FEATURES: readonly Commands[] = [PROFILE_COMMANDS, IMPORT_COMMANDS, CONNECTION_COMMANDS, TEST_CONNECTION_COMMANDS, TRANSFER_COMMANDS, SYNC_COMMANDS, REMOTE_FILE_COMMANDS, SECRET_AND_TRUST_COMMANDS, VIEW_COMMANDS, ...EDITOR_COMMANDS];

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
