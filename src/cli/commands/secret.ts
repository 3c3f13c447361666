/**
 * `secure-transfer secret …`: store, forget and list secrets in the OS keychain.
 *   secret set-password <url>   password from stdin
 *   secret set-passphrase <url> private-key passphrase from stdin
 *   secret set-totp <url>       TOTP seed (base32 or otpauth:// URI) from stdin; prints the current code once
 *   secret forget <url>         every secret of that server
 *   secret list                 servers and kinds, never values
 * Values are read from stdin only (never argv, which other users can see in the process list).
 */
import { hasErrorCode, UsageError } from '../../core/errors';
import { resolveServer } from '../../core/connect';
import type { SshConfigOptions } from '../../core/sshconfig/types';
import { sshConfigOptions, urlProfile } from '../connection';
import { formatUrl, parseUrl } from '../../core/profiles/url';
import { serverUrl } from '../../core/profiles/serverAddress';
import type { ServerAddress } from '../../core/profiles/types';
import { formatCode } from '../../core/totp/code';
import { describeKind, forgetServer, listServers, setPassphrase, setPassword, setTotpSeed } from '../../core/secrets/secrets';
import type { SecretStore } from '../../core/secrets/secretStore';
import { readStdin, type CliCommand, type CliContext } from '../context';
import { KeyringSecretStore } from '../keyringStore';

const USAGE = 'secure-transfer secret set-password URL | set-passphrase URL | set-totp URL | forget URL | list  [--ssh-config FILE|none]';

/**
 * The server a URL's secrets belong to: the one `ls URL` reaches, so a later connection finds them.
 * An sftp:// host may be a ~/.ssh/config alias (its HostName, Port and User apply where the URL is
 * silent: core/connect.ts resolveServer, the same resolution connect() makes). A user must still come
 * from the URL or the config: secrets are stored per user, and the local user name is only a guess.
 */
async function serverFromUrl(text: string, sshConfig: SshConfigOptions): Promise<ServerAddress> {
  const url = parseUrl(text);
  const noUser = () => new UsageError(`${text} has no user name, and secrets are stored per user: write it as ${formatUrl({ protocol: url.protocol, host: url.host, port: url.port, username: 'USER' })}${url.protocol === 'sftp' ? ', or add a User line for it to your ssh config' : ''}.`);
  if (!url.username && url.protocol !== 'sftp') throw noUser();
  try {
    return (await resolveServer(urlProfile(text, url), sshConfig, () => '')).server;
  } catch (err) {
    if (hasErrorCode(err, 'bad-username')) throw noUser();
    throw err;
  }
}

/** `--ssh-config FILE|none` (as for connections) taken out of the arguments; the rest stay in order. */
function takeSshConfigFlag(ctx: CliContext, argv: string[]): { rest: string[]; sshConfig: SshConfigOptions } {
  const rest: string[] = [];
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--ssh-config') {
      if (i + 1 >= argv.length) throw new UsageError(`--ssh-config needs a value: a config file, or "none". Usage: ${USAGE}`);
      value = argv[++i];
    } else if (a.startsWith('--ssh-config=')) value = a.slice('--ssh-config='.length);
    else rest.push(a);
  }
  return { rest, sshConfig: sshConfigOptions(ctx, value === undefined ? {} : { 'ssh-config': value }) };
}

async function readValue(ctx: CliContext, what: string): Promise<string> {
  const value = await readStdin(ctx.stdin);
  if (value === '') throw new UsageError(`No ${what} was given on stdin: pipe it in, e.g. \`secure-transfer secret … < file\` or type it and press Ctrl-D.`);
  return value;
}

type Subcommand = { args: number; run: (ctx: CliContext, store: SecretStore, args: string[], sshConfig: SshConfigOptions) => Promise<number> };

const SUBCOMMANDS: Readonly<Record<string, Subcommand>> = {
  'set-password': {
    args: 1,
    async run(ctx, store, [url], sshConfig) {
      const server = await serverFromUrl(url, sshConfig);
      await setPassword(store, server, await readValue(ctx, 'password'));
      ctx.stdout.write(`Stored the password for ${serverUrl(server)} in the OS keychain.\n`);
      return 0;
    },
  },
  'set-passphrase': {
    args: 1,
    async run(ctx, store, [url], sshConfig) {
      const server = await serverFromUrl(url, sshConfig);
      await setPassphrase(store, server, await readValue(ctx, 'passphrase'));
      ctx.stdout.write(`Stored the key passphrase for ${serverUrl(server)} in the OS keychain.\n`);
      return 0;
    },
  },
  'set-totp': {
    args: 1,
    async run(ctx, store, [url], sshConfig) {
      const server = await serverFromUrl(url, sshConfig);
      const stored = await setTotpSeed(store, server, await readValue(ctx, 'TOTP seed'));
      ctx.stdout.write(`Stored the TOTP seed for ${serverUrl(server)} in the OS keychain.\n`);
      ctx.stdout.write(`Next code: ${formatCode(stored.code)} (valid ${stored.secondsLeft} s more) — compare with your authenticator app.\n`);
      return 0;
    },
  },
  forget: {
    args: 1,
    async run(ctx, store, [url], sshConfig) {
      const server = await serverFromUrl(url, sshConfig);
      const kinds = await forgetServer(store, server);
      ctx.stdout.write(
        kinds.length === 0
          ? `No secrets were stored for ${serverUrl(server)}.\n`
          : `Forgot the ${kinds.map(describeKind).join(', ')} of ${serverUrl(server)}.\n`,
      );
      return 0;
    },
  },
  list: {
    args: 0,
    async run(ctx, store) {
      const servers = await listServers(store);
      if (servers.length === 0) ctx.stdout.write('No secrets are stored.\n');
      for (const s of servers) ctx.stdout.write(`${serverUrl(s.server)}  ${s.kinds.map(describeKind).join(', ')}\n`);
      return 0;
    },
  },
};

/** The command over any store (tests pass an in-memory one). */
export function createSecretCommand(openStore: (ctx: CliContext) => SecretStore): CliCommand {
  return async (ctx, argv) => {
    const { rest: args, sshConfig } = takeSshConfigFlag(ctx, argv);
    const [name, ...rest] = args;
    const sub = name !== undefined && Object.hasOwn(SUBCOMMANDS, name) ? SUBCOMMANDS[name] : undefined;
    if (!sub) {
      throw new UsageError(`${name === undefined ? 'secret needs a subcommand' : `secret has no subcommand "${name}"`}. Usage: ${USAGE}`);
    }
    if (rest.length !== sub.args) {
      throw new UsageError(`secret ${name} takes ${sub.args === 0 ? 'no arguments' : 'one URL'}, got ${rest.length}. Usage: ${USAGE}`);
    }
    return sub.run(ctx, openStore(ctx), rest, sshConfig);
  };
}

export const secretCommand: CliCommand = createSecretCommand((ctx) => new KeyringSecretStore(ctx.env));
