/**
 * Validating profiles against schemas/profile.schema.json (the single source, also used by VS Code's
 * jsonValidation), with checks layered in front of ajv so the refusals that matter say exactly what
 * to do: secrets → the OS keychain, verification switches → pin a fingerprint, plain ftp → ftpes/sftp.
 * Every problem is collected; the thrown UsageError carries them all.
 */
import type { ErrorObject } from 'ajv';
import schemaJson from '../../../schemas/profile.schema.json';
import { UsageError } from '../errors';
import { isFingerprint, normalizeFingerprint } from '../syntax/fingerprint';
import { isSshHostAlias, isValidHost, isValidHostEntry } from '../syntax/host';
import type { Policy } from './policyTypes';
import { isNoProxy, parseProxyUrl } from '../syntax/proxyUrl';
import { looksLikeKeyContent, runsProgram, secretFieldOf, squashKey, verificationSwitchOf, type SecretField } from './forbidden';
import { formatJsonPath, type PathSegment, type SourcePosition } from './jsonc';
import * as generatedValidators from './profileSchema.generated';
import { suggestion } from './suggest';
import { formatUrl } from './url';
import { jumpSpecProblem, parseJumpSpec } from './jump';
import { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT } from './defaults';
import { DEFAULT_PORTS, type LoadedProfile, type Profile, type ProfileSource, type Protocol } from './types';

export type ProblemCode =
  | 'syntax'
  | 'secret-in-profile'
  | 'verification-disabled'
  | 'plain-ftp'
  | 'unknown-key'
  | 'duplicate-name'
  | 'duplicate-key'
  | 'wrong-protocol'
  | 'missing'
  | 'invalid-value';

export interface ProfileProblem {
  /** The JSON path, e.g. `profiles[2].port` ('' for the whole document). */
  path: string;
  /** One sentence: where, the JSON path, what is wrong and how to fix it. */
  message: string;
  code: ProblemCode;
  /** True for refusals that keep the user safe (secrets, verification, plaintext). */
  security: boolean;
  /** 1-based, when the source text is known. */
  line?: number;
  column?: number;
  /**
   * Where the problem's text ends (exclusive, 1-based) when it is the exact member or value at fault
   * (from a key's start to its value's end); absent when only the enclosing object is known.
   */
  endLine?: number;
  endColumn?: number;
  /** The JSON path as segments, without any settings prefix (for editors and quick fixes). */
  segments?: PathSegment[];
}

export class ProfileValidationError extends UsageError {
  constructor(
    readonly problems: ProfileProblem[],
    where: string,
  ) {
    const more = problems.length - 1;
    super(`${problems[0].message}${more > 0 ? ` (${more} more problem${more > 1 ? 's' : ''} in ${where})` : ''}`, problems[0].code);
    this.name = 'ProfileValidationError';
  }
}

export interface ProfileFile {
  profiles: LoadedProfile[];
  policy?: Policy;
}

export interface ProfileFileCheck extends ProfileFile {
  problems: ProfileProblem[];
}

export const PROFILE_SCHEMA = schemaJson;
export { DEFAULT_CONNECT_TIMEOUT, DEFAULT_REQUEST_TIMEOUT };
const SECURITY_CODES: ReadonlySet<ProblemCode> = new Set(['secret-in-profile', 'verification-disabled', 'plain-ftp']);
const PROTOCOLS: readonly Protocol[] = ['sftp', 'ftpes', 'ftps'];

// ---- The schema's validators ----

/**
 * ajv's standalone code for schemas/profile.schema.json, generated at build time by
 * scripts/profileValidator.mjs (so neither ajv's compiler nor a compile runs at activation).
 */
type ValidateFunction = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
const validators = generatedValidators as unknown as { file: ValidateFunction; profiles: ValidateFunction; policy: ValidateFunction };

interface PropertySchema {
  $ref?: string;
  description?: string;
}

/** The keys a user may write (the schema also lists forbidden keys, for VS Code's messages). */
function allowedKeys(properties: Record<string, PropertySchema>): string[] {
  return Object.keys(properties).filter((k) => !/#\/definitions\/forbidden/.test(properties[k].$ref ?? ''));
}

const PROFILE_PROPERTIES = schemaJson.definitions.profile.properties as Record<string, PropertySchema>;
const POLICY_PROPERTIES = schemaJson.definitions.policy.properties as Record<string, PropertySchema>;
const PROFILE_KEYS = allowedKeys(PROFILE_PROPERTIES);
const POLICY_KEYS = allowedKeys(POLICY_PROPERTIES);
const ROOT_KEYS = allowedKeys(schemaJson.properties as Record<string, PropertySchema>);

/** Names people bring from other tools (vscode-sftp, WinSCP, ssh_config), squashed, and ours. */
const KEY_ALIASES: Readonly<Record<string, string>> = {
  user: 'username',
  login: 'username',
  hostname: 'host',
  server: 'host',
  address: 'host',
  type: 'protocol',
  scheme: 'protocol',
  remote: 'remotePath',
  remotedir: 'remotePath',
  remotefolder: 'remotePath',
  remoteroot: 'remotePath',
  privatekeypath: 'identityFile',
  privatekey: 'identityFile',
  keyfile: 'identityFile',
  identity: 'identityFile',
  key: 'identityFile',
  context: 'localRoot',
  localpath: 'localRoot',
  local: 'localRoot',
  timeout: 'connectTimeout',
  conntimeout: 'connectTimeout',
  readytimeout: 'connectTimeout',
  operationtimeout: 'requestTimeout',
  fingerprint: 'fingerprints',
  hostkey: 'fingerprints',
  hostfingerprint: 'fingerprints',
  ca: 'caFile',
  cacert: 'caFile',
  servername: 'tlsServerName',
  sni: 'tlsServerName',
  exclude: 'ignore',
  ignores: 'ignore',
  watcher: 'uploadOnSave',
  totp: 'mfa',
  otp: 'mfa',
  twofactor: 'mfa',
  secure: 'protocol',
  minversion: 'minTlsVersion',
  tlsversion: 'minTlsVersion',
  hosts: 'allowedHosts',
  allowlist: 'allowedHosts',
};

const ENUM_ALIASES: Readonly<Record<string, string>> = {
  ssh: 'sftp',
  scp: 'sftp',
  ftpse: 'ftpes',
  ftpssl: 'ftpes',
  ftptls: 'ftpes',
  explicit: 'ftpes',
  implicit: 'ftps',
  tls12: 'TLSv1.2',
  tls13: 'TLSv1.3',
  '12': 'TLSv1.2',
  '13': 'TLSv1.3',
  otp: 'totp',
  ask: 'prompt',
  off: 'none',
};

/** Settings that only mean something for some protocols. */
const PROTOCOL_ONLY: Readonly<Record<string, readonly Protocol[]>> = {
  identityFile: ['sftp'],
  agent: ['sftp'],
  jump: ['sftp'],
  caFile: ['ftpes', 'ftps'],
  tlsServerName: ['ftpes', 'ftps'],
  minTlsVersion: ['ftpes', 'ftps'],
  appendTotpToPassword: ['ftpes', 'ftps'],
};

const SECRET_FIXES: Readonly<Record<SecretField, (url: string) => string>> = {
  password: (url) => `remove it and run "Secure Transfer: Set Password" (or \`secure-transfer secret set-password ${url}\`)`,
  passphrase: (url) => `remove it and run "Secure Transfer: Set Key Passphrase" (or \`secure-transfer secret set-passphrase ${url}\`)`,
  keyContent: () => 'remove it and set "identityFile" to the path of the key file instead (its passphrase, if any, goes in the keychain too)',
  totp: (url) => `remove it, set "mfa" to "totp" and run "Secure Transfer: Set TOTP Secret" (or \`secure-transfer secret set-totp ${url}\`)`,
};

// ---- Collecting problems ----

interface Collector {
  where: string;
  /** Prepended to every JSON path (the settings key for user settings). */
  prefix: string;
  positions?: Map<string, SourcePosition>;
  ends?: Map<string, SourcePosition>;
  problems: ProfileProblem[];
  /** Paths (without prefix) that already have a specific problem: ajv's generic ones are dropped. */
  claimed: Set<string>;
}

/** Keys and values quoted from the file may hold line breaks or escapes: show them escaped, on one line. */
function oneLine(message: string): string {
  // eslint-disable-next-line no-control-regex
  return message.replace(/[\u0000-\u001f\u007f-\u009f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function report(c: Collector, segments: readonly PathSegment[], code: ProblemCode, text: string): void {
  const key = formatJsonPath(segments);
  if (c.claimed.has(key)) return;
  c.claimed.add(key);
  const path = formatJsonPath(segments, c.prefix);
  const sentence = /[.?]$/.test(text) ? text : `${text}.`;
  const pos = nearestPosition(c.positions, segments);
  const end = c.positions?.has(key) ? c.ends?.get(key) : undefined;
  c.problems.push({
    path,
    message: oneLine(path === '' ? `${c.where}: ${sentence}` : `${c.where}: ${path}: ${sentence}`),
    code,
    security: SECURITY_CODES.has(code),
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    ...(pos && end ? { endLine: end.line, endColumn: end.column } : {}),
    segments: [...segments],
  });
}

/** A missing key has no position of its own: point at the object that lacks it. */
function nearestPosition(positions: Map<string, SourcePosition> | undefined, segments: readonly PathSegment[]): SourcePosition | undefined {
  for (let n = segments.length; positions && n >= 0; n--) {
    const pos = positions.get(formatJsonPath(segments.slice(0, n)));
    if (pos) return pos;
  }
  return undefined;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The server a secret would belong to, for the fix's command line. */
function serverUrlOf(profile: Record<string, unknown> | undefined): string {
  const p = profile ?? {};
  const protocol = PROTOCOLS.includes(p.protocol as Protocol) ? (p.protocol as Protocol) : 'sftp';
  if (typeof p.host !== 'string' || !isValidHost(p.host) || typeof p.username !== 'string' || p.username === '') return `${protocol}://USER@HOST`;
  return formatUrl({ protocol, host: p.host, port: typeof p.port === 'number' ? p.port : undefined, username: p.username });
}

/** Secrets and verification switches anywhere under a key nobody asked for. */
function checkUnknownKey(c: Collector, segments: PathSegment[], key: string, value: unknown, allowed: readonly string[], owner?: Record<string, unknown>): void {
  const path = [...segments, key];
  const secret = secretFieldOf(key, value);
  if (secret) {
    report(c, path, 'secret-in-profile', `secrets belong in the OS keychain — ${SECRET_FIXES[secret](serverUrlOf(owner))}`);
    return;
  }
  if (runsProgram(key)) {
    report(c, path, 'unknown-key', `"${key}" would run a program, and a profile (which a repository can ship) never runs one — remove it; a ProxyCommand belongs in your own ~/.ssh/config, which Secure Transfer reads`);
    return;
  }
  const verification = verificationSwitchOf(key, value);
  if (verification?.disables) {
    report(c, path, 'verification-disabled', `server verification cannot be turned off — remove "${key}" and pin the server's fingerprint in "fingerprints" instead (the first connection shows it)`);
    return;
  }
  if (verification) {
    report(c, path, 'unknown-key', `"${key}" is not a setting; verification is always on — remove it${squashKey(key) === 'secure' ? ' (for FTP over TLS set "protocol" to "ftpes")' : ''}`);
    return;
  }
  report(c, path, 'unknown-key', `unknown setting "${key}" — ${suggestion(key, allowed, KEY_ALIASES)}`);
  if (isObject(value)) for (const [k, v] of Object.entries(value)) nestedSecrets(c, [...path], k, v, owner);
  if (Array.isArray(value)) value.forEach((v, i) => isObject(v) && Object.entries(v).forEach(([k, vv]) => nestedSecrets(c, [...path, i], k, vv, owner)));
}

function nestedSecrets(c: Collector, segments: PathSegment[], key: string, value: unknown, owner?: Record<string, unknown>): void {
  const secret = secretFieldOf(key, value);
  const verification = verificationSwitchOf(key, value);
  if (secret) report(c, [...segments, key], 'secret-in-profile', `secrets belong in the OS keychain — ${SECRET_FIXES[secret](serverUrlOf(owner))}`);
  else if (verification?.disables) report(c, [...segments, key], 'verification-disabled', `server verification cannot be turned off — remove "${key}" and pin the server's fingerprint in "fingerprints" instead`);
  else if (isObject(value)) for (const [k, v] of Object.entries(value)) nestedSecrets(c, [...segments, key], k, v, owner);
}

/** A host written as a URL, with a user or a port, or otherwise not a name or address. */
function hostProblem(host: string, protocol: unknown): { code: ProblemCode; text: string } | undefined {
  if (isValidHost(host)) return undefined;
  // An SFTP host may be a ~/.ssh/config alias (resolved when connecting, like `ssh ALIAS`).
  if (protocol === 'sftp' && isSshHostAlias(host)) return undefined;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(host)) {
    if (/^[^/]*\/\/[^/@]*:[^@]*@/.test(host)) return { code: 'secret-in-profile', text: 'holds a URL with a password, and secrets belong in the OS keychain — write only the host name here and run "Secure Transfer: Set Password"' };
    return { code: 'invalid-value', text: 'is a URL — write only the server\'s name or address here and put protocol, username, port and remotePath in their own settings' };
  }
  if (host.includes('@')) return { code: 'invalid-value', text: `${JSON.stringify(host.slice(0, 80))} includes a user — write only the host here and the user in "username"` };
  if (/^\[.*\]$/.test(host)) return { code: 'invalid-value', text: `${JSON.stringify(host.slice(0, 80))} has brackets — write an IPv6 address without them` };
  if (/^[^:]+:\d+$/.test(host)) return { code: 'invalid-value', text: `${JSON.stringify(host.slice(0, 80))} includes a port — write only the host here and the port in "port"` };
  return { code: 'invalid-value', text: `${JSON.stringify(host.slice(0, 80))} is not a valid host name or IP address — use a name like files.example.com or an address like 192.0.2.10` };
}

function checkProfile(c: Collector, segments: PathSegment[], profile: unknown, names: Map<string, string>): void {
  if (!isObject(profile)) return;
  for (const [key, value] of Object.entries(profile)) {
    if (!PROFILE_KEYS.includes(key)) checkUnknownKey(c, segments, key, value, PROFILE_KEYS, profile);
  }
  const protocol = profile.protocol;
  if (typeof protocol === 'string' && protocol.trim().toLowerCase() === 'ftp') {
    report(c, [...segments, 'protocol'], 'plain-ftp', 'plain FTP sends passwords and files in cleartext — use "ftpes" (explicit FTPS) or "sftp" instead');
  }
  if (PROTOCOLS.includes(protocol as Protocol)) {
    for (const [key, only] of Object.entries(PROTOCOL_ONLY)) {
      if (key in profile && !only.includes(protocol as Protocol)) {
        report(c, [...segments, key], 'wrong-protocol', `applies only to ${only.join(' and ')} profiles, and this one is ${protocol} — remove it or change "protocol"`);
      }
    }
  }
  if (typeof profile.host === 'string' && profile.host !== '') {
    const problem = hostProblem(profile.host, profile.protocol);
    if (problem) report(c, [...segments, 'host'], problem.code, problem.text);
  }
  if (typeof profile.proxy === 'string' && !isNoProxy(profile.proxy)) {
    const parsed = parseProxyUrl(profile.proxy);
    if (typeof parsed === 'string') {
      // Left to the schema's pattern when it already refuses the value (one problem, not two).
      if (/^(socks5h?|socks|http):\/\//i.test(profile.proxy.trim())) report(c, [...segments, 'proxy'], 'invalid-value', parsed);
    } else if (parsed.password !== undefined) {
      report(c, [...segments, 'proxy'], 'secret-in-profile', `holds a proxy password, and a profile file is no place for one — write ${parsed.username === undefined ? parsed.display : parsed.display.replace('://', `://${encodeURIComponent(parsed.username)}@`)} here and set the password in the environment (ALL_PROXY / HTTPS_PROXY, see docs/proxies.md)`);
    }
  }
  if (Array.isArray(profile.jump)) {
    profile.jump.forEach((hop, i) => {
      if (typeof hop === 'string' && hop !== '' && !/[\s,]/.test(hop) && !parseJumpSpec(hop)) report(c, [...segments, 'jump', i], 'invalid-value', jumpSpecProblem(hop, 'the jump host'));
    });
  }
  if (typeof profile.identityFile === 'string' && looksLikeKeyContent(profile.identityFile)) {
    report(c, [...segments, 'identityFile'], 'secret-in-profile', `secrets belong in the OS keychain — ${SECRET_FIXES.keyContent('')}`);
  }
  if (Array.isArray(profile.fingerprints)) {
    profile.fingerprints.forEach((fp, i) => {
      if (typeof fp !== 'string' || isFingerprint(fp)) return;
      try {
        report(c, [...segments, 'fingerprints', i], 'invalid-value', `write the fingerprint in OpenSSH's form — "${normalizeFingerprint(fp)}"`);
      } catch {
        // Not convertible: the schema's pattern message says what the form is.
      }
    });
  }
  if (typeof profile.name === 'string' && profile.name !== '') {
    const key = profile.name.trim().toLowerCase();
    const first = names.get(key);
    if (first) report(c, [...segments, 'name'], 'duplicate-name', `"${profile.name}" is already the name of ${first} — give each profile a unique name`);
    else names.set(key, formatJsonPath(segments, c.prefix));
  }
}

function checkPolicy(c: Collector, segments: PathSegment[], policy: unknown): void {
  if (!isObject(policy)) return;
  for (const [key, value] of Object.entries(policy)) {
    if (!POLICY_KEYS.includes(key)) checkUnknownKey(c, segments, key, value, POLICY_KEYS);
  }
  if (Array.isArray(policy.allowedHosts)) {
    policy.allowedHosts.forEach((entry, i) => {
      if (typeof entry === 'string' && entry !== '' && !isValidHostEntry(entry)) {
        report(c, [...segments, 'allowedHosts', i], 'invalid-value', `"${entry.slice(0, 80)}" is not a host name, a glob like *.example.com, an IP address or a CIDR range like 10.0.0.0/8 — correct it`);
      }
    });
  }
}

function checkProfiles(c: Collector, segments: PathSegment[], list: unknown): void {
  if (!Array.isArray(list)) return;
  const names = new Map<string, string>();
  list.forEach((p, i) => checkProfile(c, [...segments, i], p, names));
}

function checkRoot(c: Collector, doc: unknown): void {
  if (!isObject(doc)) return;
  for (const [key, value] of Object.entries(doc)) {
    if (!ROOT_KEYS.includes(key)) checkUnknownKey(c, [], key, value, ROOT_KEYS);
  }
  checkProfiles(c, ['profiles'], doc.profiles);
  checkPolicy(c, ['policy'], doc.policy);
}

// ---- ajv's findings, in the same words ----

function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  const segments: PathSegment[] = [];
  let node = data;
  for (const raw of pointer.split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    const seg: PathSegment = Array.isArray(node) ? Number(part) : part;
    segments.push(seg);
    node = isObject(node) || Array.isArray(node) ? (node as Record<string, unknown>)[seg as string] : undefined;
  }
  return segments;
}

const describeJsonType = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'a list' : typeof v === 'object' ? 'an object' : `${typeof v} ${JSON.stringify(v)}`.slice(0, 60));
const TYPE_NAMES: Readonly<Record<string, string>> = { integer: 'a whole number', number: 'a number', string: 'a string in double quotes', boolean: 'true or false', array: 'a list [ … ]', object: 'an object { … }' };

function typeHint(expected: string, value: unknown): string {
  if ((expected === 'integer' || expected === 'number') && typeof value === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(value)) return ' — write the number without quotes';
  if (expected === 'boolean' && typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return ' — write true or false without quotes';
  if (expected === 'array' && typeof value === 'string') return ` — put it in a list: [${JSON.stringify(value)}]`;
  return '';
}

const firstSentence = (s: string | undefined) => (s ?? '').split(/(?<=\.)\s/)[0].replace(/\.$/, '');
const lowerFirst = (s: string) => s.charAt(0).toLowerCase() + s.slice(1);

type AjvMessage = (e: ErrorObject, segments: PathSegment[]) => string;

const AJV_MESSAGES: Readonly<Record<string, AjvMessage>> = {
  required: (e) => {
    const prop = String(e.params.missingProperty);
    const described = (e.parentSchema as { properties?: Record<string, PropertySchema> } | undefined)?.properties?.[prop]?.description;
    return `"${prop}" is missing — add it${described ? ` (${lowerFirst(firstSentence(described))})` : ''}`;
  },
  additionalProperties: (e) => `unknown setting "${String(e.params.additionalProperty)}" — ${suggestion(String(e.params.additionalProperty), Object.keys((e.parentSchema as { properties?: object })?.properties ?? {}), KEY_ALIASES)}`,
  enum: (e) => {
    const allowed = (e.params.allowedValues as unknown[]).map(String);
    const close = suggestion(String(e.data), allowed, ENUM_ALIASES);
    return `${JSON.stringify(e.data)} is not one of ${allowed.map((a) => `"${a}"`).join(', ')}${close.startsWith('did') ? ` — ${close}` : ''}`;
  },
  type: (e) => {
    const expected = String(e.params.type).split(',');
    return `must be ${expected.map((t) => TYPE_NAMES[t] ?? t).join(' or ')}, not ${describeJsonType(e.data)}${typeHint(expected[0], e.data)}`;
  },
  pattern: (e) => {
    const hint = (e.parentSchema as { patternErrorMessage?: string } | undefined)?.patternErrorMessage;
    return `${JSON.stringify(String(e.data).slice(0, 80))} is not valid — ${hint ? lowerFirst(hint) : `it must match ${String(e.params.pattern)}`}`;
  },
  minimum: (e) => rangeMessage(e),
  maximum: (e) => rangeMessage(e),
  exclusiveMinimum: (e) => rangeMessage(e),
  minLength: () => 'must not be empty — fill it in or remove it',
  maxLength: (e) => `is longer than ${String(e.params.limit)} characters — shorten it`,
  minItems: (e, segments) => `must list at least ${String(e.params.limit)} entr${e.params.limit === 1 ? 'y' : 'ies'} — add one, or remove "${String(segments[segments.length - 1])}"`,
  uniqueItems: (e) => `lists the same entry twice (items ${String(e.params.j)} and ${String(e.params.i)}) — remove one`,
  not: (e) => lowerFirst((e.parentSchema as { errorMessage?: string } | undefined)?.errorMessage ?? 'is not allowed — remove it'),
};

function rangeMessage(e: ErrorObject): string {
  const s = e.parentSchema as { minimum?: number; maximum?: number; exclusiveMinimum?: number };
  const low = s.minimum !== undefined ? `from ${s.minimum}` : s.exclusiveMinimum !== undefined ? `more than ${s.exclusiveMinimum}` : '';
  const high = s.maximum !== undefined ? `${low ? ' ' : ''}up to ${s.maximum}` : '';
  return `${JSON.stringify(e.data)} is out of range — use a number ${low}${high}`;
}

function reportAjvErrors(c: Collector, errors: ErrorObject[] | null | undefined, data: unknown): void {
  for (const e of errors ?? []) {
    if (e.keyword === 'if') continue; // its `then` (username required unless sftp) reports the missing key
    const segments = pointerSegments(e.instancePath, data);
    if (e.keyword === 'required') segments.push(String(e.params.missingProperty));
    if (e.keyword === 'additionalProperties') segments.push(String(e.params.additionalProperty));
    const key = formatJsonPath(segments);
    const underClaimed = [...c.claimed].some((p) => key === p || key.startsWith(p + '.') || key.startsWith(p + '['));
    if (underClaimed) continue;
    const message = AJV_MESSAGES[e.keyword]?.(e, segments) ?? `${e.message ?? 'is not valid'}`;
    report(c, segments, e.keyword === 'required' ? 'missing' : e.keyword === 'additionalProperties' ? 'unknown-key' : 'invalid-value', message);
  }
}

/** Safety refusals first, then in the order they appear in the file. */
function sortProblems(problems: ProfileProblem[]): ProfileProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => Number(b.p.security) - Number(a.p.security) || (a.p.line ?? Infinity) - (b.p.line ?? Infinity) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}

// ---- Defaults ----

function withDefaults(profile: Profile, source: ProfileSource): LoadedProfile {
  return {
    ...profile,
    port: profile.port ?? DEFAULT_PORTS[profile.protocol],
    ...(profile.port === undefined || profile.connectTimeout === undefined
      ? { defaulted: { ...(profile.port === undefined ? { port: true as const } : {}), ...(profile.connectTimeout === undefined ? { connectTimeout: true as const } : {}) } }
      : {}),
    // SFTP may leave the user to ~/.ssh/config or the local user name (connect() decides); '' = not written.
    username: profile.username ?? '',
    mfa: profile.mfa ?? 'none',
    fingerprints: profile.fingerprints ?? [],
    ignore: profile.ignore ?? [],
    uploadOnSave: profile.uploadOnSave ?? false,
    preserveTimes: profile.preserveTimes ?? false,
    confirmOverwrite: profile.confirmOverwrite ?? true,
    connectTimeout: profile.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT,
    requestTimeout: profile.requestTimeout ?? DEFAULT_REQUEST_TIMEOUT,
    source,
  };
}

// ---- Entry points ----

export interface ValidateOptions {
  /** Where keys and values start in the source text (from parseJsonc), so problems carry a line. */
  positions?: Map<string, SourcePosition>;
  /** Where values end (from parseJsonc), so a problem can name its exact span. */
  ends?: Map<string, SourcePosition>;
  /** Keys written twice in one object (from parseJsonc). */
  duplicateKeys?: { path: string; position: SourcePosition }[];
}

/** Every problem of a parsed `.vscode/secure-transfer.json`, and the profiles when there are none. */
export function checkProfileFile(json: unknown, file: string, options: ValidateOptions = {}): ProfileFileCheck {
  const c: Collector = { where: file, prefix: '', positions: options.positions, ends: options.ends, problems: [], claimed: new Set() };
  for (const dup of options.duplicateKeys ?? []) {
    c.problems.push({
      path: dup.path,
      message: `${file}: ${dup.path}: is written twice in the same object — keep one (line ${dup.position.line}).`,
      code: 'duplicate-key',
      security: false,
      line: dup.position.line,
      column: dup.position.column,
    });
  }
  checkRoot(c, json);
  const v = validators.file;
  if (!v(json)) reportAjvErrors(c, v.errors, json);
  const problems = sortProblems(c.problems);
  if (problems.length > 0) return { profiles: [], problems };
  const doc = json as { profiles: Profile[]; policy?: Policy };
  const source: ProfileSource = { kind: 'workspace', location: file };
  return { profiles: doc.profiles.map((p) => withDefaults(p, source)), policy: doc.policy, problems };
}

/** Validates a parsed profile file; throws ProfileValidationError (a UsageError) listing every problem. */
export function validateProfileFile(json: unknown, file: string, options: ValidateOptions = {}): ProfileFile {
  const { problems, ...result } = checkProfileFile(json, file, options);
  if (problems.length > 0) throw new ProfileValidationError(problems, file);
  return result;
}

const USER_SETTINGS = 'User settings';

/** Every problem of the `secureTransfer.profiles` setting (an array of profiles). */
export function checkUserProfiles(value: unknown, settingKey = 'secureTransfer.profiles'): { profiles: LoadedProfile[]; problems: ProfileProblem[] } {
  if (value === undefined || value === null) return { profiles: [], problems: [] };
  const c: Collector = { where: USER_SETTINGS, prefix: settingKey, problems: [], claimed: new Set() };
  checkProfiles(c, [], value);
  const v = validators.profiles;
  if (!v(value)) reportAjvErrors(c, v.errors, value);
  const problems = sortProblems(c.problems);
  if (problems.length > 0) return { profiles: [], problems };
  const source: ProfileSource = { kind: 'user', location: settingKey };
  return { profiles: (value as Profile[]).map((p) => withDefaults(p, source)), problems };
}

export function validateUserProfiles(value: unknown, settingKey = 'secureTransfer.profiles'): LoadedProfile[] {
  const { profiles, problems } = checkUserProfiles(value, settingKey);
  if (problems.length > 0) throw new ProfileValidationError(problems, USER_SETTINGS);
  return profiles;
}

/** Validates the `secureTransfer.policy` setting (same shape as the file's `policy`). */
export function validateUserPolicy(value: unknown, settingKey = 'secureTransfer.policy'): Policy | undefined {
  if (value === undefined || value === null) return undefined;
  const c: Collector = { where: USER_SETTINGS, prefix: settingKey, problems: [], claimed: new Set() };
  checkPolicy(c, [], value);
  const v = validators.policy;
  if (!v(value)) reportAjvErrors(c, v.errors, value);
  if (c.problems.length > 0) throw new ProfileValidationError(sortProblems(c.problems), USER_SETTINGS);
  return value as Policy;
}
