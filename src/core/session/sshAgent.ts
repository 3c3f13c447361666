/**
 * Which SSH agent to ask, found the way OpenSSH finds it, and the agent's keys one at a time.
 *
 * Choice (chooseAgent, a pure function so every platform's branch is unit-tested here):
 *   profile `agent: false` → none; `agent: "<path>"` → that socket or pipe;
 *   otherwise ~/.ssh/config `IdentityAgent` (`none`, `SSH_AUTH_SOCK`, `$VAR`, a path);
 *   otherwise `$SSH_AUTH_SOCK`;
 *   otherwise, on Windows only, Windows OpenSSH's named pipe when it exists, else Pageant.
 * An agent that cannot be reached is never fatal: its keys are simply not offered (as with OpenSSH).
 */
import { BaseAgent, createAgent, utils, type ParsedKey, type SigningRequestOptions, type SignCallback, type IdentityCallback } from 'ssh2';

/** Windows OpenSSH's ssh-agent service (also where 1Password and others listen on Windows). */
export const WINDOWS_OPENSSH_AGENT_PIPE = '\\\\.\\pipe\\openssh-ssh-agent';
/** ssh2's name for PuTTY's agent (Windows only). */
export const PAGEANT = 'pageant';

export interface AgentChoiceInput {
  /** The profile's `agent`: true/undefined = find one, false = none, a string = this socket/pipe. */
  agent?: boolean | string;
  /** ~/.ssh/config's IdentityAgent for this host (tokens already expanded). */
  identityAgent?: string;
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Whether a path (a socket or a named pipe) exists; injected so the Windows branch is testable anywhere. */
  exists: (path: string) => boolean;
}

export interface AgentChoice {
  /** A socket path, a Windows pipe path, or `pageant`; undefined = no agent. */
  socket?: string;
  /** Where the choice came from, for the log ("SSH_AUTH_SOCK", "IdentityAgent in ~/.ssh/config", …). */
  source: string;
}

/** `$NAME` or `${NAME}` (IdentityAgent may name an environment variable). */
const ENV_REFERENCE = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?$/;

export function chooseAgent(input: AgentChoiceInput): AgentChoice {
  const { agent, env } = input;
  if (agent === false) return { source: 'the profile says "agent": false' };
  if (typeof agent === 'string') return { socket: agent, source: 'the profile' };
  const configured = input.identityAgent?.trim();
  // An explicit `agent: true` in the profile outranks `IdentityAgent none` in the user's config.
  if (configured && !(agent === true && configured.toLowerCase() === 'none')) {
    if (configured.toLowerCase() === 'none') return { source: 'IdentityAgent none in ~/.ssh/config' };
    const variable = configured === 'SSH_AUTH_SOCK' ? 'SSH_AUTH_SOCK' : ENV_REFERENCE.exec(configured)?.[1];
    if (variable !== undefined) {
      const value = env[variable];
      return value ? { socket: value, source: `IdentityAgent ${configured} in ~/.ssh/config` } : { source: `IdentityAgent ${configured} in ~/.ssh/config, which is not set` };
    }
    return { socket: configured, source: 'IdentityAgent in ~/.ssh/config' };
  }
  if (env.SSH_AUTH_SOCK) return { socket: env.SSH_AUTH_SOCK, source: 'SSH_AUTH_SOCK' };
  if (input.platform === 'win32') {
    if (input.exists(WINDOWS_OPENSSH_AGENT_PIPE)) return { socket: WINDOWS_OPENSSH_AGENT_PIPE, source: "Windows OpenSSH's agent" };
    return { socket: PAGEANT, source: 'Pageant' };
  }
  return { source: 'SSH_AUTH_SOCK is not set' };
}

/** How long listing the agent's keys may take (a stopped agent process would otherwise hang the login). */
export const AGENT_LIST_TIMEOUT_MS = 5_000;
/** Keys taken from one agent at most (a hostile or broken agent cannot flood the login). */
export const MAX_AGENT_KEYS = 64;

/**
 * The agent's keys, in the agent's order. Certificates and key types ssh2 cannot use are left out
 * (ssh2 1.17 cannot authenticate with OpenSSH certificates; see docs/keys-and-agents.md).
 */
export async function listAgentKeys(socket: string, timeoutMs = AGENT_LIST_TIMEOUT_MS): Promise<{ agent: BaseAgent; keys: ParsedKey[]; skipped: number }> {
  const agent = createAgent(socket);
  const raw = await new Promise<unknown[]>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    (agent.getIdentities as (cb: IdentityCallback) => void)((err, keys) => {
      clearTimeout(timer);
      if (err) reject(err);
      else resolve(Array.isArray(keys) ? keys : []);
    });
  });
  const keys: ParsedKey[] = [];
  let skipped = 0;
  for (const k of raw.slice(0, MAX_AGENT_KEYS)) {
    const parsed = utils.parseKey(k as Buffer);
    const key = Array.isArray(parsed) ? parsed[0] : parsed;
    if (key instanceof Error || !key || /-cert-v0[01]@openssh\.com$/.test(key.type)) skipped++;
    else keys.push(key);
  }
  return { agent, keys, skipped: skipped + Math.max(0, raw.length - MAX_AGENT_KEYS) };
}

/**
 * One key of an agent, as an agent of its own: ssh2's "agent" method walks every key of an agent by
 * itself, which would take the choice of order and the cap (MaxAuthTries) out of our hands. With one
 * key per method, each key is a step of our auth handler.
 */
export class OneKeyAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly inner: BaseAgent,
    private readonly key: ParsedKey,
  ) {
    super();
  }
  getIdentities(cb: IdentityCallback<ParsedKey>): void {
    cb(null, [this.key]);
  }
  sign(pubKey: ParsedKey, data: Buffer, optionsOrCb: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    const options = typeof optionsOrCb === 'function' ? {} : optionsOrCb;
    const done = typeof optionsOrCb === 'function' ? optionsOrCb : cb;
    (this.inner.sign as (k: ParsedKey, d: Buffer, o: SigningRequestOptions, c?: SignCallback) => void)(pubKey, data, options, done);
  }
}
