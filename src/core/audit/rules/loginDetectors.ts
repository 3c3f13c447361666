/**
 * When each login-stage rule fires (ruleTable.ts rows with `stage: 'login'`), from a session's
 * LoginFacts. One detector per rule id, like detectors.ts for the probes.
 *
 * SKELETON: filled in by the a-login branch (login-single-factor, home-world-writable) and the a-anon
 * branch (ftp-data-no-session-reuse, ftp-site-commands, ftp-login-prot-c, ftp-login-ccc).
 */
import type { LoginFacts, Severity } from '../types';
import { worstSeverity } from './evaluate';
import type { FolderFact, FtpLoginFacts } from '../../session/loginFacts';
import { formatFileMode, permissionLetters } from '../../syntax/fileMode';
import type { Hit } from './detectors';

export interface LoginDetectorInput {
  facts: LoginFacts;
  expectMfa: boolean;
}

type LoginDetector = (input: LoginDetectorInput) => Hit[];

/** What a SITE command offered after login lets a stolen login do, and how much that weighs. */
export interface SiteCommandRisk {
  severity: Severity;
  what: string;
}

/**
 * SITE commands by risk (names as SITE HELP gives them). Routine ones (CHMOD, UMASK, IDLE…) are
 * `info`: the finding still lists them, but they do not lower the grade. A name not in the table is
 * `low`: an extension this audit does not know.
 */
export const SITE_COMMAND_RISKS: Readonly<Record<string, SiteCommandRisk>> = {
  EXEC: { severity: 'critical', what: 'runs programs on the server' },
  CPFR: { severity: 'high', what: 'copies files on the server without a transfer (ProFTPD mod_copy; CVE-2015-3306, CVE-2019-12815)' },
  CPTO: { severity: 'high', what: 'copies files on the server without a transfer (ProFTPD mod_copy; CVE-2015-3306, CVE-2019-12815)' },
  COPY: { severity: 'high', what: 'copies files on the server without a transfer' },
  SYMLINK: { severity: 'high', what: 'creates links that can point outside the user\'s area (ProFTPD mod_site_misc)' },
  CHOWN: { severity: 'medium', what: 'gives files to another owner' },
  CHGRP: { severity: 'low', what: 'changes the group of files' },
  RMDIR: { severity: 'low', what: 'removes folders with everything in them (ProFTPD mod_site_misc)' },
  MKDIR: { severity: 'low', what: 'creates folder trees (ProFTPD mod_site_misc)' },
  UTIME: { severity: 'info', what: 'sets file times' },
  CHMOD: { severity: 'info', what: 'changes permissions' },
  UMASK: { severity: 'info', what: 'sets the permission mask of new files' },
  HELP: { severity: 'info', what: 'lists SITE commands' },
  IDLE: { severity: 'info', what: 'sets the idle timeout' },
  ALIAS: { severity: 'info', what: 'lists folder aliases' },
};

const UNKNOWN_SITE_COMMAND: SiteCommandRisk = { severity: 'low', what: 'an extension this audit does not know' };

export function siteCommandRisk(name: string): SiteCommandRisk {
  return Object.hasOwn(SITE_COMMAND_RISKS, name.toUpperCase()) ? SITE_COMMAND_RISKS[name.toUpperCase()] : UNKNOWN_SITE_COMMAND;
}

/** One finding for the SITE commands a logged-in session is offered, as severe as the worst of them. */
function siteCommands({ facts }: LoginDetectorInput): Hit[] {
  const site = facts.ftp?.site;
  if (!site || site.commands.length === 0) return [];
  const judged = site.commands.map((name) => ({ name, ...siteCommandRisk(name) }));
  const worst = worstSeverity(judged)!;
  const notable = judged.filter((c) => c.severity !== 'info');
  const details = notable.map((c) => `SITE ${c.name} ${c.what}`);
  return [
    {
      severity: worst,
      subject: notable.length ? notable.map((c) => `SITE ${c.name}`).join(', ') : 'SITE',
      evidence: `SITE HELP was answered ${site.reply} and names ${site.commands.join(', ')}${details.length ? `; ${details.join('; ')}` : ' (routine commands only)'}`,
    },
  ];
}

/** Methods that prove something the user knows (a password typed into either SSH method). */
const KNOWLEDGE = new Set(['password', 'keyboard-interactive']);

/**
 * Whether the login took two factors: a one-time code answered and accepted, or a key AND a
 * password (OpenSSH `AuthenticationMethods publickey,password`: something held and something known,
 * which NIST SP 800-63B counts as multi-factor). Two passwords, or two keys, are still one factor.
 */
export function secondFactorCompleted(facts: LoginFacts): boolean {
  const methods = facts.authMethods ?? [];
  return facts.secondFactorAnswered === true || (methods.includes('publickey') && methods.some((m) => KNOWLEDGE.has(m)));
}

const METHOD_WORDS: Readonly<Record<string, string>> = {
  publickey: 'a key',
  password: 'a password',
  'keyboard-interactive': 'keyboard-interactive (no one-time code asked)',
  otp: 'a one-time code',
};

/** "a key then a password": the methods that let the user in, in order, in words. */
function methodWords(methods: readonly string[]): string {
  return methods.map((m) => METHOD_WORDS[m] ?? m).join(' then ');
}

function singleFactor({ facts, expectMfa }: LoginDetectorInput): Hit[] {
  // Unknown (a session that does not tell) is no evidence either way.
  if (!expectMfa || facts.authMethods === undefined || secondFactorCompleted(facts)) return [];
  const methods = facts.authMethods;
  return [
    {
      evidence: methods.length
        ? `The server let the user in with ${methodWords(methods)} alone; no second factor was asked for.`
        : 'The server let the user in without asking for any secret.',
      ...(methods.length === 0 ? { severity: 'critical' as const } : {}),
    },
  ];
}

/** `drwxrwxrwx (0777)`: how a folder's mode is shown in evidence (ls -ld and octal). */
export function folderMode(permissions: number): string {
  return `d${permissionLetters(permissions)} (${formatFileMode(permissions)})`;
}

function worldWritable({ facts }: LoginDetectorInput): Hit[] {
  const folders: Array<[string, FolderFact | undefined]> = [
    ['login folder', facts.home],
    ['start folder (the profile\'s remotePath)', facts.startFolder],
  ];
  return folders.flatMap(([what, f]) =>
    f?.permissions !== undefined && (f.permissions & 0o002) !== 0
      ? [{ evidence: `The ${what} ${f.path} is ${folderMode(f.permissions)}: every account on the server can write there.`, subject: f.path }]
      : [],
  );
}

const ftp = (f: (ftpFacts: FtpLoginFacts) => Hit[]): LoginDetector => ({ facts }) => (facts.ftp ? f(facts.ftp) : []);

export const LOGIN_DETECTORS: Readonly<Record<string, LoginDetector>> = {
  'login-single-factor': singleFactor,
  'home-world-writable': worldWritable,
  'ftp-data-no-session-reuse': ftp((f) =>
    f.dataWithoutSessionReuse
      ? [{ evidence: "A data connection with a fresh TLS session (not resuming the control connection's) was accepted: LIST ran over it" }]
      : [],
  ),
  'ftp-site-commands': siteCommands,
  // Only a listing that really crossed in clear counts: vsftpd answers PROT C 200 and refuses clear transfers (522).
  'ftp-login-prot-c': ftp((f) =>
    f.protCAccepted?.listed ? [{ evidence: `After login, PROT C was answered ${f.protCAccepted.reply} and a listing (of a missing name) crossed over a clear data connection` }] : [],
  ),
  'ftp-login-ccc': ftp((f) => (f.cccOffered ? [{ evidence: f.cccOffered.evidence }] : [])),
};
