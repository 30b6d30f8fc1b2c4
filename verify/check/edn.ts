// A small EDN reader for the subset Jepsen histories use: maps, vectors, lists, sets, keywords,
// strings (with escapes), integers, floats, nil, true/false, symbols. No dependencies.

export class Keyword {
  constructor(readonly name: string) {}
  toString(): string {
    return ':' + this.name;
  }
}

export class EdnSymbol {
  constructor(readonly name: string) {}
  toString(): string {
    return this.name;
  }
}

export type EdnValue =
  | null
  | boolean
  | number
  | string
  | Keyword
  | EdnSymbol
  | EdnValue[]
  | EdnMap
  | EdnSet;

/** An EDN map; keys are compared by their printed form (keywords as ":k", strings quoted). */
export class EdnMap {
  readonly entries = new Map<string, { key: EdnValue; value: EdnValue }>();
  get(key: string): EdnValue | undefined {
    return this.entries.get(key)?.value;
  }
  /** Value of keyword key `:name`, or undefined when absent. */
  kw(name: string): EdnValue | undefined {
    return this.get(':' + name);
  }
  has(key: string): boolean {
    return this.entries.has(key);
  }
}

export class EdnSet {
  constructor(readonly items: EdnValue[]) {}
}

export class EdnParseError extends Error {
  constructor(
    /** What is wrong, without a position. */
    readonly reason: string,
    /** Offset into the text where it went wrong. */
    readonly offset: number,
    /** "at column N" for one-line texts; callers with several lines name line and column. */
    message = `${reason} at column ${offset + 1}`,
  ) {
    super(message);
    this.name = 'EdnParseError';
  }
}

/** Values may nest at most this deep (deeper input is an error, not a stack overflow). */
export const EDN_MAX_DEPTH = 1000;

/** Printed (canonical-ish) form of a value; used for map keys and for messages. */
export function ednToString(v: EdnValue): string {
  if (v === null) return 'nil';
  if (typeof v === 'string') return JSON.stringify(v);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (v instanceof Keyword || v instanceof EdnSymbol) return v.toString();
  if (Array.isArray(v)) return '[' + v.map(ednToString).join(' ') + ']';
  if (v instanceof EdnSet) return '#{' + v.items.map(ednToString).join(' ') + '}';
  return (
    '{' +
    [...v.entries.values()].map((e) => ednToString(e.key) + ' ' + ednToString(e.value)).join(', ') +
    '}'
  );
}

/** ednToString cut to `max` characters (for error messages). */
export function ednSnippet(v: EdnValue, max = 80): string {
  const s = ednToString(v);
  return s.length > max ? s.slice(0, max - 1) + '…' : s;
}

const DELIMS = new Set(['{', '}', '[', ']', '(', ')', '"', ';', ',']);

function isWs(c: string): boolean {
  return c === ' ' || c === ',' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

interface Frame {
  /** '}' map, ']' vector, ')' list, 's' set, 'd' a #_ discard waiting for its value. */
  kind: '}' | ']' | ')' | 's' | 'd';
  items: EdnValue[];
  start: number;
}

const CLOSER: Record<string, string> = { '}': 'map', ']': 'vector', ')': 'list', s: 'set' };

/**
 * An iterative reader (an explicit stack, no recursion), so that deep nesting is an error with a
 * position, never a stack overflow.
 */
export class EdnReader {
  pos = 0;
  /** Offset where the value `read` last returned begins. */
  valueStart = 0;
  constructor(
    readonly text: string,
    readonly maxDepth = EDN_MAX_DEPTH,
  ) {}

  fail(msg: string, at = this.pos): never {
    throw new EdnParseError(msg, at);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t.charCodeAt(this.pos);
      // space , \t \n \r \f
      if (c === 32 || c === 44 || c === 9 || c === 10 || c === 13 || c === 12) this.pos++;
      else if (c === 59 /* ; */) {
        while (this.pos < t.length && t.charCodeAt(this.pos) !== 10) this.pos++;
      } else break;
    }
  }

  /** True when only whitespace and comments are left. */
  atEnd(): boolean {
    this.skipWs();
    return this.pos >= this.text.length;
  }

  /** Reads one value. */
  read(): EdnValue {
    const t = this.text;
    const stack: Frame[] = [];
    const open = (kind: Frame['kind'], width: number): void => {
      if (stack.length >= this.maxDepth) this.fail(`nested deeper than ${this.maxDepth} levels`);
      stack.push({ kind, items: [], start: this.pos });
      this.pos += width;
    };
    for (;;) {
      this.skipWs();
      if (this.pos >= t.length) {
        const top = stack[stack.length - 1];
        if (!top) this.fail('unexpected end of input');
        if (top.kind === 'd') this.fail('#_ without a value', top.start);
        this.fail(`missing '${top.kind === 's' ? '}' : top.kind}' of the ${CLOSER[top.kind]} opened here`, top.start);
      }
      const c = t[this.pos]!;
      const at = this.pos;
      let value: EdnValue;
      let start = at;
      switch (c) {
        case '{':
          open('}', 1);
          continue;
        case '[':
          open(']', 1);
          continue;
        case '(':
          open(')', 1);
          continue;
        case '#':
          if (t[this.pos + 1] === '{') {
            open('s', 2);
            continue;
          }
          if (t[this.pos + 1] === '_') {
            open('d', 2);
            continue;
          }
          return this.fail('unsupported dispatch #');
        case '}':
        case ']':
        case ')': {
          const top = stack[stack.length - 1];
          const want = top?.kind === 's' ? '}' : top?.kind;
          if (!top || want !== c) this.fail(`unexpected '${c}'`);
          stack.pop();
          this.pos++;
          start = top.start;
          if (top.kind === '}') {
            if (top.items.length % 2 !== 0) this.fail('map key without a value', top.start);
            const m = new EdnMap();
            for (let i = 0; i < top.items.length; i += 2) {
              const key = top.items[i]!;
              m.entries.set(ednToString(key), { key, value: top.items[i + 1]! });
            }
            value = m;
          } else if (top.kind === 's') value = new EdnSet(top.items);
          else value = top.items;
          break;
        }
        case '"':
          value = this.readString();
          break;
        case ':':
          value = new Keyword(this.readToken(this.pos + 1, 'keyword'));
          break;
        case '\\':
          return this.fail('characters are not supported');
        default:
          value = this.readAtom();
      }
      // Deliver the value to the innermost open collection (a #_ swallows it).
      const top = stack[stack.length - 1];
      if (!top) {
        this.valueStart = start;
        return value;
      }
      if (top.kind === 'd') stack.pop();
      else top.items.push(value);
    }
  }

  readToken(start: number, what: string): string {
    const t = this.text;
    let i = start;
    while (i < t.length && !isWs(t[i]!) && !DELIMS.has(t[i]!)) {
      const c = t.charCodeAt(i);
      if (c < 0x20 || c === 0x7f || c === 0xfffd) {
        this.fail(`unexpected character U+${c.toString(16).toUpperCase().padStart(4, '0')}`, i);
      }
      i++;
    }
    if (i === start) this.fail(`empty ${what}`);
    this.pos = i;
    return t.slice(start, i);
  }

  readAtom(): EdnValue {
    const at = this.pos;
    const tok = this.readToken(this.pos, 'token');
    if (tok === 'nil') return null;
    if (tok === 'true') return true;
    if (tok === 'false') return false;
    if (/^[+-]?\d+N?$/.test(tok)) {
      const n = Number(tok.replace(/N$/, ''));
      return n;
    }
    if (/^[+-]?(\d+\.\d*|\d*\.\d+|\d+)([eE][+-]?\d+)?M?$/.test(tok)) return Number(tok.replace(/M$/, ''));
    if (/^[+-]?\d/.test(tok)) this.fail(`bad number '${tok.length > 40 ? tok.slice(0, 39) + '…' : tok}'`, at);
    return new EdnSymbol(tok);
  }

  readString(): string {
    const t = this.text;
    const start = this.pos;
    this.pos++; // opening quote
    let out = '';
    for (;;) {
      if (this.pos >= t.length) this.fail('unterminated string', start);
      const c = t[this.pos++]!;
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      if (this.pos >= t.length) this.fail('unterminated string', start);
      const e = t[this.pos++]!;
      switch (e) {
        case 'n':
          out += '\n';
          break;
        case 't':
          out += '\t';
          break;
        case 'r':
          out += '\r';
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case '"':
        case '\\':
        case '/':
          out += e;
          break;
        case 'u': {
          const hex = t.slice(this.pos, this.pos + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('bad \\u escape', this.pos - 2);
          out += String.fromCharCode(parseInt(hex, 16));
          this.pos += 4;
          break;
        }
        default:
          this.fail(`bad escape \\${e}`, this.pos - 2);
      }
    }
  }
}

/** Parses exactly one EDN value from `text` (surrounding whitespace allowed). */
export function parseEdn(text: string): EdnValue {
  const r = new EdnReader(text);
  const v = r.read();
  if (!r.atEnd()) r.fail('trailing characters after value');
  return v;
}

/** 1-based line and column of `offset` in `text`, given the sorted offsets of its line starts. */
export function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

export function lineOf(starts: number[], offset: number): { line: number; column: number } {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return { line: lo + 1, column: offset - starts[lo]! + 1 };
}
