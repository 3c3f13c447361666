/** File names a hostile server may put in a listing, and how to tell whether one is safe to use. */

/** Unique per process, so an escaped write can be looked for without touching real files. */
const tag = `st-hostile-${process.pid}`;

export const ESCAPE_TARGETS = {
  parent: `../${tag}-parent`,
  grandParent: `../../${tag}-grandparent`,
  absolute: `/tmp/${tag}-absolute`,
  backslash: `..\\${tag}-backslash`,
  drive: `C:\\${tag}-drive`,
};

export const HOSTILE_NAMES: readonly string[] = [
  '..',
  '.',
  '',
  ESCAPE_TARGETS.parent,
  ESCAPE_TARGETS.grandParent,
  ESCAPE_TARGETS.absolute,
  ESCAPE_TARGETS.backslash,
  ESCAPE_TARGETS.drive,
  'a/b',
  'nul\0byte',
  'new\nline',
  'carriage\rreturn',
  '\u001b[31mred\u001b[0m',
  '\u001b]0;pwned title\u0007',
  'x'.repeat(300),
  'ok.txt',
];

/** A name that names exactly one entry inside its folder (what every listing must guarantee). */
export function isContainedName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !name.includes('/') && !name.includes('\0');
}

// eslint-disable-next-line no-control-regex
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;
