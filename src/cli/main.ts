/**
 * `secure-transfer`: a thin command line over the core. Exit codes: 0 ok, 1 failure, 2 usage,
 * 3 refused for security, 4 audit finding at or above --fail-on. Errors are one sentence on stderr;
 * a stack trace only with --verbose.
 */
import { describeError, exitCodeFor } from '../core/errors';
import { VERSION } from '../core/version';
import type { CliCommand, CliContext } from './context';
import { PROFILE_FILE_PATH } from '../core/profiles/profileFile';
import { DEFAULT_REQUEST_TIMEOUT } from '../core/profiles/defaults';

const USAGE = `Usage: secure-transfer <command> [options]

Commands:
  ls <url> [--json]              list a remote folder
  get <url> <local> [-r] [-p]    download a file (or a folder with -r); -p keeps modification times
  put <local> <url> [-r] [-p]    upload a file (or a folder with -r); -p keeps modification times
  mkdir <url>                    create a remote folder and its parents
  rm <url> [-r]                  delete a remote file (or a folder with -r)
  mv <url> <newpath>             rename or move a remote file or folder
  chmod <mode> <url> [-R]        change permissions: octal (644, 0755) or symbolic (u+x,go-w, a=r);
                                 -R: everything inside a folder too
  sync <localDir> <url>          make the remote folder like the local one (upload), or
  sync <url> <localDir>          the local folder like the remote one (download): prints the plan
                                 (new, changed, deleted, conflict), then runs it. --dry-run: only
                                 the plan; --delete: also remove what the source lacks; --force:
                                 overwrite conflicts; --checksum: compare by the server's hash;
                                 --json; -p: keep modification times; --ignore GLOB (repeatable)
  audit <url> [--format text|json|sarif|markdown|html] [--fail-on SEVERITY] [--no-anonymous]
                                 check a server's security settings (FTP: tries an anonymous
                                 login, lists, never writes; --no-anonymous skips it)
  audit --all | profile:NAME…    audit every profile (or these), --parallel N at once, into one
                                 report; --baseline FILE: exit 4 only on new or worse findings
  test <url>                     try a connection step by step: config, policy, each jump host,
                                 the server's identity, the login, a listing; then what the
                                 login shows (single factor where MFA is expected, a world-
                                 writable login folder, FTPS checks after login)
  secret set-password <url>      store a password in the OS keychain (read from stdin)
  secret set-passphrase <url>    store a private-key passphrase (read from stdin)
  secret set-totp <url>          store a TOTP seed or otpauth:// URI (read from stdin)
  secret forget <url>            remove every secret stored for a server
  secret list                    list servers that have secrets (never the values)
  import <file> [--scrub] [--format vscode-sftp|sshfs|filezilla|winscp] [--dry-run]
                                 turn another tool's saved servers (.vscode/sftp.json, SSH FS
                                 settings.json, FileZilla sitemanager.xml, WinSCP.ini) into profiles
                                 in ${PROFILE_FILE_PATH} (next to a .vscode/sftp.json, else here);
                                 passwords go to the OS keychain, --scrub removes them from <file>

<url>: sftp://[user@]host[:port]/path (host may be a ~/.ssh/config alias), ftpes://… (explicit FTPS), ftps://… (implicit FTPS),
       or profile:NAME/path with profiles from --config FILE (default ${PROFILE_FILE_PATH}).
       Plain ftp:// is refused: it sends passwords and files in cleartext.

Options:
  --known-hosts FILE      OpenSSH known_hosts file to trust (read-only; default ~/.ssh/known_hosts)
  --fingerprint SHA256:…  pin the host key or certificate (repeatable)
  --ca FILE               extra CA certificates (PEM) for FTPS
  --identity FILE         SSH private key
  --proxy URL             reach the server through socks5://, socks5h:// or http:// (CONNECT) host:port;
                          "none": no proxy (default: HTTPS_PROXY, then ALL_PROXY, unless NO_PROXY matches)
  --jump HOPS             SFTP: go through jump hosts, like ssh -J: user@host[:port][,…] or
                          ~/.ssh/config aliases; "none" ignores the profile's and ProxyJump
  --ssh-config FILE       OpenSSH client config for sftp:// (like ssh -F; default ~/.ssh/config; none: no config)
  --request-timeout SECS  give up on a server that stops answering for this long (default ${DEFAULT_REQUEST_TIMEOUT})
  --password-stdin        read the password from standard input
  --accept-new            trust an unknown host key or certificate and record it
  -p, --preserve-times    get / put / sync: give each copy its source's modification time (whole seconds; also
                          the profile's preserveTimes); a server that can't set times gets a note
  --follow-symlinks       get -r / put -r / sync: follow links to folders and links that leave the
                          folder being copied (default: only links to files inside it are copied)
  --verbose               log the steps (never secrets); stack traces on errors

Exit codes: 0 ok, 1 failure, 2 usage, 3 refused for security, 4 audit threshold reached,
5 sync left conflicts alone.
`;


/** Each command's code loads when it runs: --version and --help parse none of it, `ls` no transfer code. */
const COMMANDS: Record<string, () => Promise<CliCommand>> = {
  ls: async () => (await import('./commands/files')).lsCommand,
  get: async () => (await import('./commands/files')).getCommand,
  put: async () => (await import('./commands/files')).putCommand,
  mkdir: async () => (await import('./commands/files')).mkdirCommand,
  rm: async () => (await import('./commands/files')).rmCommand,
  mv: async () => (await import('./commands/files')).mvCommand,
  chmod: async () => (await import('./commands/files')).chmodCommand,
  sync: async () => (await import('./commands/sync')).syncCommand,
  audit: async () => (await import('./commands/audit')).auditCommand,
  test: async () => (await import('./commands/test')).testCommand,
  secret: async () => (await import('./commands/secret')).secretCommand,
  import: async () => (await import('./commands/import')).importCommand,
};

export async function runCli(ctx: CliContext, argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === 'help' || name === '--help' || name === '-h') {
    (name ? ctx.stdout : ctx.stderr).write(USAGE);
    return name ? 0 : 2;
  }
  if (name === '--version' || name === 'version') {
    ctx.stdout.write(`secure-transfer ${VERSION}\n`);
    return 0;
  }
  const load = COMMANDS[name];
  if (!load) {
    ctx.stderr.write(`secure-transfer: unknown command "${name}". Run "secure-transfer --help" for the list.\n`);
    return 2;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    ctx.stdout.write(USAGE);
    return 0;
  }
  try {
    return await (await load())(ctx, rest);
  } catch (err) {
    ctx.stderr.write(`secure-transfer ${name}: ${describeError(err)}\n`);
    if (ctx.verbose && err instanceof Error && err.stack) ctx.stderr.write(err.stack + '\n');
    return exitCodeFor(err);
  }
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  const ctx: CliContext = {
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
    env: process.env,
    cwd: process.cwd(),
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    verbose: argv.includes('--verbose') || argv.includes('-v'),
  };
  runCli(ctx, argv).then(
    (code) => {
      process.exitCode = code;
    },
    (err) => {
      process.stderr.write(`secure-transfer: ${describeError(err)}\n`);
      process.exitCode = 1;
    },
  );
}
