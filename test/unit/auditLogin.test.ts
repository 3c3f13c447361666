/**
 * The audit's login stage: the single-factor and world-writable-folder detectors, auditLogin's
 * findings (stage, product fix, order), and how the SSH auth handler records which methods completed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AuthenticationType } from 'ssh2';
import { auditLogin } from '../../src/core/audit/auditLogin';
import { folderMode, secondFactorCompleted } from '../../src/core/audit/rules/loginDetectors';
import type { AuditReport, AuditTarget, LoginAuditReport, LoginFacts } from '../../src/core/audit/types';
import { renderReportHtml } from '../../src/core/audit/report/html';
import { renderMarkdown } from '../../src/core/audit/report/markdown';
import { renderJson } from '../../src/core/audit/report/json';
import { createAuthSession } from '../../src/core/session/sftpAuth';
import { createCredentialProvider } from '../../src/core/mfa/provider';
import { memorySecretStore } from '../../src/core/secrets/memoryStore';
import { setPassword } from '../../src/core/secrets/secrets';
import type { ServerAddress } from '../../src/core/profiles/types';
import { folderFacts } from '../../src/core/session/loginFacts';
import { ReconnectingFileSystem } from '../../src/core/session/reconnecting';
import type { RemoteFileSystem } from '../../src/core/session/remoteFileSystem';

const SFTP: AuditTarget = { protocol: 'sftp', host: 'example.org', port: 22 };
const ids = (facts: LoginFacts, expectMfa: boolean) => auditLogin(facts, { target: SFTP, expectMfa }).findings.map((f) => f.id);

test('a password alone where MFA is expected is a single-factor login; the evidence names the method', () => {
  const report = auditLogin({ authMethods: ['password'], secondFactorAnswered: false }, { target: SFTP, expectMfa: true, now: () => Date.parse('2026-01-02T03:04:05Z') });
  assert.deepEqual(report.findings.map((f) => f.id), ['login-single-factor']);
  const [f] = report.findings;
  assert.equal(f.stage, 'login');
  assert.equal(f.severity, 'high');
  assert.match(f.evidence, /with a password alone/);
  assert.equal(report.server, 'sftp://example.org:22');
  assert.equal(report.checkedAt, '2026-01-02T03:04:05.000Z');
});

test('no finding when MFA is not expected, when a code was answered, or when a key and a password both completed', () => {
  assert.deepEqual(ids({ authMethods: ['password'] }, false), []);
  assert.deepEqual(ids({ authMethods: ['keyboard-interactive'], secondFactorAnswered: true }, true), []);
  assert.deepEqual(ids({ authMethods: ['publickey', 'keyboard-interactive'], secondFactorAnswered: true }, true), []);
  assert.deepEqual(ids({ authMethods: ['publickey', 'password'] }, true), []);
  assert.equal(secondFactorCompleted({ authMethods: ['publickey', 'password'] }), true);
  // Unknown is no evidence either way.
  assert.deepEqual(ids({}, true), []);
});

test('a key alone, keyboard-interactive without a code, and FTPS password alone are single factors; no secret at all is critical', () => {
  assert.match(auditLogin({ authMethods: ['publickey'] }, { target: SFTP, expectMfa: true }).findings[0].evidence, /with a key alone/);
  assert.deepEqual(ids({ authMethods: ['keyboard-interactive'], secondFactorAnswered: false }, true), ['login-single-factor']);
  assert.deepEqual(ids({ authMethods: ['publickey', 'publickey'] }, true), ['login-single-factor']);
  const ftps = auditLogin({ authMethods: ['password'] }, { target: { protocol: 'ftpes', host: 'h', port: 21 }, expectMfa: true });
  assert.deepEqual(ftps.findings.map((f) => f.id), ['login-single-factor']);
  assert.deepEqual(ids({ authMethods: ['password', 'otp'], secondFactorAnswered: true }, true), []);
  const none = auditLogin({ authMethods: [] }, { target: SFTP, expectMfa: true }).findings[0];
  assert.equal(none.severity, 'critical');
  assert.match(none.evidence, /without asking for any secret/);
});

test('a world-writable login or start folder is a finding with its path and mode; 0755 and an unknown mode are not', () => {
  const report = auditLogin({ home: { path: '/home/u', permissions: 0o777 }, startFolder: { path: '/srv/www', permissions: 0o775 } }, { target: SFTP, expectMfa: false });
  assert.deepEqual(report.findings.map((f) => [f.id, f.subject]), [['home-world-writable', '/home/u']]);
  assert.match(report.findings[0].evidence, /login folder \/home\/u is drwxrwxrwx \(0777\)/);
  assert.deepEqual(ids({ home: { path: '/home/u', permissions: 0o755 } }, false), []);
  assert.deepEqual(ids({ home: { path: '/home/u' } }, false), []);
  const start = auditLogin({ home: { path: '/home/u', permissions: 0o700 }, startFolder: { path: '/srv/drop', permissions: 0o1777 & 0o777 } }, { target: SFTP, expectMfa: false });
  assert.match(start.findings[0].evidence, /start folder .* \/srv\/drop is drwxrwxrwx/);
  assert.equal(folderMode(0o703), 'drwx----wx (0703)');
});

test('findings come worst first and every one is marked as seen after logging in', () => {
  const report = auditLogin({ authMethods: [], home: { path: '/', permissions: 0o777 } }, { target: SFTP, expectMfa: true });
  assert.deepEqual(report.findings.map((f) => f.severity), ['critical', 'high']);
  assert.ok(report.findings.every((f) => f.stage === 'login' && f.baseline !== undefined && f.why && f.remediation));
});

test('folderFacts: one stat per folder; the start folder only when it is another folder; failures become notes', async () => {
  const seen: string[] = [];
  const stat = async (p: string) => {
    seen.push(p);
    if (p === '/gone') throw new Error('no such file');
    return p === '/home/u' ? { permissions: 0o755, uid: 1000 } : {};
  };
  assert.deepEqual(await folderFacts(stat, '/home/u', { startFolder: '.' }, String), { home: { path: '/home/u', permissions: 0o755, owner: 1000 } });
  const facts = await folderFacts(stat, '/home/u', { startFolder: '~/www' }, (e) => (e as Error).message);
  assert.deepEqual(facts.startFolder, { path: '/home/u/www' });
  assert.match(facts.notes![0], /does not tell the permissions of the start folder \/home\/u\/www/);
  const gone = await folderFacts(stat, '/home/u', { startFolder: '/gone' }, (e) => (e as Error).message);
  assert.match(gone.notes![0], /start folder \/gone could not be read: no such file/);
  assert.deepEqual(seen, ['/home/u', '/home/u', '/home/u/www', '/home/u', '/gone']);
});

// ── The SSH auth handler's record of what completed ─────────────────────────────────────────────

const SERVER: ServerAddress = { protocol: 'sftp', host: 'example.org', port: 22, username: 'u' };

type Next = (m: unknown) => void;
/** Drives the handler like ssh2 does: each call answers the next server list; resolves what it proceeds with. */
function driver(session: ReturnType<typeof createAuthSession>) {
  return (methodsLeft: AuthenticationType[] | null, partial: boolean) =>
    new Promise<{ type: string; prompt?: (...a: unknown[]) => void }>((resolve) => session.handler(methodsLeft as AuthenticationType[], partial, resolve as Next));
}

async function providerWithPassword(mfa: 'none' | 'totp' | 'prompt', answers: string[] = []) {
  const store = memorySecretStore();
  await setPassword(store, SERVER, 'pw');
  return createCredentialProvider({ store, server: SERVER, mfa, prompter: { ask: async () => answers.shift() } });
}

/** Answers one keyboard-interactive round through the method's prompt callback. */
function answerRound(method: { prompt?: (...a: unknown[]) => void }, prompts: string[]): Promise<string[]> {
  return new Promise((resolve) => method.prompt!('', '', '', prompts.map((prompt) => ({ prompt, echo: false })), resolve));
}

test('auth handler: a password that lets the user in is one completed method, no second factor', async () => {
  const session = createAuthSession({ server: SERVER, credentials: await providerWithPassword('none'), agent: false, home: '/nonexistent' });
  const step = driver(session);
  assert.equal((await step(null, false)).type, 'none');
  assert.equal((await step(['password'], false)).type, 'password');
  assert.deepEqual(session.completed(), { methods: ['password'], secondFactorAnswered: false });
});

test('auth handler: password then a one-time code (one keyboard-interactive method, two rounds) counts the code', async () => {
  const session = createAuthSession({ server: SERVER, credentials: await providerWithPassword('prompt', ['123456']), agent: false, home: '/nonexistent' });
  const step = driver(session);
  await step(null, false);
  const kbd = await step(['keyboard-interactive'], false);
  assert.equal(kbd.type, 'keyboard-interactive');
  assert.deepEqual(await answerRound(kbd, ['Password: ']), ['pw']);
  assert.deepEqual(await answerRound(kbd, ['Verification code: ']), ['123456']);
  assert.deepEqual(session.completed(), { methods: ['keyboard-interactive'], secondFactorAnswered: true });
});

test('auth handler: a partial success then the final method are both recorded, in order', async () => {
  const session = createAuthSession({ server: SERVER, credentials: await providerWithPassword('prompt', ['654321']), agent: false, home: '/nonexistent' });
  const step = driver(session);
  await step(null, false);
  assert.equal((await step(['password'], false)).type, 'password');
  const kbd = await step(['keyboard-interactive'], true); // the password was a partial success
  await answerRound(kbd, ['One-time password: ']);
  assert.deepEqual(session.completed(), { methods: ['password', 'keyboard-interactive'], secondFactorAnswered: true });
});

test('auth handler: a keyboard-interactive round whose code was rejected does not count; the password round after it does not either', async () => {
  const session = createAuthSession({ server: SERVER, credentials: await providerWithPassword('prompt', ['000000']), agent: false, home: '/nonexistent' });
  const step = driver(session);
  await step(null, false);
  const kbd = await step(['keyboard-interactive', 'password'], false);
  await answerRound(kbd, ['Verification code: ']);
  assert.equal((await step(['keyboard-interactive', 'password'], false)).type, 'password'); // the code failed
  assert.deepEqual(session.completed(), { methods: ['password'], secondFactorAnswered: false });
});

// ── The login section of the panel and the exports ─────────────────────────────────────────────

const HOSTILE_PATH = '/srv/<script>alert(1)</script>`x`*[y](javascript:z)\u001b[31m';
const RES = { cspSource: 'https://file+.vscode-resource.vscode-cdn.net', nonce: 'aBcDeFgHiJkLmNoPqRsTuV12', scriptUri: 'https://x/media/audit/audit.js', styleUri: 'https://x/media/audit/audit.css' };

function probeReport(): AuditReport {
  return { server: 'sftp://example.org:22', target: SFTP, probedAt: '2026-06-01T00:00:00.000Z', durationMs: 100, findings: [], facts: {} };
}
function hostileLogin(): LoginAuditReport {
  return auditLogin(
    { authMethods: ['password'], home: { path: HOSTILE_PATH, permissions: 0o777 }, notes: [`The permissions of the start folder ${HOSTILE_PATH} could not be read: <img src=x onerror=alert(2)>`] },
    { target: SFTP, expectMfa: true, now: () => Date.parse('2026-06-01T00:05:00Z') },
  );
}

test('the panel shows "Seen after logging in" with when it was checked, every finding and note escaped, the CSP unchanged', () => {
  const html = renderReportHtml(probeReport(), { ...RES, now: Date.parse('2026-06-01T00:08:00Z') }, hostileLogin());
  const section = html.slice(html.indexOf('<section class="login">'), html.indexOf('</section>', html.indexOf('<section class="login">')));
  assert.match(section, /<h2>Seen after logging in <span class="count">2<\/span><\/h2>/);
  assert.match(section, /Checked <time class="checked" datetime="2026-06-01T00:05:00.000Z"[^>]*>3 min ago<\/time>/);
  assert.match(section, /Logged in with a single factor where MFA is expected/);
  assert.match(section, /The login folder is world-writable/);
  assert.ok(!/<script>alert|<img[^>]*onerror/i.test(html), 'nothing the server named is markup');
  assert.ok(!html.includes('\u001b'), 'no raw escape character');
  assert.match(section, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.equal((html.match(/<script\b/g) ?? []).length, 1, 'only the nonce’d script');
  // Without a login report there is no such section (and the probes' HTML is unchanged).
  assert.equal(renderReportHtml(probeReport(), RES).includes('Seen after logging in'), false);
  const none = renderReportHtml(probeReport(), RES, auditLogin({ authMethods: ['password'] }, { target: SFTP, expectMfa: false }));
  assert.match(none, /No findings after logging in\./);
});

test('the Markdown and JSON exports carry the login findings, escaped, only when given', () => {
  const md = renderMarkdown(probeReport(), hostileLogin());
  assert.match(md, /\n## Seen after logging in\n\nChecked 2026-06-01T00:05:00\.000Z/);
  assert.match(md, /### Logged in with a single factor where MFA is expected `login-single-factor` \(high\)/);
  assert.ok(!/<script>|<img/i.test(md), md);
  assert.ok(!md.includes('\u001b'));
  assert.ok(!md.includes('](javascript:'), 'a link in a path is not a link');
  assert.equal(renderMarkdown(probeReport()).includes('Seen after logging in'), false);
  const json = JSON.parse(renderJson(probeReport(), hostileLogin())) as { login: { checkedAt: string; findings: Array<{ id: string }>; facts: LoginFacts } };
  assert.deepEqual(json.login.findings.map((f) => f.id), ['login-single-factor', 'home-world-writable']);
  assert.equal(json.login.facts.home?.path, HOSTILE_PATH);
  assert.equal('login' in JSON.parse(renderJson(probeReport())), false);
});

// ── ReconnectingFileSystem passes loginFacts through, and never reconnects for them ──────────────

test('the reconnecting wrapper asks the current session, and refuses (no login of its own) when the link is down', async () => {
  let closeListener: ((err?: Error) => void) | undefined;
  let opened = 0;
  const fake = {
    protocol: 'sftp',
    homeDir: '/home/u',
    connected: true,
    capabilities: { atomicRename: false, hashes: [] },
    onClose: (l: (err?: Error) => void) => (closeListener = l),
    close: async () => undefined,
    loginFacts: async () => ({ authMethods: ['password'], home: { path: '/home/u', permissions: 0o755 } }),
  };
  const wrapped = await ReconnectingFileSystem.connect(async () => (opened++, fake as unknown as RemoteFileSystem), { where: 'sftp://h:22' });
  assert.deepEqual(await wrapped.loginFacts(), { authMethods: ['password'], home: { path: '/home/u', permissions: 0o755 } });
  fake.connected = false;
  closeListener?.(new Error('dropped'));
  await assert.rejects(wrapped.loginFacts(), /sftp:\/\/h:22 is down: what its login shows was not checked/);
  assert.equal(opened, 1, 'no reconnect (no new login) for the login facts');
});
