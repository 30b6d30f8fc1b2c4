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
    message: string,
    readonly offset: number,
  ) {
    super(message);
    this.name = 'EdnParseError';
  }
}

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

const DELIMS = new Set(['{', '}', '[', ']', '(', ')', '"', ';', ',']);

function isWs(c: string): boolean {
  return c === ' ' || c === ',' || c === '\t' || c === '\n' || c === '\r' || c === '\f';
}

class Reader {
  pos = 0;
  constructor(readonly text: string) {}

  fail(msg: string, at = this.pos): never {
    throw new EdnParseError(`${msg} at column ${at + 1}`, at);
  }

  skipWs(): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (isWs(c)) this.pos++;
      else if (c === ';') {
        while (this.pos < t.length && t[this.pos] !== '\n') this.pos++;
      } else break;
    }
  }

  read(): EdnValue {
    this.skipWs();
    const t = this.text;
    if (this.pos >= t.length) this.fail('unexpected end of input');
    const c = t[this.pos]!;
    switch (c) {
      case '{':
        return this.readMap();
      case '[':
        this.pos++;
        return this.readSeq(']');
      case '(':
        this.pos++;
        return this.readSeq(')');
      case '"':
        return this.readString();
      case ':':
        return new Keyword(this.readToken(this.pos + 1, 'keyword'));
      case '#':
        if (t[this.pos + 1] === '{') {
          this.pos += 2;
          return new EdnSet(this.readSeq('}'));
        }
        if (t[this.pos + 1] === '_') {
          this.pos += 2;
          this.read(); // discard
          return this.read();
        }
        return this.fail('unsupported dispatch #');
      case '}':
      case ']':
      case ')':
        return this.fail(`unexpected '${c}'`);
      case '\\':
        return this.fail('characters are not supported');
      default:
        return this.readAtom();
    }
  }

  readToken(start: number, what: string): string {
    const t = this.text;
    let i = start;
    while (i < t.length && !isWs(t[i]!) && !DELIMS.has(t[i]!)) i++;
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
    if (/^[+-]?\d/.test(tok)) this.fail(`bad number '${tok}'`, at);
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

  readSeq(close: string): EdnValue[] {
    const items: EdnValue[] = [];
    for (;;) {
      this.skipWs();
      if (this.pos >= this.text.length) this.fail(`missing '${close}'`);
      if (this.text[this.pos] === close) {
        this.pos++;
        return items;
      }
      items.push(this.read());
    }
  }

  readMap(): EdnMap {
    const start = this.pos;
    this.pos++;
    const m = new EdnMap();
    for (;;) {
      this.skipWs();
      if (this.pos >= this.text.length) this.fail("missing '}'", start);
      if (this.text[this.pos] === '}') {
        this.pos++;
        return m;
      }
      const key = this.read();
      this.skipWs();
      if (this.pos >= this.text.length || this.text[this.pos] === '}') this.fail('map key without a value');
      const value = this.read();
      m.entries.set(ednToString(key), { key, value });
    }
  }
}

/** Parses exactly one EDN value from `text` (surrounding whitespace allowed). */
export function parseEdn(text: string): EdnValue {
  const r = new Reader(text);
  const v = r.read();
  r.skipWs();
  if (r.pos < text.length) r.fail('trailing characters after value');
  return v;
}
