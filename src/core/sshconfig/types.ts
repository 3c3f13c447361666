/**
 * What the user's own OpenSSH client config (`~/.ssh/config`) says about one host, resolved the way
 * `ssh -G HOST` resolves it (first value wins, Host/Match blocks in order, `Include`, tokens).
 * Read-only: the file is never written. Only the keywords below are understood; the rest are ignored.
 */
export interface SshHostConfig {
  /** The name as asked for (an alias or a real host name). */
  host: string;
  /** True when a `Host`/`Match` block other than `Host *` named this host. */
  matched: boolean;
  hostName: string;
  port?: number;
  user?: string;
  /** IdentityFile values in order, `~` and `%` tokens expanded. */
  identityFiles: string[];
  identitiesOnly?: boolean;
  /** `none`, `SSH_AUTH_SOCK`, or a socket / pipe path (tokens expanded). */
  identityAgent?: string;
  certificateFiles: string[];
  /** ProxyJump hops as written (`user@host:port` or aliases); `none` is represented as undefined. */
  proxyJump?: string[];
  /** The user's own ProxyCommand, tokens expanded; never from a workspace file. */
  proxyCommand?: string;
  hostKeyAlias?: string;
  userKnownHostsFiles: string[];
  /** Seconds. */
  connectTimeout?: number;
  serverAliveInterval?: number;
  serverAliveCountMax?: number;
  /** Algorithm lists as OpenSSH resolves them; they may only narrow what we offer. */
  ciphers?: string[];
  kexAlgorithms?: string[];
  macs?: string[];
  hostKeyAlgorithms?: string[];
  strictHostKeyChecking?: 'yes' | 'no' | 'accept-new' | 'ask';
  /** One sentence each (file:line, what was skipped and why), for the log / the CLI's stderr. */
  warnings: string[];
}

export interface SshConfigOptions {
  /** The config file; default `~/.ssh/config`. `false`: no OpenSSH config at all. */
  file?: string | false;
  /** The local user (`%u`, default User). */
  localUser?: string;
  /** The home folder (`~`, `%d`). */
  home?: string;
}
