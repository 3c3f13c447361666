/**
 * One live session per profile: connects on demand (concurrent callers share one attempt), tracks the
 * state the tree and the status bar show, and drops sessions when they close. All protocol work is
 * core's connect(); transports load lazily inside it, so activation never loads ssh2 or basic-ftp.
 */
import * as vscode from 'vscode';
import { connect, type ConnectContext } from '../core/connect';
import { describeError, SecureTransferError, type ErrorCode } from '../core/errors';
import type { LoadedProfile } from '../core/profiles/types';
import { serverOrigin } from '../core/profiles/serverAddress';
import type { RemoteFileSystem } from '../core/session/remoteFileSystem';
import { ReconnectingFileSystem, type LinkState } from '../core/session/reconnecting';
import type { CredentialProvider } from '../core/session/credentials';

/** Where a profile's browsing starts on a connected server: its remotePath (resolved), else the login folder. */
export async function startFolder(fs: RemoteFileSystem, profile: Pick<LoadedProfile, 'remotePath'>): Promise<string> {
  return profile.remotePath ? fs.realpath(profile.remotePath) : fs.homeDir;
}

export type ConnectionState =
  | { status: 'disconnected' }
  | { status: 'connecting' }
  | { status: 'connected'; fs: RemoteFileSystem }
  | { status: 'error'; message: string; code: ErrorCode };

export interface ConnectionDeps {
  /** Everything connect() needs except the credentials, which are per profile. */
  context(profile: LoadedProfile): Omit<ConnectContext, 'credentials' | 'signal'>;
  credentials(profile: LoadedProfile): CredentialProvider;
  /** Connection failures that need more than a line in the tree (a changed key). */
  onConnectError(profile: LoadedProfile, err: unknown): void;
  /** After every successful connection (the background audits start here; `fs`: the new session, for the login stage). */
  onConnected?(profile: LoadedProfile, fs: RemoteFileSystem): void;
}

/** The settings a live session depends on: where it goes, as whom, and what it trusts. */
function connectionShape(p: LoadedProfile): string {
  return JSON.stringify([serverOrigin(p), p.username, p.fingerprints, p.identityFile, p.agent, p.caFile, p.tlsServerName, p.minTlsVersion, p.mfa, p.appendTotpToPassword]);
}

export class ConnectionManager implements vscode.Disposable {
  private readonly states = new Map<string, ConnectionState>();
  /** What each live session was opened with (connectionShape()), to tell when its profile changed. */
  private readonly shapes = new Map<string, string>();
  private readonly pending = new Map<string, Promise<RemoteFileSystem>>();
  private readonly changed = new vscode.EventEmitter<string>();
  /** Fires with the profile name whose connection state changed. */
  readonly onDidChange = this.changed.event;

  constructor(private readonly deps: ConnectionDeps) {}

  state(name: string): ConnectionState {
    return this.states.get(name) ?? { status: 'disconnected' };
  }

  connectedNames(): string[] {
    return [...this.states].filter(([, s]) => s.status === 'connected').map(([n]) => n);
  }

  /** What connect() needs for a profile (a fresh connection outside the manager: Test Connection). */
  contextFor(profile: LoadedProfile): ConnectContext {
    return { ...this.deps.context(profile), credentials: this.deps.credentials(profile) };
  }

  /** The live session of a profile, connecting first when needed. */
  async get(profile: LoadedProfile, signal?: AbortSignal): Promise<RemoteFileSystem> {
    const current = this.states.get(profile.name);
    if (current?.status === 'connected' && current.fs.connected) return current.fs;
    const inFlight = this.pending.get(profile.name);
    if (inFlight) return inFlight;
    const attempt = this.open(profile, signal).finally(() => this.pending.delete(profile.name));
    this.pending.set(profile.name, attempt);
    return attempt;
  }

  private async open(profile: LoadedProfile, signal?: AbortSignal): Promise<RemoteFileSystem> {
    this.set(profile.name, { status: 'connecting' });
    this.shapes.set(profile.name, connectionShape(profile));
    try {
      // Later reconnects rerun the full connect (identity verified again); only the first honours the caller's signal.
      let first = true;
      const openSession = () => {
        const ctx = { ...this.deps.context(profile), credentials: this.deps.credentials(profile), signal: first ? signal : undefined };
        first = false;
        return connect(profile, ctx);
      };
      let restoring = false;
      const onLink = (link: LinkState, err?: Error) => {
        if (link === 'reconnecting') restoring = true;
        if (link === 'connected') restoring = false;
        // A reconnect that failed (a changed key, a refused login, a server still down) ends the session visibly.
        if (link === 'disconnected' && restoring) void this.reconnectFailed(profile, fs, err);
      };
      const fs = await ReconnectingFileSystem.connect(openSession, { onStateChange: (l, e) => onLink(l, e), where: serverOrigin(profile) });
      fs.onClose(() => {
        const s = this.states.get(profile.name);
        if (s?.status === 'connected' && s.fs === fs) this.set(profile.name, { status: 'disconnected' });
      });
      this.set(profile.name, { status: 'connected', fs });
      this.deps.onConnected?.(profile, fs);
      return fs;
    } catch (err) {
      const code = err instanceof SecureTransferError ? err.code : 'failure';
      this.set(profile.name, { status: 'error', message: describeError(err), code });
      this.deps.onConnectError(profile, err);
      throw err;
    }
  }

  private async reconnectFailed(profile: LoadedProfile, fs: RemoteFileSystem, err: unknown): Promise<void> {
    const s = this.states.get(profile.name);
    if (s?.status !== 'connected' || s.fs !== fs) return;
    const code = err instanceof SecureTransferError ? err.code : 'failure';
    this.set(profile.name, { status: 'error', message: describeError(err), code });
    await fs.close().catch(() => undefined);
    this.deps.onConnectError(profile, err);
  }

  /**
   * Ends the sessions (and forgets the states) of profiles that no longer exist, or that now point at
   * another server or trust other keys: a session must never outlive the profile it was opened for.
   * Returns the names dropped.
   */
  async dropVanished(find: (name: string) => LoadedProfile | undefined): Promise<string[]> {
    const stale = [...this.states.keys()].filter((name) => {
      const now = find(name);
      return !now || (this.shapes.has(name) && connectionShape(now) !== this.shapes.get(name));
    });
    await Promise.all(stale.map((name) => this.disconnect(name)));
    return stale;
  }

  async disconnect(name: string): Promise<void> {
    const s = this.states.get(name);
    this.states.delete(name);
    this.shapes.delete(name);
    if (s?.status === 'connected') await s.fs.close().catch(() => undefined);
    this.changed.fire(name);
  }

  async disconnectAll(): Promise<void> {
    await Promise.all([...this.states.keys()].map((n) => this.disconnect(n)));
  }

  private set(name: string, state: ConnectionState): void {
    this.states.set(name, state);
    this.changed.fire(name);
  }

  dispose(): void {
    void this.disconnectAll();
    this.changed.dispose();
  }
}
