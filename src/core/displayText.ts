/**
 * Text chosen by whoever controls a server (names, prompts, banners, replies, certificate fields): a
 * newline, an ESC sequence or a bidi override in it must not rewrite what the user sees. Pure, so it
 * is unit-tested in plain Node.
 *
 * `escapeControlChars` is the primitive; `serverText` (one line) and `serverLines` (where the
 * protocol allows lines, e.g. keyboard-interactive instructions) are what every path that takes text
 * from a server applies, at the boundary where that text enters our objects, so nothing downstream
 * (terminal, notification, webview, log) can forget it.
 */

/**
 * C0 controls, DEL, C1 controls, the Unicode bidi embeddings/overrides/isolates ("Trojan Source"),
 * the implicit direction marks (LRM, RLM, ALM), line/paragraph separators, and the backslash.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\\]/g;

function escapeOne(ch: string): string {
  if (ch === '\\') return '\\\\'; // so a literal "\x1b" in a name cannot pass for an escaped ESC
  const code = ch.codePointAt(0)!;
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
}

/** The text with every control or direction-changing character shown as an escape such as `\x1b`. */
export function escapeControlChars(text: string): string {
  return text.replace(UNSAFE, escapeOne);
}

/** How much of one piece of server text is shown by default (a banner of 4 MB helps nobody). */
export const SERVER_TEXT_MAX_CHARS = 512;
/** How many lines of multi-line server text are shown by default. */
export const SERVER_TEXT_MAX_LINES = 20;

const ELLIPSIS = '…';

/** Cuts `text` to at most `max` code points, never inside an escape such as `\x1b` or a surrogate pair. */
function bound(escaped: string, max: number): string {
  const chars = [...escaped];
  if (chars.length <= max) return escaped;
  let cut = chars.slice(0, Math.max(0, max - 1)).join('');
  // Do not leave half an escape at the end: drop a trailing partial "\x1" or "\u{20".
  cut = cut.replace(/\\(x[0-9a-f]?|u(\{[0-9a-f]*)?)?$/, '');
  // A lone trailing backslash could be the first half of an escaped "\\": keep pairs whole.
  const trailing = /\\+$/.exec(cut)?.[0].length ?? 0;
  if (trailing % 2 === 1) cut = cut.slice(0, -1);
  return cut + ELLIPSIS;
}

function asText(text: unknown): string {
  if (typeof text === 'string') return text;
  if (Buffer.isBuffer(text)) return text.toString('utf8');
  return text === undefined || text === null ? '' : String(text);
}

/**
 * One line of server text, safe for a terminal, a notification, a webview's text or a log: every
 * control (including CR and LF), bidi override and backslash escaped, at most `maxChars` characters
 * (cut with "…"). Idempotence is NOT a goal: apply it once, where the text enters our objects.
 */
export function serverText(text: unknown, maxChars = SERVER_TEXT_MAX_CHARS): string {
  return bound(escapeControlChars(asText(text)), maxChars);
}

/**
 * Server text where the protocol allows several lines (keyboard-interactive instructions, a
 * multi-line FTP reply): split on CR LF / LF / CR, each line escaped and bounded as `serverText`, at
 * most `maxLines` lines, joined with "\n" (the only control character left in the result).
 */
export function serverLines(text: unknown, maxLines = SERVER_TEXT_MAX_LINES, maxChars = SERVER_TEXT_MAX_CHARS): string {
  const lines = asText(text).split(/\r\n|\n|\r/);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const shown = lines.slice(0, maxLines).map((l) => serverText(l, maxChars));
  if (lines.length > maxLines) shown.push(`${ELLIPSIS} (${lines.length - maxLines} more lines)`);
  return shown.join('\n');
}

/** Whether `text` still contains something a terminal would act on (for tests and assertions). */
export function hasTerminalControls(text: string): boolean {
  // eslint-disable-next-line no-control-regex
  return /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text);
}

/**
 * JSON text safe to print on a terminal: JSON.stringify escapes C0 controls but passes C1 controls
 * (U+009B is a CSI on some terminals), DEL and bidi overrides through raw. This writes them as
 * `\uXXXX`, which is the same JSON value.
 */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
