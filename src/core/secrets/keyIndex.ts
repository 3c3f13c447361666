/**
 * Keychains (and VS Code's SecretStorage) cannot list their entries, so a store keeps an index of
 * its keys — never values — in one more keychain entry. Nothing goes to a file.
 */
import type { SecretStore } from './secretStore';

/** The bare operations a keychain offers. */
export interface KeyValueSecrets {
  get(key: string): Promise<string | undefined>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
}

/** The entry holding the JSON list of keys. It is not a valid secretKey(), so it never collides. */
export const INDEX_KEY = '__index__';

function parseIndex(text: string | undefined): string[] {
  if (!text) return [];
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) ? list.filter((k): k is string => typeof k === 'string') : [];
  } catch {
    // A damaged index only loses the listing; the secrets themselves are still found by key.
    return [];
  }
}

/** Runs `fn` excluding other processes that update the same index (e.g. a lock file). */
export type IndexLock = <T>(fn: () => Promise<T>) => Promise<T>;

/**
 * Wraps bare keychain operations into a SecretStore whose keys() works. With `lock`, index updates
 * are also serialized across processes (two CLI runs storing secrets at once keep both keys).
 */
export function withKeyIndex(raw: KeyValueSecrets, lock?: IndexLock): SecretStore {
  // Serialise index updates within this process so concurrent set/delete calls don't drop keys.
  let queue: Promise<unknown> = Promise.resolve();
  const updateIndex = (change: (keys: Set<string>) => void): Promise<void> => {
    const readModifyWrite = async () => {
      const keys = new Set(parseIndex(await raw.get(INDEX_KEY)));
      const before = JSON.stringify([...keys].sort());
      change(keys);
      const after = JSON.stringify([...keys].sort());
      if (after !== before) await raw.set(INDEX_KEY, after);
    };
    const next = queue.then(() => (lock ? lock(readModifyWrite) : readModifyWrite()));
    queue = next.catch(() => undefined);
    return next;
  };
  const assertOrdinaryKey = (key: string) => {
    if (key === INDEX_KEY) throw new Error(`The key ${INDEX_KEY} is reserved for the index of stored keys.`);
  };
  return {
    get: (key) => raw.get(key),
    async set(key, value) {
      assertOrdinaryKey(key);
      await raw.set(key, value);
      await updateIndex((keys) => keys.add(key));
    },
    async delete(key) {
      assertOrdinaryKey(key);
      await raw.delete(key);
      await updateIndex((keys) => keys.delete(key));
    },
    async keys() {
      await queue;
      return parseIndex(await raw.get(INDEX_KEY)).sort();
    },
  };
}
