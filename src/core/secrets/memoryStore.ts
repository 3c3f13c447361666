/** A SecretStore held in memory only: for tests and for sessions that must not persist anything. */
import { withKeyIndex } from './keyIndex';
import type { SecretStore } from './secretStore';

export function memorySecretStore(): SecretStore & { readonly raw: ReadonlyMap<string, string> } {
  const raw = new Map<string, string>();
  const store = withKeyIndex({
    get: async (k) => raw.get(k),
    set: async (k, v) => void raw.set(k, v),
    delete: async (k) => void raw.delete(k),
  });
  return { ...store, raw };
}
