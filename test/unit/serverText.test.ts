/** The one function every piece of server text passes before anyone sees it (issue 11, item 5). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import * as tls from 'node:tls';
import { readFile } from 'node:fs/promises';
import { hasTerminalControls, serverLines, serverText, terminalSafeJson, SERVER_TEXT_MAX_CHARS } from '../../src/core/displayText';
import { certificateFacts } from '../../src/core/trust/certificates';
import { printable, escapeHtml } from '../../src/core/audit/report/escape';
import { makeCertificate } from '../harness/certs';

const HOSTILE = [
  '\u001b[2J\u001b[H', // clear the screen, cursor home
  '\u001b]0;retitled\u0007', // OSC 0: retitle the window
  'Password:\r\nHost key verified. Password: ', // a fake line
  'evil\u202etxt.exe', // bidi override
  '\u2066isolate\u2069 \u200f rlm',
  '\u009b31m', // C1 CSI
  'line\u2028separator',
];

test('serverText leaves no terminal control, no line break and no bidi override', () => {
  for (const text of HOSTILE) {
    const shown = serverText(text);
    assert.ok(!hasTerminalControls(shown), JSON.stringify(shown));
    assert.ok(!shown.includes('\n'), JSON.stringify(shown));
  }
  assert.equal(serverText('\u001b]0;x\u0007'), '\\x1b]0;x\\x07');
  assert.equal(serverText('a\r\nb'), 'a\\x0d\\x0ab');
  assert.equal(serverText('ordinary text: Übersicht 日本語'), 'ordinary text: Übersicht 日本語');
});

test('serverText bounds the length without cutting an escape in half', () => {
  const long = 'x'.repeat(10_000);
  assert.equal([...serverText(long)].length, SERVER_TEXT_MAX_CHARS);
  assert.ok(serverText(long).endsWith('…'));
  for (let max = 2; max < 12; max++) {
    const shown = serverText('ab\u001b\u001b\u001b\u202e\u202e', max);
    assert.ok(!/\\(x[0-9a-f]?|u(\{[0-9a-f]*)?)?…$/.test(shown.replace(/\\\\/g, '')), `half an escape at ${max}: ${shown}`);
    assert.ok([...shown].length <= max, `${shown} is longer than ${max}`);
  }
  assert.equal(serverText(undefined), '');
  assert.equal(serverText(Buffer.from('a\u001bb')), 'a\\x1bb');
});

test('serverLines keeps lines apart but escapes everything else on each', () => {
  const shown = serverLines('Welcome\r\n\u001b[2JHost key verified\rnext\n\n');
  assert.deepEqual(shown.split('\n'), ['Welcome', '\\x1b[2JHost key verified', 'next']);
  assert.ok(!hasTerminalControls(shown));
  const many = serverLines(Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n'), 3);
  assert.deepEqual(many.split('\n'), ['line 0', 'line 1', 'line 2', '… (47 more lines)']);
});

test('JSON printed on a terminal carries no raw C1 control or bidi override, and is the same value', () => {
  const value = { name: 'a\u009b2Jb\u202ec\u2028' };
  const json = terminalSafeJson(JSON.stringify(value));
  assert.ok(!hasTerminalControls(json));
  assert.deepEqual(JSON.parse(json), value);
});

test('audit reports show hostile banners escaped (terminal) and escaped then HTML-escaped (webview)', () => {
  const banner = 'SSH-2.0-x\u001b]0;owned\u0007\u202e<script>';
  assert.ok(!hasTerminalControls(printable(banner)));
  const html = escapeHtml(banner);
  assert.ok(!hasTerminalControls(html));
  assert.ok(!html.includes('<script>'));
  assert.match(html, /\\x1b\]0;owned\\x07\\u\{202e\}&lt;script&gt;/);
});

test('a certificate whose CN carries escapes reaches the trust prompt escaped', async () => {
  const cn = 'evil\u001b[2J\u001b]0;pwned\u0007\r\nHost key verified\u202e';
  const cert = await makeCertificate({ cn });
  const raw = new X509Certificate(await readFile(cert.certFile)).raw;
  const facts = certificateFacts({ raw } as tls.PeerCertificate);
  for (const field of [facts.subject, facts.issuer]) {
    assert.ok(!hasTerminalControls(field), JSON.stringify(field));
    assert.ok(!field.includes('\n'), JSON.stringify(field));
  }
  assert.match(facts.subject, /evil/);
});
