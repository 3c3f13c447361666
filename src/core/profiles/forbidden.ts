/**
 * Keys a profile must never hold: secrets (they belong in the OS keychain) and switches that turn
 * server verification off (pin a fingerprint instead). A table, matched on the key with case,
 * `_` and `-` ignored, so `ftp_password`, `PrivateKey` and `totp-seed` are all caught.
 */

/**
 * A secret a profile must not hold: the kinds the keychain stores (core/secrets' `SecretKind`, a
 * layer above; test/unit/profiles.test.ts checks the two lists agree) or pasted key content.
 */
export type SecretField = 'password' | 'passphrase' | 'totp' | 'keyContent';

interface SecretRule {
  match: RegExp;
  secret: SecretField;
}

/** First match wins. Only string/object values are treated as secrets (`"totp": true` is a typo of `mfa`). */
export const SECRET_KEY_RULES: readonly SecretRule[] = [
  { match: /passphrase/, secret: 'passphrase' },
  { match: /^(privatekey|privatekeycontent|privatekeydata|privatekeytext|key|keydata|sshkey|pem)$/, secret: 'keyContent' },
  { match: /password|passwd|^pass$|^pwd$|^credentials?$|token|apikey|interactiveauth/, secret: 'password' },
  { match: /otp|seed|secret|2fa|twofactor|authenticator|mfacode/, secret: 'totp' },
];

export type ValueTest = 'false' | 'true' | 'any';

interface VerificationRule {
  match: RegExp;
  /** Which values turn verification off. */
  disablesWhen: ValueTest;
}

export const VERIFICATION_KEY_RULES: readonly VerificationRule[] = [
  { match: /^(rejectunauthorized|strictssl|stricthostkeychecking|verifyhostkey|verifyhostname|verifycertificate|verifycert|verify|checkhostkey|hostkeyverification|hostkeycheck|tlsverify|sslverify|secure|verifyssl|verifytls)$/, disablesWhen: 'false' },
  { match: /^(insecure|allowinsecure|skipverify|skipverification|insecureskipverify|ignorecertificateerrors|ignorecerterrors|ignoretlserrors|ignoresslerrors|allowselfsigned|acceptanyhostkey|acceptanycertificate|ignorehostkey|trustall|trustallcertificates|nohostkeycheck|disableverification)$/, disablesWhen: 'true' },
  { match: /^(hostverifier|checkserveridentity|hosthash)$/, disablesWhen: 'any' },
];

const FALSE_WORDS = /^(no|false|off|0|never|none|disabled?)$/i;
const TRUE_WORDS = /^(yes|true|on|1|always|enabled?)$/i;

export function squashKey(key: string): string {
  return key.toLowerCase().replace(/[^a-z0-9]/g, '');
}

function valueMatches(test: ValueTest, value: unknown): boolean {
  if (test === 'any') return true;
  if (test === 'false') return value === false || value === 0 || value === null || (typeof value === 'string' && FALSE_WORDS.test(value.trim()));
  return value === true || value === 1 || (typeof value === 'string' && TRUE_WORDS.test(value.trim()));
}

/** What kind of secret this unknown key holds, if any. */
export function secretFieldOf(key: string, value: unknown): SecretField | undefined {
  if (value === null || typeof value === 'boolean' || typeof value === 'number') return undefined;
  const k = squashKey(key);
  const secret = SECRET_KEY_RULES.find((r) => r.match.test(k))?.secret;
  if (secret !== 'keyContent' || (typeof value === 'string' && looksLikeKeyContent(value))) return secret;
  // `"privateKey": "~/.ssh/id_ed25519"` is a misnamed identityFile, not a pasted key.
  const pathLike = typeof value === 'string' && value.length < 500 && /^(?:[~./]|[A-Za-z]:[\\/])/.test(value);
  return k.startsWith('privatekey') && !pathLike ? secret : undefined;
}

/** Whether this unknown key names a verification switch, and whether its value turns verification off. */
export function verificationSwitchOf(key: string, value: unknown): { disables: boolean } | undefined {
  const k = squashKey(key);
  const rule = VERIFICATION_KEY_RULES.find((r) => r.match.test(k));
  return rule ? { disables: valueMatches(rule.disablesWhen, value) } : undefined;
}

/** A key file's content pasted where a path belongs. */
export function looksLikeKeyContent(value: string): boolean {
  return /-----BEGIN [A-Z ]*PRIVATE KEY-----|PuTTY-User-Key-File-/.test(value);
}

/**
 * Keys that would make the connection run a local program (OpenSSH's ProxyCommand, LocalCommand,
 * KnownHostsCommand). A profile can come from a repository, so it never runs one: ProxyCommand is
 * honoured only from the user's own ~/.ssh/config (core/session/proxyCommand.ts).
 */
export const PROGRAM_KEYS: readonly string[] = ['proxycommand', 'localcommand', 'knownhostscommand', 'permitlocalcommand'];

export function runsProgram(key: string): boolean {
  return PROGRAM_KEYS.includes(squashKey(key));
}
