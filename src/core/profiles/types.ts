/**
 * What a connection profile says, after validation against schemas/profile.schema.json.
 * The schema is the single source of truth; keep these types in step with it.
 */

/** Plain `ftp` is deliberately absent: it is refused everywhere (see profiles/url.ts). */
export type Protocol = 'sftp' | 'ftpes' | 'ftps';

/** Defined with the other defaults (defaults.ts); exported here too, where the protocols are. */
export { DEFAULT_PORTS } from './defaults';

/** Where a connection goes. Secrets are keyed by exactly these four fields (never a profile name). */
export interface ServerAddress {
  protocol: Protocol;
  host: string;
  port: number;
  username: string;
}

export type MfaMode = 'totp' | 'prompt' | 'none';

export interface Profile extends ServerAddress {
  /** Unique within its source. */
  name: string;
  /**
   * Not a setting (set by the loader / URL parser): the values that are defaults because none was
   * written, so an SFTP server's ~/.ssh/config Port / ConnectTimeout may replace them (OpenSSH: what
   * is given explicitly beats the config). An SFTP profile's `username` may likewise be '' (not
   * written): the config's User, else the local user name, is used (connect.ts withSshConfig).
   */
  defaulted?: { port?: true; connectTimeout?: true };
  /** Remote folder the tree and relative paths start from. Default: the login folder. */
  remotePath?: string;
  /** Pinned SSH host-key or TLS certificate fingerprints, `SHA256:<base64>` (OpenSSH's format). */
  fingerprints?: string[];
  /** SFTP: a private key file (a path; never key content). */
  identityFile?: string;
  /** SFTP: the ssh-agent. Default/true: found like OpenSSH (IdentityAgent, $SSH_AUTH_SOCK, Windows pipe/Pageant); false: none; a string: this socket/pipe. */
  agent?: boolean | string;
  /** SFTP: jump hosts in order, each `user@host[:port]` or an OpenSSH config alias (like `ssh -J`). */
  jump?: string[];
  /** A SOCKS5 or HTTP CONNECT proxy URL (`socks5://host:port`, `http://host:port`). */
  proxy?: string;
  /** FTPS: a PEM file with the CA certificates to trust in addition to the system's. */
  caFile?: string;
  /** FTPS: the TLS server name to verify, when it differs from `host`. */
  tlsServerName?: string;
  /** Minimum TLS version (never below 1.2). */
  minTlsVersion?: 'TLSv1.2' | 'TLSv1.3';
  mfa?: MfaMode;
  /** FTPS servers that expect the one-time code appended to the password. */
  appendTotpToPassword?: boolean;
  /** Local folder mapped to remotePath (for upload on save / upload active file). */
  localRoot?: string;
  uploadOnSave?: boolean;
  /** Give transferred files their source's modification time (like `scp -p`); default false. */
  preserveTimes?: boolean;
  /** Ask before an upload replaces an existing remote file this window never read or wrote (default true). */
  confirmOverwrite?: boolean;
  /** Extra ignore globs for uploads (`.git/` and the profile file are always ignored). */
  ignore?: string[];
  /** Seconds. */
  connectTimeout?: number;
  /** Seconds one request (or a transfer's next bytes) may take before the connection is closed. */
  requestTimeout?: number;
}

/** Where a profile came from, so errors can name the file and the UI can mark shared profiles. */
export interface ProfileSource {
  kind: 'workspace' | 'user' | 'cli';
  /** A file path, or a settings key such as `secureTransfer.profiles`. */
  location: string;
}

export interface LoadedProfile extends Profile {
  source: ProfileSource;
}
