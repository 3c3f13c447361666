import { test } from 'node:test';
import assert from 'node:assert/strict';
import { escapeControlChars } from '../../src/core/displayText';

test('ordinary names, including non-ASCII ones, are shown as they are', () => {
  for (const name of ['index.html', 'Übersicht 2024.pdf', 'файл.txt', '日本語', 'a b-c_d.e']) assert.equal(escapeControlChars(name), name);
});

test('newline, carriage return, tab, NUL and ESC are escaped', () => {
  assert.equal(escapeControlChars('a\nb'), 'a\\x0ab');
  assert.equal(escapeControlChars('a\rb\tc\u0000'), 'a\\x0db\\x09c\\x00');
  assert.equal(escapeControlChars('\u001b[31mred'), '\\x1b[31mred');
});

test('DEL and every C1 control are escaped', () => {
  assert.equal(escapeControlChars('\u007f'), '\\x7f');
  for (let c = 0x80; c <= 0x9f; c++) assert.equal(escapeControlChars(String.fromCharCode(c)), `\\x${c.toString(16)}`);
});

test('every C0 control is escaped and nothing unsafe is left', () => {
  let all = '';
  for (let c = 0; c < 0x20; c++) all += String.fromCharCode(c);
  const shown = escapeControlChars(all);
  assert.ok([...shown].every((ch) => ch.charCodeAt(0) >= 0x20), 'no control character left');
  assert.equal(shown.length, 0x20 * 4);
});

test('bidi overrides are escaped so a name cannot reverse how it reads', () => {
  assert.equal(escapeControlChars('invoice\u202Efdp.exe'), 'invoice\\u{202e}fdp.exe');
  assert.equal(escapeControlChars('\u2066x\u2069'), '\\u{2066}x\\u{2069}');
});

test('a literal backslash is doubled, so a name cannot imitate an escape', () => {
  assert.equal(escapeControlChars('\\x1b'), '\\\\x1b');
  assert.notEqual(escapeControlChars('\\x1b'), escapeControlChars('\u001b'));
});
