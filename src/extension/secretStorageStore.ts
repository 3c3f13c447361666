/**
 * core's SecretStore over VS Code's SecretStorage (the OS keychain on desktop). SecretStorage cannot
 * list its keys, so core's key index (names, never values) is kept in SecretStorage as well.
 */
import type * as vscode from 'vscode';
import type { SecretStore } from '../core/secrets/secretStore';
import { withKeyIndex } from '../core/secrets/keyIndex';

/** Namespaced so our entries never collide with anything else the extension might store. */
const PREFIX = 'secureTransfer:';

export function secretStorageStore(secrets: vscode.SecretStorage): SecretStore {
  return withKeyIndex({
    get: async (key) => secrets.get(PREFIX + key),
    set: async (key, value) => secrets.store(PREFIX + key, value),
    delete: async (key) => secrets.delete(PREFIX + key),
  });
}
