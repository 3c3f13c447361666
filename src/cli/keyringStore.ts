/**
 * The CLI's SecretStore: the OS keychain through @napi-rs/keyring (macOS Keychain, Windows Credential
 * Manager, Linux Secret Service). On Linux the Secret Service is required explicitly: the automatic
 * choice falls back to the kernel keyring, which forgets everything at logout. A missing or locked
 * keychain is reported as one clear error; secrets never fall back to a file.
 */
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { AsyncEntry } from '@napi-rs/keyring';
import { SecureTransferError, type ErrorCode } from '../core/errors';
import { serverText } from '../core/displayText';
import { withKeyIndex } from '../core/secrets/keyIndex';
import { withFileLock } from '../core/fsutil';
import { defaultStateDir } from '../core/paths';
import type { SecretStore } from '../core/secrets/secretStore';

export const KEYRING_SERVICE = 'secure-transfer';
const PROBE_KEY = '__probe__';
const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

/** Each known failure of the platform store, as the one sentence a user needs. First match wins. */
const KEYCHAIN_PROBLEMS: readonly { match: RegExp; code: ErrorCode; message: string }[] = [
  {
    match: /dbus|d-bus|autolaunch|no such (file|interface)|ServiceUnknown|not provided by any \.service/i,
    code: 'keychain-unavailable',
    message:
      'The OS keychain (Secret Service) is not available: no D-Bus session or keyring service was found — log in to a desktop session or start gnome-keyring-daemon (headless: run under dbus-run-session), then retry.',
  },
  {
    match: /lock|prompt|dismiss|denied|unlock/i,
    code: 'keychain-locked',
    message:
      'The OS keychain (Secret Service) is locked: unlock it (log in to the desktop, or run `gnome-keyring-daemon --unlock` and type the keyring password), then retry.',
  },
];

export function keychainError(cause: unknown): SecureTransferError {
  const text = cause instanceof Error ? cause.message : String(cause);
  const known = KEYCHAIN_PROBLEMS.find((p) => p.match.test(text));
  if (known) return new SecureTransferError(known.message, 'failure', known.code, { cause });
  return new SecureTransferError(
    `The OS keychain could not be used (${serverText(text.replace(/\s+/g, ' ').trim())}): check that it is running and unlocked, then retry.`,
    'failure',
    'keychain-unavailable',
    { cause },
  );
}

function entry(key: string): AsyncEntry {
  return new AsyncEntry(KEYRING_SERVICE, key, ENTRY_OPTIONS);
}

/** Runs one keychain call, turning platform errors into the clear error. */
async function call<T>(op: () => Promise<T>): Promise<T> {
  try {
    return await op();
  } catch (err) {
    throw keychainError(err);
  }
}

/**
 * A locked Secret Service answers "not found" to lookups instead of failing, which would look like
 * "no password stored". So before first use, write, read back and delete a random probe value.
 */
async function probe(): Promise<void> {
  const nonce = randomBytes(8).toString('hex');
  await call(() => entry(PROBE_KEY).setPassword(nonce));
  const readBack = await call(() => entry(PROBE_KEY).getPassword());
  await call(() => entry(PROBE_KEY).deletePassword());
  if (readBack !== nonce) throw keychainError(new Error('locked: the probe entry could not be read back'));
}

/** The OS keychain as a SecretStore, with its key index kept in the keychain too. */
export class KeyringSecretStore implements SecretStore {
  private probed: Promise<void> | undefined;
  private readonly indexed = withKeyIndex(
    {
      get: async (key) => (await this.ready(() => entry(key).getPassword())) ?? undefined,
      set: (key, value) => this.ready(() => entry(key).setPassword(value)),
      delete: async (key) => void (await this.ready(() => entry(key).deletePassword())),
    },
    // The index is one keychain entry that every CLI process rewrites: a lock file in the state
    // folder keeps two runs storing secrets at once from dropping each other's key.
    (fn) => withFileLock(this.indexLockFile, fn),
  );

  private readonly indexLockFile: string;

  /** @param env  decides the state folder, where the lock that serializes index updates lives. */
  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.indexLockFile = path.join(defaultStateDir(env), 'keychain-index');
  }

  private async ready<T>(op: () => Promise<T>): Promise<T> {
    this.probed ??= probe();
    await this.probed;
    return call(op);
  }

  get(key: string): Promise<string | undefined> {
    return this.indexed.get(key);
  }
  set(key: string, value: string): Promise<void> {
    return this.indexed.set(key, value);
  }
  delete(key: string): Promise<void> {
    return this.indexed.delete(key);
  }
  keys(): Promise<string[]> {
    return this.indexed.keys();
  }
}
