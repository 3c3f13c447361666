/**
 * Resolves one host through the user's OpenSSH client config the way `ssh -G HOST` does (OpenSSH
 * 9.2's readconf.c and ssh.c): blocks in file order, first value wins, `Include` in place, `Host`
 * patterns with `*` `?` `!`, `Match host|originalhost|user|all|final|canonical`, a second ("final")
 * pass when a `Match final` asks for it, tokens expanded the way ssh expands them at connect time.
 *
 * Never executes anything: `Match exec` (and every criterion other than the ones above) is not
 * evaluated — the block is skipped with a warning naming file:line. Read-only, every file bounded
 * (parse.ts). A problem in the config becomes one warning sentence with file:line and the line is
 * ignored (OpenSSH would refuse the whole config); only an unreadable main file named explicitly
 * (`--ssh-config FILE`) is an error.
 *
 * Why not the `ssh-config` npm package: its compute() runs `Match exec` commands through a shell by
 * default and `nslookup` for CanonicalizeHostName, has no Include, no tokens, no algorithm lists and
 * no line numbers for warnings; checked against `ssh -G` it differs on most of the corpus in
 * test/fixtures/sshconfig. The line syntax is small enough to follow readconf.c directly.
 */
import { createHash } from 'node:crypto';
import * as os from 'node:os';
import * as path from 'node:path';
import { serverText } from '../displayText';
import { UsageError } from '../errors';
import { localUserName } from './localUser';
import { assembleAlgorithms, type SshConfigAlgorithmKeyword } from './algorithms';
import { expandGlob, MAX_CONFIG_FILES, MAX_INCLUDE_DEPTH, parseLine, readConfigFile } from './parse';
import { isConcreteHost, matchPattern, matchPatternList } from './pattern';
import { dollarExpand, percentExpand, tildeExpand } from './tokens';
import type { SshConfigOptions, SshHostConfig } from './types';

/** More warnings than this are summarized in one last line. */
const MAX_WARNINGS = 20;
const ALGORITHM_KEYWORDS: readonly SshConfigAlgorithmKeyword[] = ['ciphers', 'kexalgorithms', 'macs', 'hostkeyalgorithms'];
/** Keywords kept as their first value (each is validated when it is set). */
const FIRST_WINS = new Set([
  'hostname', 'port', 'user', 'identitiesonly', 'identityagent', 'hostkeyalias', 'userknownhostsfile', 'connecttimeout',
  'serveraliveinterval', 'serveralivecountmax', 'stricthostkeychecking', 'canonicalizehostname', ...ALGORITHM_KEYWORDS,
]);
/** Match criteria followed by an argument that this resolver never evaluates. */
const UNSUPPORTED_WITH_ARG = new Set(['exec', 'localuser', 'localnetwork', 'tagged']);

interface Place {
  file: string;
  line: number;
}

interface Setting {
  args: string[];
  rest: string;
  at: Place;
}

class Resolution {
  readonly values = new Map<string, Setting>();
  readonly identityFiles: string[] = [];
  readonly certificateFiles: string[] = [];
  /**
   * ProxyJump / ProxyCommand, as OpenSSH 9.2 settles them (checked against ssh -G): a ProxyJump hop
   * list also sets ProxyCommand to none; `ProxyJump none` blocks later ProxyJumps but not a later
   * ProxyCommand; a ProxyCommand (also `none`) blocks later ProxyJumps.
   */
  jump?: { value: string; at: Place };
  command?: { value: string; at: Place };
  matched = false;
  wantFinal = false;
  files = 0;
  readonly warnings: string[] = [];
  private dropped = 0;

  constructor(
    public host: string,
    readonly originalHost: string,
    readonly localUser: string,
    readonly home: string,
    public postCanon: boolean,
  ) {}

  warn(at: Place | undefined, sentence: string): void {
    if (this.warnings.length >= MAX_WARNINGS) {
      this.dropped++;
      return;
    }
    this.warnings.push(at ? `${serverText(at.file)}:${at.line}: ${sentence}` : sentence);
  }

  finishWarnings(): string[] {
    return this.dropped > 0 ? [...this.warnings, `…and ${this.dropped} more problems in the ssh config.`] : this.warnings;
  }
}

function defaultConfigFile(home: string): string {
  return path.join(home, '.ssh', 'config');
}

/** convtime(): `30`, `1m30s`, `2h` → seconds; undefined when malformed. */
export function parseSshTime(s: string): number | undefined {
  if (/^\d+$/.test(s)) return Number(s);
  const re = /(\d+)([sSmMhHdDwW])/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    total += Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }[m[2].toLowerCase() as 's']!;
    end = re.lastIndex;
  }
  return end === s.length && s.length > 0 && total <= 0x7fffffff ? total : undefined;
}

function yesNo(v: string): boolean | undefined {
  const l = v.toLowerCase();
  return l === 'yes' || l === 'true' ? true : l === 'no' || l === 'false' ? false : undefined;
}

/** Why OpenSSH would refuse this value (undefined: fine). */
function invalidValue(keyword: string, args: string[]): string | undefined {
  const v = args[0];
  switch (keyword) {
    case 'port': {
      const n = /^\d+$/.test(v) ? Number(v) : NaN;
      return n >= 1 && n <= 65535 ? undefined : 'Port must be a number from 1 to 65535';
    }
    case 'connecttimeout':
    case 'serveraliveinterval':
      return parseSshTime(v) === undefined && !(keyword === 'connecttimeout' && v.toLowerCase() === 'none') ? `${keyword === 'connecttimeout' ? 'ConnectTimeout' : 'ServerAliveInterval'} must be a time such as 30 or 1m` : undefined;
    case 'serveralivecountmax':
      return /^\d+$/.test(v) ? undefined : 'ServerAliveCountMax must be a number';
    case 'identitiesonly':
      return yesNo(v) === undefined ? 'IdentitiesOnly must be yes or no' : undefined;
    case 'stricthostkeychecking':
      return ['yes', 'true', 'no', 'false', 'off', 'ask', 'accept-new'].includes(v.toLowerCase()) ? undefined : 'StrictHostKeyChecking must be yes, no, accept-new or ask';
    case 'hostname':
      return v === '' ? 'HostName is empty' : undefined;
    default:
      return undefined;
  }
}

async function processFile(r: Resolution, file: string, depth: number, active: { on: boolean }, neverMatch: boolean, from?: Place, required = false): Promise<void> {
  if (r.files >= MAX_CONFIG_FILES) {
    r.warn(from, `more than ${MAX_CONFIG_FILES} ssh config files are included; ${serverText(file)} and the rest are ignored.`);
    return;
  }
  r.files++;
  let lines: string[];
  try {
    lines = (await readConfigFile(file)).lines;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === 'ENOENT' && !required) {
      // A file named by Include that vanished between glob and read; the default ~/.ssh/config may not exist.
      return;
    }
    const why = e.code === 'ENOENT' ? 'does not exist' : e.code === 'EACCES' ? 'cannot be read (permission denied)' : e.code === 'bad-ssh-config' ? undefined : `is refused: ${e.message}`;
    if (required) {
      if (!why) throw err; // fsutil's sentence: not a regular file / larger than the cap
      throw new UsageError(`The ssh config file ${serverText(file)} ${why}: point --ssh-config at an OpenSSH client config file, or none.`, 'bad-ssh-config');
    }
    r.warn(from, `the ssh config file ${serverText(file)} is ignored: ${why ? `it ${why}` : serverText(e.message)}.`);
    return;
  }
  for (let i = 0; i < lines.length; i++) {
    const at: Place = { file, line: i + 1 };
    const parsed = parseLine(lines[i]);
    if (parsed.kind === 'empty') continue;
    if (parsed.kind === 'error') {
      r.warn(at, `the line ${parsed.problem}; it is ignored.`);
      continue;
    }
    const { keyword, args, rest } = parsed;
    if (keyword === 'host') {
      active.on = neverMatch ? false : hostLineMatches(r, args, at);
    } else if (keyword === 'match') {
      const m = matchLine(r, args, at);
      active.on = neverMatch ? false : m;
    } else if (keyword === 'include') {
      await include(r, args, depth, active, at);
    } else if (active.on) {
      apply(r, keyword, args, rest, at);
    }
  }
}

async function include(r: Resolution, args: string[], depth: number, active: { on: boolean }, at: Place): Promise<void> {
  if (depth + 1 > MAX_INCLUDE_DEPTH) {
    r.warn(at, `Include nests more than ${MAX_INCLUDE_DEPTH} files deep (an Include loop?); it is ignored.`);
    return;
  }
  const outer = active.on;
  for (const arg of args) {
    if (arg === '') continue;
    // Relative paths live in ~/.ssh, like OpenSSH's user config (readconf.c).
    const pattern = arg.startsWith('/') ? arg : arg.startsWith('~') ? tildeExpand(arg, r.home) : `${r.home.replace(/[\\/]+$/, '')}/.ssh/${arg}`;
    const files = await expandGlob(pattern, MAX_CONFIG_FILES);
    for (const f of files) {
      await processFile(r, f, depth + 1, active, !outer, at);
      // Match in an included file does not change the including file's state (readconf.c).
      active.on = outer;
    }
  }
}

function hostLineMatches(r: Resolution, args: string[], at: Place): boolean {
  let on = false;
  let named = false;
  for (const arg of args) {
    if (arg === '') {
      r.warn(at, 'a Host line has an empty pattern; the block is skipped.');
      return false;
    }
    const negated = arg.startsWith('!');
    const pattern = negated ? arg.slice(1) : arg;
    if (matchPattern(r.host, pattern)) {
      if (negated) return false;
      on = true;
      if (!/^\*+$/.test(pattern)) named = true;
    }
  }
  if (on && named) r.matched = true;
  return on;
}

/** match_cfg_line(): every criterion must hold; criteria that would run or probe something are never evaluated. */
function matchLine(r: Resolution, args: string[], at: Place): boolean {
  if (args.length === 0) {
    r.warn(at, 'Match has no criteria; the block is skipped.');
    return false;
  }
  const hostname = r.values.get('hostname');
  const matchHost = hostname ? (percentExpand(hostname.args[0], { h: r.host }).value ?? r.host) : r.host;
  const user = r.values.get('user')?.args[0] ?? r.localUser;
  let result = true;
  let named = false;
  let unsupported: string | undefined;
  for (let i = 0; i < args.length; i++) {
    let attrib = args[i].toLowerCase();
    const negate = attrib.startsWith('!');
    if (negate) attrib = attrib.slice(1);
    if (attrib === 'all') continue;
    if (attrib === 'canonical' || attrib === 'final') {
      if (attrib === 'final') r.wantFinal = true;
      if (r.postCanon === negate) result = false;
      continue;
    }
    const arg = args[i + 1];
    if (arg === undefined || arg === '') {
      r.warn(at, `Match ${serverText(attrib)} has no argument; the block is skipped.`);
      return false;
    }
    i++;
    let ok: boolean;
    if (attrib === 'host') ok = matchPatternList(matchHost.toLowerCase(), arg, true);
    else if (attrib === 'originalhost') ok = matchPatternList(r.originalHost, arg, true);
    else if (attrib === 'user') ok = matchPatternList(user, arg, false);
    else {
      unsupported ??= UNSUPPORTED_WITH_ARG.has(attrib) ? `Match ${attrib}` : `the Match criterion "${serverText(attrib, 40)}"`;
      continue;
    }
    if (ok === negate) result = false;
    else if (!negate && (attrib === 'host' || attrib === 'originalhost') && !/^[*,]*$/.test(arg)) named = true;
  }
  if (result && unsupported) {
    // Only worth saying when the block would otherwise have applied to this host.
    r.warn(at, `${unsupported} is never evaluated by Secure Transfer (nothing is run); the block is skipped.`);
    return false;
  }
  if (result && named) r.matched = true;
  return result;
}

function apply(r: Resolution, keyword: string, args: string[], rest: string, at: Place): void {
  if (keyword === 'identityfile' || keyword === 'certificatefile') {
    const list = keyword === 'identityfile' ? r.identityFiles : r.certificateFiles;
    if (args.length !== 1 || args[0] === '') {
      r.warn(at, `${keyword === 'identityfile' ? 'IdentityFile' : 'CertificateFile'} takes one file; the line is ignored.`);
    } else if (!list.includes(args[0]) && list.length < 100) {
      list.push(args[0]);
    }
    return;
  }
  if (keyword === 'proxyjump') {
    if (args.length !== 1 || args[0] === '') {
      r.warn(at, 'ProxyJump takes one comma-separated list of hosts; the line is ignored.');
    } else if (!r.jump && !r.command) {
      r.jump = { value: args[0], at };
      if (args[0].toLowerCase() !== 'none') r.command = { value: 'none', at };
    }
    return;
  }
  if (keyword === 'proxycommand') {
    // The rest of the line as written (readconf.c), quotes and all.
    if (!r.command && (!r.jump || r.jump.value.toLowerCase() === 'none')) r.command = { value: rest, at };
    return;
  }
  if (!FIRST_WINS.has(keyword) || r.values.has(keyword)) return;
  if (args.length === 0) return;
  const problem = invalidValue(keyword, args);
  if (problem) {
    r.warn(at, `${problem}; the line is ignored.`);
    return;
  }
  r.values.set(keyword, { args, rest, at });
}

/** The `%` tokens of IdentityFile, CertificateFile, UserKnownHostsFile and IdentityAgent (ssh.c, OpenSSH 9.2). */
function pathTokens(r: Resolution, hostName: string, port: number, user: string): Record<string, string> {
  const thisHost = os.hostname();
  const portStr = String(port);
  return {
    C: createHash('sha1').update(thisHost + hostName + portStr + user).digest('hex'),
    L: thisHost.split('.')[0],
    i: typeof process.getuid === 'function' ? String(process.getuid()) : '0',
    k: r.values.get('hostkeyalias')?.args[0] ?? r.originalHost,
    l: thisHost,
    n: r.originalHost,
    p: portStr,
    d: r.home,
    h: hostName,
    r: user,
    u: r.localUser,
  };
}

function expandPath(r: Resolution, value: string, tokens: Record<string, string>, at: Place, what: string): string | undefined {
  const dollar = dollarExpand(tildeExpand(value, r.home), process.env);
  if (dollar.bad) {
    r.warn(at, `${what} uses the environment variable ${serverText(dollar.bad)}, which is not set; the value is ignored.`);
    return undefined;
  }
  const pct = percentExpand(dollar.value!, tokens);
  if (pct.bad) {
    r.warn(at, `${what} uses the unknown token ${serverText(pct.bad)}; the value is ignored.`);
    return undefined;
  }
  return pct.value;
}

async function runPass(r: Resolution, file: string, required: boolean): Promise<void> {
  r.files = 0;
  await processFile(r, file, 0, { on: true }, false, undefined, required);
}

/**
 * What the config says about `host`. `opts.file === false` (or `--ssh-config none`): nothing. The
 * default file is `~/.ssh/config` of `opts.home` (default: the home folder); when it does not exist,
 * nothing is configured.
 */
export async function resolveSshHost(host: string, opts: SshConfigOptions = {}): Promise<SshHostConfig> {
  const home = opts.home ?? os.homedir();
  const localUser = opts.localUser ?? localUserName();
  // Host lines match the name as typed (case-sensitive, like ssh); the host name used is lowercased.
  const original = host;
  const empty: SshHostConfig = { host, matched: false, hostName: host, identityFiles: [], certificateFiles: [], userKnownHostsFiles: [], warnings: [] };
  if (opts.file === false) return empty;
  const file = opts.file ?? defaultConfigFile(home);
  const r = new Resolution(original, original, localUser, home, false);
  await runPass(r, file, opts.file !== undefined);

  const canonicalize = r.values.get('canonicalizehostname')?.args[0].toLowerCase();
  const rawHostName = r.values.get('hostname');
  const expandHostName = (): string => {
    if (!rawHostName) return r.host.toLowerCase();
    const x = percentExpand(rawHostName.args[0], { h: original });
    if (x.bad) r.warn(rawHostName.at, `HostName uses the unknown token ${serverText(x.bad)} (only %h and %% are allowed); the host name is used as given.`);
    return (x.value ?? original).toLowerCase();
  };
  let hostName = expandHostName();
  if (r.wantFinal || canonicalize === 'yes' || canonicalize === 'always') {
    // ssh re-reads the config for the name HostName produced; values already set stay (first wins).
    if (canonicalize === 'yes' || canonicalize === 'always') {
      r.warn(r.values.get('canonicalizehostname')!.at, 'CanonicalizeHostName is not applied (no DNS search is made); the name is used as written.');
    }
    r.host = hostName;
    r.postCanon = true;
    if (rawHostName) r.values.set('hostname', { ...rawHostName, args: [hostName] });
    await runPass(r, file, opts.file !== undefined);
    hostName = (r.values.get('hostname')?.args[0] ?? hostName).toLowerCase();
  }

  const get = (k: string) => r.values.get(k)?.args[0];
  const portValue = get('port');
  const port = portValue ? Number(portValue) : undefined;
  const user = get('user');
  const tokens = pathTokens(r, hostName, port ?? 22, user ?? localUser);
  const paths = (values: string[], at: Place | undefined, what: string) =>
    values.flatMap((v) => {
      const x = expandPath(r, v, tokens, at ?? { file, line: 0 }, what);
      return x === undefined ? [] : [x];
    });

  const out: SshHostConfig = {
    host,
    matched: r.matched,
    hostName,
    identityFiles: paths(r.identityFiles, undefined, 'IdentityFile'),
    certificateFiles: paths(r.certificateFiles, undefined, 'CertificateFile'),
    userKnownHostsFiles: [],
    warnings: [],
  };
  if (port !== undefined) out.port = port;
  if (user !== undefined) out.user = user;
  const io = get('identitiesonly');
  if (io !== undefined) out.identitiesOnly = yesNo(io);
  const agent = r.values.get('identityagent');
  if (agent) {
    const v = agent.args[0];
    const keep = v === 'none' || v === 'SSH_AUTH_SOCK' || v.startsWith('$');
    const x = keep ? v : expandPath(r, v, tokens, agent.at, 'IdentityAgent');
    if (x !== undefined) out.identityAgent = x;
  }
  const ukh = r.values.get('userknownhostsfile');
  if (ukh && !(ukh.args.length === 1 && ukh.args[0] === 'none')) out.userKnownHostsFiles = paths(ukh.args, ukh.at, 'UserKnownHostsFile');
  const alias = get('hostkeyalias');
  if (alias !== undefined) out.hostKeyAlias = alias;
  if (r.jump && r.jump.value.toLowerCase() !== 'none') {
    out.proxyJump = r.jump.value.split(',').filter((h) => h !== '');
  } else if (r.command && r.command.value.toLowerCase() !== 'none') {
    // ssh expands only these four in ProxyCommand (sshconnect.c).
    const x = percentExpand(r.command.value, { h: hostName, n: original, p: String(port ?? 22), r: user ?? localUser });
    if (x.bad) r.warn(r.command.at, `ProxyCommand uses the unknown token ${serverText(x.bad)}; it is ignored.`);
    else out.proxyCommand = x.value;
  }
  const ct = get('connecttimeout');
  if (ct !== undefined && ct.toLowerCase() !== 'none') out.connectTimeout = parseSshTime(ct);
  const sai = get('serveraliveinterval');
  if (sai !== undefined) out.serverAliveInterval = parseSshTime(sai);
  const sacm = get('serveralivecountmax');
  if (sacm !== undefined) out.serverAliveCountMax = Number(sacm);
  const mapKey: Record<SshConfigAlgorithmKeyword, 'ciphers' | 'kexAlgorithms' | 'macs' | 'hostKeyAlgorithms'> = {
    ciphers: 'ciphers',
    kexalgorithms: 'kexAlgorithms',
    macs: 'macs',
    hostkeyalgorithms: 'hostKeyAlgorithms',
  };
  for (const k of ALGORITHM_KEYWORDS) {
    const s = r.values.get(k);
    if (!s) continue;
    const { list, problem } = assembleAlgorithms(k, s.args[0]);
    if (list) out[mapKey[k]] = list;
    else r.warn(s.at, `${s.args[0] === '' ? k : serverText(k)} ${problem}; the line is ignored.`);
  }
  const shk = get('stricthostkeychecking')?.toLowerCase();
  if (shk !== undefined) out.strictHostKeyChecking = shk === 'yes' || shk === 'true' ? 'yes' : shk === 'ask' ? 'ask' : shk === 'accept-new' ? 'accept-new' : 'no';
  out.warnings = r.finishWarnings();
  return out;
}

/**
 * The concrete host names (no wildcard, no negation) the config's `Host` lines name, in file order,
 * Includes followed — for "Add Profile…". Nothing is evaluated or run; bounded like resolveSshHost.
 */
export async function listSshHosts(opts: SshConfigOptions = {}): Promise<{ hosts: string[]; warnings: string[] }> {
  if (opts.file === false) return { hosts: [], warnings: [] };
  const home = opts.home ?? os.homedir();
  const r = new Resolution('', '', opts.localUser ?? '', home, false);
  const hosts: string[] = [];
  const seen = new Set<string>();
  const visit = async (file: string, depth: number, from?: Place): Promise<void> => {
    if (r.files >= MAX_CONFIG_FILES) return;
    r.files++;
    let lines: string[];
    try {
      lines = (await readConfigFile(file)).lines;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') r.warn(from, `${serverText(file)} is ignored: ${serverText((err as Error).message)}.`);
      return;
    }
    for (let i = 0; i < lines.length; i++) {
      const parsed = parseLine(lines[i]);
      if (parsed.kind !== 'directive') continue;
      if (parsed.keyword === 'host') {
        for (const h of parsed.args) {
          if (isConcreteHost(h) && !seen.has(h) && h.length <= 255) {
            seen.add(h);
            hosts.push(h);
          }
        }
      } else if (parsed.keyword === 'include' && depth + 1 <= MAX_INCLUDE_DEPTH) {
        for (const arg of parsed.args) {
          const pattern = arg.startsWith('/') ? arg : arg.startsWith('~') ? tildeExpand(arg, home) : `${home.replace(/[\\/]+$/, '')}/.ssh/${arg}`;
          for (const f of await expandGlob(pattern, MAX_CONFIG_FILES)) await visit(f, depth + 1, { file, line: i + 1 });
        }
      }
    }
  };
  await visit(opts.file ?? defaultConfigFile(home), 0);
  return { hosts, warnings: r.finishWarnings() };
}
