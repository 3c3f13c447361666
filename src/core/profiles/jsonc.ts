/**
 * A small JSONC parser (JSON plus // and /* comments and trailing commas, as VS Code allows in
 * .vscode files) that also records where every key and value starts, so problems can name a line.
 */

export interface SourcePosition {
  offset: number;
  /** 1-based. */
  line: number;
  /** 1-based, in UTF-16 code units. */
  column: number;
}

export type PathSegment = string | number;

export interface JsoncDocument {
  value: unknown;
  /** Where each value starts (for object members: where its key starts), by formatJsonPath(). */
  positions: Map<string, SourcePosition>;
  /** Where each value ends (exclusive), by the same paths: with `positions`, the exact span of a member. */
  ends: Map<string, SourcePosition>;
  /** Keys written twice in one object (JSON keeps the last; the user probably meant one). */
  duplicateKeys: { path: string; position: SourcePosition }[];
}

export class JsoncSyntaxError extends Error {
  constructor(
    readonly reason: string,
    readonly position: SourcePosition,
  ) {
    super(`line ${position.line}, column ${position.column}: ${reason}`);
    this.name = 'JsoncSyntaxError';
  }
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/;

/** `profiles[2].port`, `policy.allowedHosts[0]`, `profiles[0]["odd key"]`; '' for the root. */
export function formatJsonPath(segments: readonly PathSegment[], prefix = ''): string {
  let out = prefix;
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (IDENTIFIER.test(s)) out += out === '' ? s : `.${s}`;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

const MAX_DEPTH = 100;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const LITERALS: ReadonlyArray<[string, unknown]> = [
  ['true', true],
  ['false', false],
  ['null', null],
];

export function parseJsonc(text: string): JsoncDocument {
  const positions = new Map<string, SourcePosition>();
  const ends = new Map<string, SourcePosition>();
  const duplicateKeys: JsoncDocument['duplicateKeys'] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;

  const lineStarts = [0];
  for (let k = 0; k < text.length; k++) if (text[k] === '\n') lineStarts.push(k + 1);
  const positionAt = (offset: number): SourcePosition => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (lineStarts[mid] <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { offset, line: lo + 1, column: offset - lineStarts[lo] + 1 };
  };
  const fail = (reason: string, at = i): never => {
    throw new JsoncSyntaxError(reason, positionAt(at));
  };

  const skipTrivia = () => {
    for (;;) {
      while (i < text.length && /\s/.test(text[i])) i++;
      if (text.startsWith('//', i)) {
        while (i < text.length && text[i] !== '\n') i++;
      } else if (text.startsWith('/*', i)) {
        const end = text.indexOf('*/', i + 2);
        if (end < 0) fail('a /* comment is never closed with */');
        i = end + 2;
      } else return;
    }
  };

  const parseString = (): string => {
    const start = i;
    i++;
    for (;;) {
      if (i >= text.length || text[i] === '\n') fail('a string is never closed — add the closing "', start);
      const c = text.charCodeAt(i);
      if (c < 0x20) fail('a string contains a raw control character — write it as an escape such as \\t', i);
      if (text[i] === '\\') i += 2;
      else if (text[i] === '"') break;
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i)) as string;
    } catch {
      return fail('a string contains an invalid escape — write a backslash as \\\\', start);
    }
  };

  const parseValue = (path: PathSegment[], depth: number): unknown => {
    const value = parseBareValue(path, depth);
    ends.set(formatJsonPath(path), positionAt(i));
    return value;
  };

  const parseBareValue = (path: PathSegment[], depth: number): unknown => {
    skipTrivia();
    if (depth > MAX_DEPTH) fail(`values are nested more than ${MAX_DEPTH} deep`);
    const key = formatJsonPath(path);
    if (!positions.has(key)) positions.set(key, positionAt(i));
    const c = text[i];
    if (c === '{') return parseObject(path, depth);
    if (c === '[') return parseArray(path, depth);
    if (c === '"') return parseString();
    NUMBER.lastIndex = i;
    const num = NUMBER.exec(text);
    if (num && num[0] !== '-') {
      i += num[0].length;
      return Number(num[0]);
    }
    for (const [word, value] of LITERALS) {
      if (text.startsWith(word, i) && !/[\w$]/.test(text[i + word.length] ?? '')) {
        i += word.length;
        return value;
      }
    }
    if (i >= text.length) return fail('the file ends where a value was expected');
    if (c === "'") return fail('strings must use double quotes (") in JSON');
    return fail(`expected a value (a "string", number, true, false, null, { } or [ ]) but found ${JSON.stringify(text.slice(i, i + 12))}`);
  };

  const parseObject = (path: PathSegment[], depth: number): Record<string, unknown> => {
    const obj: Record<string, unknown> = {};
    i++;
    for (;;) {
      skipTrivia();
      if (text[i] === '}') {
        i++;
        return obj;
      }
      if (text[i] !== '"') fail(i >= text.length ? 'the file ends inside an object — add the closing }' : 'expected a property name in double quotes, or }');
      const keyStart = i;
      const name = parseString();
      const memberPath = formatJsonPath([...path, name]);
      if (Object.prototype.hasOwnProperty.call(obj, name)) duplicateKeys.push({ path: memberPath, position: positionAt(keyStart) });
      positions.set(memberPath, positionAt(keyStart));
      skipTrivia();
      if (text[i] !== ':') fail(`expected ":" after the property name "${name}"`);
      i++;
      // defineProperty, so a "__proto__" key is plain data and never a prototype.
      Object.defineProperty(obj, name, { value: parseValue([...path, name], depth + 1), enumerable: true, writable: true, configurable: true });
      skipTrivia();
      if (text[i] === ',') i++;
      else if (text[i] !== '}') fail(i >= text.length ? 'the file ends inside an object — add the closing }' : 'expected "," or "}" after a property value — a comma may be missing');
    }
  };

  const parseArray = (path: PathSegment[], depth: number): unknown[] => {
    const arr: unknown[] = [];
    i++;
    for (;;) {
      skipTrivia();
      if (text[i] === ']') {
        i++;
        return arr;
      }
      arr.push(parseValue([...path, arr.length], depth + 1));
      skipTrivia();
      if (text[i] === ',') i++;
      else if (text[i] !== ']') fail(i >= text.length ? 'the file ends inside a list — add the closing ]' : 'expected "," or "]" after a list item — a comma may be missing');
    }
  };

  skipTrivia();
  if (i >= text.length) fail('the file is empty — it needs at least { "profiles": [] }');
  const value = parseValue([], 0);
  skipTrivia();
  if (i < text.length) fail('unexpected text after the end of the JSON value');
  return { value, positions, ends, duplicateKeys };
}
