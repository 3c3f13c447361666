/**
 * Remote names are chosen by whoever controls the server: a newline, an ESC sequence or a bidi
 * override in a file name must not rewrite what the user sees. Pure, so it is unit-tested in plain Node.
 */

/** C0 controls, DEL, C1 controls, and the Unicode bidi overrides/isolates ("Trojan Source"). */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\\]/g;

function escapeOne(ch: string): string {
  if (ch === '\\') return '\\\\'; // so a literal "\x1b" in a name cannot pass for an escaped ESC
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** The text with every control or direction-changing character shown as an escape such as `\x1b`. */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}
