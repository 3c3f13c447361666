import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatProfileRef, formatUrl, isRemoteTarget, parseTarget, parseUrl, redactUrl } from '../../src/core/profiles/url';
import { exitCodeFor, SecurityRefusal, UsageError } from '../../src/core/errors';

const FP = 'SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8';
const FP_SLASHES = 'SHA256:ab+/cdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO';

const VALID: [string, Record<string, unknown>][] = [
  ['sftp://deploy@example.com/var/www', { protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '/var/www' }],
  ['sftp://deploy@example.com', { protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '' }],
  ['sftp://deploy@example.com/', { protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '/' }],
  ['sftp://deploy@example.com/~/site/index.html', { protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '~/site/index.html' }],
  ['sftp://deploy@example.com/~', { protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '~' }],
  ['sftp://deploy@example.com/%7E/x', { protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '/~/x' }],
  ['ftpes://u@ftp.example.com/pub', { protocol: 'ftpes', host: 'ftp.example.com', port: 21, username: 'u', path: '/pub' }],
  ['ftps://u@ftp.example.com:2990/', { protocol: 'ftps', host: 'ftp.example.com', port: 2990, username: 'u', path: '/' }],
  ['ftps://u@h', { protocol: 'ftps', host: 'h', port: 990, username: 'u', path: '' }],
  ['SFTP://u@EXAMPLE.com:2222/x', { protocol: 'sftp', host: 'example.com', port: 2222, username: 'u', path: '/x' }],
  ['sftp://u@[::1]:2222/srv', { protocol: 'sftp', host: '::1', port: 2222, username: 'u', path: '/srv' }],
  ['sftp://u@[::1]/srv', { protocol: 'sftp', host: '::1', port: 22, username: 'u', path: '/srv' }],
  ['sftp://u@[fe80::1%25eth0]/', { protocol: 'sftp', host: 'fe80::1%eth0', port: 22, username: 'u', path: '/' }],
  ['sftp://u@127.0.0.1:22/a', { protocol: 'sftp', host: '127.0.0.1', port: 22, username: 'u', path: '/a' }],
  ['sftp://first%40corp%20x@h/my%20files/%C3%A9t%C3%A9.txt', { protocol: 'sftp', host: 'h', port: 22, username: 'first@corp x', path: '/my files/été.txt' }],
  ['sftp://h/srv', { protocol: 'sftp', host: 'h', port: 22, path: '/srv' }],
  ['sftp://h:/srv', { protocol: 'sftp', host: 'h', port: 22, path: '/srv' }],
  ['sftp://h:22/a@b', { protocol: 'sftp', host: 'h', port: 22, path: '/a@b' }],
  ['sftp://u@h/a%2Fb', { protocol: 'sftp', host: 'h', port: 22, username: 'u', path: '/a/b' }],
  [`sftp://u;fingerprint=SHA256-nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8@h/`, { protocol: 'sftp', host: 'h', port: 22, username: 'u', path: '/', fingerprints: [FP] }],
  [`sftp://u;fingerprint=ssh-ed25519-255-SHA256-nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8@h`, { protocol: 'sftp', host: 'h', port: 22, username: 'u', path: '', fingerprints: [FP] }],
  [`sftp://u;fingerprint=SHA256%3Aab%2B%2FcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO@h`, { protocol: 'sftp', host: 'h', port: 22, username: 'u', path: '', fingerprints: [FP_SLASHES] }],
  [`sftp://u;fingerprint=SHA256-ab-_cdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO@h`, { protocol: 'sftp', host: 'h', port: 22, username: 'u', path: '', fingerprints: [FP_SLASHES] }],
];

for (const [url, expected] of VALID) {
  test(`parses ${url}`, () => {
    assert.deepEqual(parseUrl(url), { fingerprints: [], ...expected });
    const target = parseTarget(url);
    assert.equal(target.kind, 'url');
    assert.equal(target.path, expected.path);
  });
}

/** [input, error class, words the one-sentence message must contain] */
const REFUSED: [string, typeof UsageError | typeof SecurityRefusal, RegExp[]][] = [
  ['ftp://u@example.com/x', SecurityRefusal, [/^ftp:\/\/u@example\.com\/x /, /cleartext/, /ftpes:\/\//, /sftp:\/\//]],
  ['FTP://example.com', SecurityRefusal, [/cleartext/]],
  ['sftp://deploy:hunter2@example.com/x', UsageError, [/OS keychain/, /secret set-password sftp:\/\/deploy@example\.com`/, /--password-stdin/]],
  ['sftp://deploy:@example.com/x', UsageError, [/contains a password/]],
  ['sftp://deploy:pa/ss@example.com/x', UsageError, [/contains a password/, /sftp:\/\/deploy:\*\*\*@example\.com/]],
  ['sftp://deploy:/hunter2@example.com/x', UsageError, [/contains a password/]],
  ['http://example.com/', UsageError, [/unsupported scheme "http:"/, /sftp:\/\//]],
  ['ssh://u@h', UsageError, [/use sftp:\/\//]],
  ['scp://u@h/x', UsageError, [/SCP is not supported/]],
  ['sftp:u@h', UsageError, [/lacks "\/\/"/]],
  ['example.com:/x', UsageError, [/is not a remote URL/]],
  ['/local/path', UsageError, [/is not a remote URL/]],
  ['sftp://u@h:0/x', UsageError, [/invalid port "0"/, /1 to 65535/]],
  ['sftp://u@h:65536', UsageError, [/invalid port/]],
  ['sftp://u@h:ssh', UsageError, [/invalid port "ssh"/]],
  ['sftp://u@::1/x', UsageError, [/IPv6 address without brackets/, /\[::1\]/]],
  ['sftp://u@[::1/x', UsageError, [/unclosed "\["/]],
  ['sftp://u@[example.com]/x', UsageError, [/not an IPv6 address/]],
  ['sftp://u@/x', UsageError, [/has no host/]],
  ['sftp://u@exa mple.com/x', UsageError, [/invalid host/]],
  ['sftp://@h/x', UsageError, [/empty user name/]],
  ['sftp://u@h/100%', UsageError, [/invalid percent-encoding in its path/, /%25/]],
  ['sftp://u@h/a%0D%0ADELE%20x', UsageError, [/control character in its path/]],
  ['sftp://u%00@h/', UsageError, [/control character in its user name/]],
  ['sftp://u;fingerprint=MD5-aa-bb@h', UsageError, [/unreadable fingerprint/, /SHA256-/]],
  ['sftp://u;x-proxy=1@h', UsageError, [/unknown user parameter/]],
  ['profile:/x', UsageError, [/names no profile/]],
];

for (const [input, kind, words] of REFUSED) {
  test(`refuses ${input}`, () => {
    assert.throws(
      () => parseTarget(input),
      (err: unknown) => {
        assert.ok(err instanceof kind, `expected ${kind.name}, got ${String(err)}`);
        const message = (err as Error).message;
        for (const w of words) assert.match(message, w);
        assert.doesNotMatch(message, /\n/, 'one sentence, no stack');
        assert.doesNotMatch(message, /hunter2|pa\/ss/, 'never echoes the password');
        return true;
      },
    );
  });
}

test('plain ftp:// exits 3 (security), other bad URLs exit 2 (usage)', () => {
  const codeOf = (s: string) => {
    try {
      parseUrl(s);
    } catch (err) {
      return exitCodeFor(err);
    }
    return 0;
  };
  assert.equal(codeOf('ftp://h/'), 3);
  assert.equal(codeOf('sftp://u:p@h/'), 2);
  assert.equal(codeOf('gopher://h/'), 2);
});

test('profile:NAME/path keeps the name literally and the path as written', () => {
  assert.deepEqual(parseTarget('profile:prod'), { kind: 'profile', name: 'prod', path: '' });
  assert.deepEqual(parseTarget('profile:prod/'), { kind: 'profile', name: 'prod', path: '' });
  assert.deepEqual(parseTarget('profile:prod/site/index.html'), { kind: 'profile', name: 'prod', path: 'site/index.html' });
  assert.deepEqual(parseTarget('profile:Prod EU/~/x'), { kind: 'profile', name: 'Prod EU', path: '~/x' });
  assert.deepEqual(parseTarget('profile:prod//var/www'), { kind: 'profile', name: 'prod', path: '/var/www' });
  assert.equal(formatProfileRef('prod', 'a/b'), 'profile:prod/a/b');
  assert.equal(formatProfileRef('prod'), 'profile:prod');
});

test('formatUrl writes the canonical URL: default port left out, user and path encoded, ~ for the login folder', () => {
  assert.equal(formatUrl({ protocol: 'sftp', host: 'example.com', port: 22, username: 'deploy', path: '/var/www' }), 'sftp://deploy@example.com/var/www');
  assert.equal(formatUrl({ protocol: 'ftpes', host: 'h', port: 2121, username: 'a b@c', path: '~/my file.txt' }), 'ftpes://a%20b%40c@h:2121/~/my%20file.txt');
  assert.equal(formatUrl({ protocol: 'sftp', host: '::1', port: 2222, username: 'u' }), 'sftp://u@[::1]:2222');
  assert.equal(formatUrl({ protocol: 'sftp', host: 'h', username: 'u', path: '/~/literal' }), 'sftp://u@h/%7E/literal');
  assert.equal(formatUrl({ protocol: 'sftp', host: 'h', username: 'u', path: 'relative/x' }), 'sftp://u@h/~/relative/x');
  assert.equal(formatUrl({ protocol: 'sftp', host: 'h', username: 'u', fingerprints: [FP_SLASHES] }), 'sftp://u;fingerprint=SHA256-ab-_cdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNO@h');
});

test('redactUrl hides a password, and only the password', () => {
  assert.equal(redactUrl('sftp://u:secret@h/x'), 'sftp://u:***@h/x');
  assert.equal(redactUrl('sftp://u:se/cret@h/x'), 'sftp://u:***@h/x');
  assert.equal(redactUrl('sftp://u:se@cret@h/x'), 'sftp://u:***@h/x');
  assert.equal(redactUrl('sftp://h:22/a@b'), 'sftp://h:22/a@b');
  assert.equal(redactUrl('sftp://u:p@h/a@b'), 'sftp://u:***@b', 'an @ in the path may be part of the password');
  assert.equal(redactUrl('sftp://u@[::1]:22/x'), 'sftp://u@[::1]:22/x');
});

test('isRemoteTarget tells remote targets from local paths', () => {
  assert.equal(isRemoteTarget('sftp://h/x'), true);
  assert.equal(isRemoteTarget('profile:prod/x'), true);
  assert.equal(isRemoteTarget('ftp://h/x'), true, 'so that it reaches the parser and is refused');
  assert.equal(isRemoteTarget('./site'), false);
  assert.equal(isRemoteTarget('C:\\site'), false);
  assert.equal(isRemoteTarget('/var/www'), false);
});
