/** Small helpers every reader shares: display-safe names and values from hostile files. */
import { serverText } from '../displayText';
import { UsageError } from '../errors';
import { JsoncSyntaxError, parseJsonc } from '../profiles/jsonc';

/** A name or value from the file, escaped and bounded for a message (quotes included). */
export function shown(value: unknown, max = 120): string {
  return `"${serverText(typeof value === 'string' ? value : String(value), max)}"`;
}

const NAME_MAX = 100;

/**
 * A profile name from another tool's name: no `/` (it separates profile:NAME/path), no control
 * characters, no leading/trailing space, at most 100 characters. Empty → undefined.
 */
export function profileName(...parts: (string | undefined)[]): string | undefined {
  const joined = parts
    .filter((p): p is string => typeof p === 'string' && p.trim() !== '')
    .map((p) => p.trim())
    .join(' - ');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is removed
  const clean = joined.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, ' ').replace(/\//g, '-').replace(/\s+/g, ' ').trim();
  if (clean === '') return undefined;
  return [...clean].slice(0, NAME_MAX).join('').trim();
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A port from a number or a numeric string; undefined for anything else (the validator then says so). */
export function portOf(v: unknown): number | unknown {
  if (typeof v === 'string' && /^\s*\d{1,5}\s*$/.test(v)) return Number(v);
  return v;
}

/** Percent-decoding that never throws (bytes → UTF-8; a malformed escape is kept as written). */
export function percentDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text.replace(/(%[0-9A-Fa-f]{2})+/g, (run) => {
      try {
        return decodeURIComponent(run);
      } catch {
        return run;
      }
    });
  }
}

/** A JSON (with comments) import file's value; invalid JSON is one sentence naming the file (exit 2). */
export function parseImportJson(text: string, file: string): unknown {
  try {
    return parseJsonc(text).value;
  } catch (err) {
    if (err instanceof JsoncSyntaxError) throw new UsageError(`${file} is not valid JSON (${err.message}): fix it, or name the right --format.`, 'bad-import-file');
    throw err;
  }
}
