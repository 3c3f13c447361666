import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import {
  checkProfileFile,
  checkProfileFileText,
  loadProfileFile,
  ProfileValidationError,
  validateProfileFile,
  validateUserPolicy,
  validateUserProfiles,
  type ProfileProblem,
} from '../../src/core/profiles';
import { exitCodeFor, UsageError } from '../../src/core/errors';
import { SECRET_KEY_RULES, type SecretField } from '../../src/core/profiles/forbidden';
import { SECRET_KINDS, type SecretKind } from '../../src/core/secrets/secretStore';

const FILE = '.vscode/secure-transfer.json';
const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const sftp = { name: 'prod', protocol: 'sftp', host: 'example.com', username: 'deploy' };

function problemsOf(profile: Record<string, unknown>): ProfileProblem[] {
  return checkProfileFile({ profiles: [profile] }, FILE).problems;
}

/** The single problem a profile has; fails when there are none or several. */
function onlyProblem(profile: Record<string, unknown>): ProfileProblem {
  const problems = problemsOf(profile);
  assert.equal(problems.length, 1, `expected one problem, got: ${problems.map((p) => p.message).join(' | ')}`);
  return problems[0];
}

test('a valid profile of each protocol loads, with defaults applied', () => {
  const { profiles, policy } = validateProfileFile(
    {
      $schema: './schemas/profile.schema.json',
      profiles: [
        { ...sftp, remotePath: '/var/www', identityFile: '~/.ssh/id_ed25519', agent: true, fingerprints: [FP], mfa: 'totp' },
        { name: 'ftp-explicit', protocol: 'ftpes', host: 'ftp.example.com', username: 'u', caFile: 'ca.pem', tlsServerName: 'ftp.example.com', minTlsVersion: 'TLSv1.3', appendTotpToPassword: true },
        { name: 'ftp-implicit', protocol: 'ftps', host: '192.0.2.10', port: 2990, username: 'u', ignore: ['node_modules/**'], uploadOnSave: true, localRoot: 'dist', connectTimeout: 5 },
        { name: 'v6', protocol: 'sftp', host: '::1', username: 'u', agent: '/run/agent.sock' },
      ],
    },
    FILE,
  );
  assert.equal(policy, undefined);
  assert.deepEqual(
    profiles.map((p) => [p.name, p.protocol, p.port, p.mfa, p.connectTimeout, p.uploadOnSave]),
    [
      ['prod', 'sftp', 22, 'totp', 20, false],
      ['ftp-explicit', 'ftpes', 21, 'none', 20, false],
      ['ftp-implicit', 'ftps', 2990, 'none', 5, true],
      ['v6', 'sftp', 22, 'none', 20, false],
    ],
  );
  assert.deepEqual(profiles[0].fingerprints, [FP]);
  assert.deepEqual(profiles[1].fingerprints, []);
  assert.deepEqual(profiles[2].ignore, ['node_modules/**']);
  assert.equal(profiles[0].remotePath, '/var/www');
  assert.equal(profiles[1].remotePath, undefined, 'no remotePath means the login folder');
  assert.deepEqual(profiles[0].source, { kind: 'workspace', location: FILE });
});

/** [what, profile, code, words the message must contain (besides the file and path)] */
const REFUSALS: [string, Record<string, unknown>, string, string, RegExp[]][] = [
  ['a password', { ...sftp, password: 'hunter2' }, 'profiles[0].password', 'secret-in-profile', [/secrets belong in the OS keychain/, /Secure Transfer: Set Password/, /secure-transfer secret set-password sftp:\/\/deploy@example\.com/]],
  ['a passphrase', { ...sftp, passphrase: 'x' }, 'profiles[0].passphrase', 'secret-in-profile', [/OS keychain/, /Set Key Passphrase/, /secret set-passphrase/]],
  ['a private key', { ...sftp, privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc' }, 'profiles[0].privateKey', 'secret-in-profile', [/OS keychain/, /"identityFile"/]],
  ['key content as identityFile', { ...sftp, identityFile: '-----BEGIN RSA PRIVATE KEY-----\nabc' }, 'profiles[0].identityFile', 'secret-in-profile', [/OS keychain/, /path of the key file/]],
  ['a TOTP secret', { ...sftp, totpSecret: 'JBSWY3DPEHPK3PXP' }, 'profiles[0].totpSecret', 'secret-in-profile', [/OS keychain/, /Set TOTP Secret/, /secret set-totp/]],
  ['a TOTP seed', { ...sftp, totp_seed: 'JBSWY3DPEHPK3PXP' }, 'profiles[0].totp_seed', 'secret-in-profile', [/OS keychain/]],
  ['a secret', { ...sftp, secret: 'x' }, 'profiles[0].secret', 'secret-in-profile', [/OS keychain/]],
  ['an otp', { ...sftp, otp: '123456' }, 'profiles[0].otp', 'secret-in-profile', [/OS keychain/]],
  ['an FTP password under another name', { ...sftp, ftp_password: 'x' }, 'profiles[0].ftp_password', 'secret-in-profile', [/OS keychain/]],
  ['a password URL as host', { ...sftp, host: 'sftp://u:pw@example.com' }, 'profiles[0].host', 'secret-in-profile', [/OS keychain/]],
  ['rejectUnauthorized: false', { ...sftp, protocol: 'ftpes', rejectUnauthorized: false }, 'profiles[0].rejectUnauthorized', 'verification-disabled', [/verification cannot be turned off/, /pin the server's fingerprint/]],
  ['strictHostKeyChecking: "no"', { ...sftp, strictHostKeyChecking: 'no' }, 'profiles[0].strictHostKeyChecking', 'verification-disabled', [/cannot be turned off/]],
  ['strictHostKeyChecking: false', { ...sftp, strictHostKeyChecking: false }, 'profiles[0].strictHostKeyChecking', 'verification-disabled', [/cannot be turned off/]],
  ['insecure: true', { ...sftp, insecure: true }, 'profiles[0].insecure', 'verification-disabled', [/cannot be turned off/]],
  ['verifyHostKey: false', { ...sftp, verifyHostKey: false }, 'profiles[0].verifyHostKey', 'verification-disabled', [/cannot be turned off/]],
  ['secure: false', { ...sftp, protocol: 'ftpes', secure: false }, 'profiles[0].secure', 'verification-disabled', [/cannot be turned off/]],
  ['plain ftp', { ...sftp, protocol: 'ftp' }, 'profiles[0].protocol', 'plain-ftp', [/plain FTP sends passwords and files in cleartext/, /"ftpes" \(explicit FTPS\) or "sftp"/]],
  ['plain FTP in capitals', { ...sftp, protocol: 'FTP' }, 'profiles[0].protocol', 'plain-ftp', [/cleartext/]],
];

for (const [what, profile, path, code, words] of REFUSALS) {
  test(`refuses ${what}, naming the file, the JSON path and the fix`, () => {
    const problem = onlyProblem(profile);
    assert.equal(problem.code, code);
    assert.equal(problem.path, path);
    assert.equal(problem.security, true);
    assert.ok(problem.message.startsWith(`${FILE}: ${path}: `), problem.message);
    for (const w of words) assert.match(problem.message, w);
    assert.doesNotMatch(problem.message, /hunter2|JBSWY3DP|BEGIN/, 'the message never repeats the secret');
  });
}

test('the thrown error is a UsageError (exit 2) whose message is the first problem and which lists them all', () => {
  assert.throws(
    () => validateProfileFile({ profiles: [{ ...sftp, port: 'x', password: 'p' }, { ...sftp, hostname: 'h' }] }, FILE),
    (err: unknown) => {
      assert.ok(err instanceof ProfileValidationError && err instanceof UsageError);
      assert.equal(exitCodeFor(err), 2);
      assert.equal(err.problems.length, 4, err.problems.map((p) => p.message).join('\n'));
      assert.equal(err.problems[0].path, 'profiles[0].password', 'safety problems come first');
      assert.ok(err.message.startsWith(err.problems[0].message));
      assert.match(err.message, /\(3 more problems in \.vscode\/secure-transfer\.json\)$/);
      return true;
    },
  );
});

const INVALID: [string, Record<string, unknown>, string, string, RegExp][] = [
  ['an unknown key, with the close one', { ...sftp, hostname: 'x' }, 'profiles[0].hostname', 'unknown-key', /unknown setting "hostname" — did you mean "host"\?/],
  ['a key from another tool', { ...sftp, privateKeyPath: '~/.ssh/id' }, 'profiles[0].privateKeyPath', 'unknown-key', /did you mean "identityFile"\?/],
  ['a misnamed identityFile that holds a path', { ...sftp, privateKey: '~/.ssh/id_ed25519' }, 'profiles[0].privateKey', 'unknown-key', /did you mean "identityFile"\?/],
  ['an unknown key with nothing close', { ...sftp, colour: 'red' }, 'profiles[0].colour', 'unknown-key', /allowed: name, protocol, host, port, username/],
  ['rejectUnauthorized: true (harmless but not a setting)', { ...sftp, rejectUnauthorized: true }, 'profiles[0].rejectUnauthorized', 'unknown-key', /verification is always on — remove it/],
  ['a quoted port', { ...sftp, port: '2222' }, 'profiles[0].port', 'invalid-value', /must be a whole number, not string "2222" — write the number without quotes/],
  ['a port out of range', { ...sftp, port: 70000 }, 'profiles[0].port', 'invalid-value', /70000 is out of range — use a number from 1 up to 65535/],
  ['an unknown protocol', { ...sftp, protocol: 'ssh' }, 'profiles[0].protocol', 'invalid-value', /"ssh" is not one of "sftp", "ftpes", "ftps" — did you mean "sftp"\?/],
  ['a bad mfa', { ...sftp, mfa: 'otp' }, 'profiles[0].mfa', 'invalid-value', /did you mean "totp"\?/],
  ['a bad TLS version', { ...sftp, protocol: 'ftpes', minTlsVersion: 'TLSv1.0' }, 'profiles[0].minTlsVersion', 'invalid-value', /is not one of "TLSv1\.2", "TLSv1\.3"/],
  ['a fingerprint in hex', { ...sftp, fingerprints: ['9e:d8:5b:83:a9:17:52:92:56:1a:5e:c4:d4:81:8e:0a:8e:52:68:a2:ec:5c:2e:a2:0b:0e:2a:8b:a1:6e:66:2f'] }, 'profiles[0].fingerprints[0]', 'invalid-value', /write the fingerprint in OpenSSH's form — "SHA256:[A-Za-z0-9+/]{43}"/],
  ['a malformed fingerprint', { ...sftp, fingerprints: ['SHA256:short'] }, 'profiles[0].fingerprints[0]', 'invalid-value', /SHA256: followed by 43 base64 characters/],
  ['a host with a port', { ...sftp, host: 'example.com:2222' }, 'profiles[0].host', 'invalid-value', /the port in "port"/],
  ['a host with a user', { ...sftp, host: 'deploy@example.com' }, 'profiles[0].host', 'invalid-value', /the user in "username"/],
  ['a host written as a URL', { ...sftp, host: 'sftp://example.com' }, 'profiles[0].host', 'invalid-value', /is a URL/],
  ['a bracketed IPv6 host', { ...sftp, host: '[::1]' }, 'profiles[0].host', 'invalid-value', /without them/],
  // SFTP may leave the user to ~/.ssh/config (issue 14); FTPS has no such source, so it must be written.
  ['a missing username (FTPS)', { name: 'x', protocol: 'ftpes', host: 'h' }, 'profiles[0].username', 'missing', /"username" is missing — add it \(the user to log in as\)/],
  ['a name with a slash', { ...sftp, name: 'a/b' }, 'profiles[0].name', 'invalid-value', /cannot contain "\/"/],
  ['an empty name', { ...sftp, name: '' }, 'profiles[0].name', 'invalid-value', /must not be empty/],
  ['an SFTP-only setting on FTPS', { ...sftp, protocol: 'ftps', identityFile: '~/.ssh/id' }, 'profiles[0].identityFile', 'wrong-protocol', /applies only to sftp profiles, and this one is ftps/],
  ['an FTPS-only setting on SFTP', { ...sftp, caFile: 'ca.pem' }, 'profiles[0].caFile', 'wrong-protocol', /applies only to ftpes and ftps profiles/],
  ['a boolean as a string', { ...sftp, uploadOnSave: 'true' }, 'profiles[0].uploadOnSave', 'invalid-value', /write true or false without quotes/],
  ['ignore as a string', { ...sftp, ignore: 'dist' }, 'profiles[0].ignore', 'invalid-value', /put it in a list: \["dist"\]/],
  ['a zero timeout', { ...sftp, connectTimeout: 0 }, 'profiles[0].connectTimeout', 'invalid-value', /more than 0 up to 600/],
  ['a control character in remotePath', { ...sftp, remotePath: '/a\r\nDELE x' }, 'profiles[0].remotePath', 'invalid-value', /control characters/],
];

for (const [what, profile, path, code, words] of INVALID) {
  test(`reports ${what}`, () => {
    const problem = onlyProblem(profile);
    assert.equal(problem.path, path);
    assert.equal(problem.code, code);
    assert.equal(problem.security, false);
    assert.ok(problem.message.startsWith(`${FILE}: ${path}: `), problem.message);
    assert.match(problem.message, words);
    assert.match(problem.message, /[.?]$/);
  });
}

test('a secret under an unknown key is found too', () => {
  const problems = problemsOf({ ...sftp, ssh: { auth: { password: 'x' } } });
  assert.deepEqual(
    problems.map((p) => [p.path, p.code]),
    [
      ['profiles[0].ssh.auth.password', 'secret-in-profile'],
      ['profiles[0].ssh', 'unknown-key'],
    ],
  );
});

test('"totp": true is a misspelt mfa, not a secret', () => {
  assert.match(onlyProblem({ ...sftp, totp: true }).message, /unknown setting "totp" — did you mean "mfa"\?/);
});

test('duplicate profile names are refused, ignoring case', () => {
  const { problems } = checkProfileFile({ profiles: [sftp, { ...sftp, name: 'Prod' }] }, FILE);
  assert.equal(problems.length, 1);
  assert.equal(problems[0].code, 'duplicate-name');
  assert.equal(problems[0].message, `${FILE}: profiles[1].name: "Prod" is already the name of profiles[0] — give each profile a unique name.`);
});

test('the whole document: missing profiles, unknown top-level keys, secrets at the top level', () => {
  const codes = (doc: unknown) => checkProfileFile(doc, FILE).problems.map((p) => `${p.path} ${p.code}`);
  assert.deepEqual(codes({}), ['profiles missing']);
  assert.deepEqual(codes({ profiles: [], profile: [] }), ['profile unknown-key']);
  assert.deepEqual(codes({ profiles: [], password: 'x' }), ['password secret-in-profile']);
  assert.deepEqual(codes([]), [' invalid-value']);
  assert.match(checkProfileFile([], FILE).problems[0].message, /^\.vscode\/secure-transfer\.json: must be an object/);
  assert.deepEqual(codes({ profiles: [] }), []);
});

test('the policy block validates: allowed entries, unknown keys, enums', () => {
  const { policy } = validateProfileFile(
    {
      profiles: [],
      policy: { allowedHosts: ['files.example.com', '*.example.com', '10.0.0.0/8', '::1/128', '192.0.2.7'], minTlsVersion: 'TLSv1.3', requireMfa: true, allowPasswordAuth: false, forbiddenAlgorithms: ['ssh-rsa', '*-cbc'], blockOnSeverity: 'medium' },
    },
    FILE,
  );
  assert.deepEqual(policy?.allowedHosts?.length, 5);
  const problems = checkProfileFile({ profiles: [], policy: { allowedHosts: ['10.0.0.0/33', 'bad host'], requireMFA: true, blockOnSeverity: 'hgh', allowPasswordAuth: 'no' } }, FILE).problems;
  const byPath = new Map(problems.map((p) => [p.path, p.message]));
  assert.deepEqual(
    [...byPath.keys()].sort(),
    ['policy.allowPasswordAuth', 'policy.allowedHosts[0]', 'policy.allowedHosts[1]', 'policy.blockOnSeverity', 'policy.requireMFA'],
  );
  assert.match(byPath.get('policy.allowedHosts[0]')!, /CIDR range like 10\.0\.0\.0\/8/);
  assert.match(byPath.get('policy.requireMFA')!, /did you mean "requireMfa"\?/);
  assert.match(byPath.get('policy.blockOnSeverity')!, /did you mean "high"\?/);
  assert.match(byPath.get('policy.allowPasswordAuth')!, /must be true or false/);
  assert.equal(checkProfileFile({ profiles: [], policy: { allowedHosts: [] } }, FILE).problems[0].code, 'invalid-value');
});

test('user settings: an array of profiles, messages name the setting', () => {
  const profiles = validateUserProfiles([sftp], 'secureTransfer.profiles');
  assert.deepEqual(profiles[0].source, { kind: 'user', location: 'secureTransfer.profiles' });
  assert.equal(profiles[0].port, 22);
  assert.deepEqual(validateUserProfiles(undefined), []);
  assert.throws(
    () => validateUserProfiles([sftp, { ...sftp, name: 'b', passphrase: 'x' }], 'secureTransfer.profiles'),
    (err: unknown) =>
      err instanceof ProfileValidationError &&
      err.message.startsWith('User settings: secureTransfer.profiles[1].passphrase: secrets belong in the OS keychain — remove it and run "Secure Transfer: Set Key Passphrase"'),
  );
  assert.throws(() => validateUserProfiles({ profiles: [] }), /User settings: secureTransfer\.profiles: must be a list/);
  assert.deepEqual(validateUserPolicy({ requireMfa: true }), { requireMfa: true });
  assert.throws(() => validateUserPolicy({ requireMfa: 'yes' }), /User settings: secureTransfer\.policy\.requireMfa: must be true or false/);
});

test('JSONC: comments and trailing commas are accepted; problems carry line and column', () => {
  const text = [
    '// Team profiles',
    '{',
    '  /* the server */',
    '  "profiles": [',
    '    {',
    '      "name": "prod", // production',
    '      "protocol": "sftp",',
    '      "host": "example.com",',
    '      "username": "deploy",',
    '      "passphrase": "x",',
    '    },',
    '  ],',
    '}',
  ].join('\n');
  const { problems } = checkProfileFileText(text, FILE);
  assert.equal(problems.length, 1);
  assert.deepEqual([problems[0].line, problems[0].column], [10, 7]);
  const ok = checkProfileFileText(text.replace('      "passphrase": "x",\n', ''), FILE);
  assert.deepEqual(ok.problems, []);
  assert.equal(ok.profiles[0].name, 'prod');
});

test('malformed JSON names the line and column and what is wrong', () => {
  const cases: [string, RegExp][] = [
    ['{\n  "profiles": [\n    { "name": "a" "protocol": "sftp" }\n  ]\n}', /^\.vscode\/secure-transfer\.json: line 3, column 19: expected "," or "}" after a property value — a comma may be missing\.$/],
    ['{ "profiles": [ }', /line 1, column 17: expected a value/],
    ['{ "profiles": [] ', /line 1, column 18: the file ends inside an object — add the closing }/],
    ["{ 'profiles': [] }", /line 1, column 3: expected a property name in double quotes/],
    ['{ "profiles": "abc\n" }', /line 1, column 15: a string is never closed/],
    ['{ "profiles": [] } /* x', /line 1, column 20: a \/\* comment is never closed/],
    ['', /line 1, column 1: the file is empty/],
    ['{ "profiles": [] } x', /line 1, column 20: unexpected text after the end/],
  ];
  for (const [text, expected] of cases) {
    const { problems } = checkProfileFileText(text, FILE);
    assert.equal(problems.length, 1, text);
    assert.equal(problems[0].code, 'syntax');
    assert.match(problems[0].message, expected);
  }
});

test('a key written twice in one object is reported', () => {
  const { problems } = checkProfileFileText('{"profiles": [{"name": "a", "protocol": "sftp", "host": "h", "username": "u", "port": 22, "port": 23}]}', FILE);
  assert.deepEqual(problems.map((p) => [p.path, p.code]), [['profiles[0].port', 'duplicate-key']]);
});

test('loadProfileFile reads a file; a missing file or bad content is one clear UsageError', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'st-profiles-'));
  try {
    const file = path.join(dir, 'secure-transfer.json');
    await writeFile(file, '{ "profiles": [ { "name": "p", "protocol": "ftpes", "host": "h", "username": "u", }, ], "policy": { "requireMfa": false } }');
    const loaded = await loadProfileFile(file);
    assert.equal(loaded.profiles[0].port, 21);
    assert.deepEqual(loaded.profiles[0].source, { kind: 'workspace', location: file });
    assert.deepEqual(loaded.policy, { requireMfa: false });

    await assert.rejects(loadProfileFile(path.join(dir, 'nope.json')), (err: unknown) => err instanceof UsageError && /nope\.json does not exist: create it/.test(err.message));
    await assert.rejects(loadProfileFile(dir), (err: unknown) => err instanceof UsageError && /is a folder/.test(err.message));
    await writeFile(file, '{ "profiles": [ { "name": "p", "protocol": "ftp", "host": "h", "username": "u" } ] }');
    await assert.rejects(loadProfileFile(file), (err: unknown) => err instanceof UsageError && err.message.startsWith(`${file}: profiles[0].protocol: plain FTP`));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('a "__proto__" key is plain data, never a prototype', () => {
  const { problems } = checkProfileFileText('{"profiles": [], "__proto__": {"polluted": true}}', FILE);
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
  assert.deepEqual(problems.map((p) => [p.path, p.code]), [['__proto__', 'unknown-key']]);
});

test("the secrets a profile must not hold are the keychain's kinds (profiles sit below secrets and name them themselves)", () => {
  type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
  const same: Same<SecretKind, Exclude<SecretField, 'keyContent'>> = true;
  assert.equal(same, true);
  const refused = new Set(SECRET_KEY_RULES.map((r) => r.secret).filter((k) => k !== 'keyContent'));
  assert.deepEqual([...refused].sort(), [...SECRET_KINDS].sort());
});

test('an SFTP profile may leave username and port to ~/.ssh/config, and name a Host alias', () => {
  const [p] = validateProfileFile({ profiles: [{ name: 'x', protocol: 'sftp', host: 'prod_box' }] }, FILE).profiles;
  assert.equal(p.username, '', 'not written: connect() takes the config User or the local user');
  assert.equal(p.port, 22);
  assert.deepEqual(p.defaulted, { port: true, connectTimeout: true });
  const [q] = validateProfileFile({ profiles: [{ name: 'y', protocol: 'sftp', host: 'h', username: 'u', port: 22, connectTimeout: 5 }] }, FILE).profiles;
  assert.equal(q.defaulted, undefined, 'written values are explicit and beat the config');
  // An FTPS host is still a real name: no alias source exists for it.
  assert.equal(onlyProblem({ name: 'z', protocol: 'ftpes', host: 'prod_box+1', username: 'u' }).path, 'profiles[0].host');
});
