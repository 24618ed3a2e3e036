import { isAscii } from 'node:buffer';
import { cellTooLarge } from './row-gate.js';
import { corruptFile, isImportError } from './import-errors.js';
import type { ZipArchive, InflateBudget } from './zip-archive.js';
import type { Entry } from 'yauzl';

/** Element names arrive without their prefix (`x:c` → `c`): some writers prefix everything. */
export interface XmlHandlers {
  /** `attributes` is only valid during the call: it is reused for the next element. */
  open(name: string, attributes: XmlAttributes): void;
  close(name: string): void;
  text(text: string): void;
}

/** The attributes of the element being opened, read on demand (most are never asked for). */
export interface XmlAttributes {
  /** The value of the attribute with exactly this name (prefix included), entities decoded. */
  get(name: string): string | undefined;
  /** Every attribute by name, for the rare element whose attribute names are not known in advance. */
  all(): Record<string, string>;
}

/** Thrown by the tokenizer for anything that is not well-formed XML; reported as CORRUPT_FILE. */
class MalformedXml extends Error {}

/**
 * A streaming XML tokenizer fed decoded text, for the parts of a workbook: elements, attributes,
 * text, CDATA, comments and processing instructions, with the five predefined entities and
 * character references. It checks what a damaged or hostile part gets wrong: tags that do not
 * match or are left open, text outside the root, a second root, unknown entities (no DTD, so no
 * entity expansion at all), bytes that are not UTF-8. It is several times quicker than a
 * general-purpose SAX parser on sheet XML, which is nearly all the work of reading a workbook.
 *
 * Text is handed on as it arrives, possibly in several pieces; a token that cannot be handed on
 * in pieces (a tag, a CDATA section, a comment) is held until it is complete. Either way the feed
 * refuses once more than `maxTokenChars` characters pass without a tag, so a crafted part with
 * one enormous token cannot grow memory without bound.
 */
export class XmlFeed {
  /** BOM kept by the decoder: it is dropped here, once, at the very start of the part (see decode). */
  private readonly decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  private atStart = true;
  private pending = '';
  /** The names of the open elements, as written and without their prefix. */
  private readonly open: string[] = [];
  private readonly openLocal: string[] = [];
  private seenRoot = false;
  private sinceTag = 0;
  private readonly attributes = new TagAttributes();

  constructor(
    private readonly part: string,
    private readonly handlers: XmlHandlers,
    private readonly maxTokenChars: number,
  ) {}

  write(bytes: Buffer): void {
    const text = this.guard(() => this.decode(bytes));
    if (text !== '') {
      this.guard(() => {
        this.scan(text, false);
      });
    }
  }

  end(): void {
    const text = this.guard(() => this.afterStart(this.decoder.decode()));
    this.guard(() => {
      this.scan(text, true);
      if (this.open.length > 0) throw new MalformedXml(`unclosed element <${this.open[this.open.length - 1] ?? ''}>`);
      if (!this.seenRoot) throw new MalformedXml('no root element');
    });
  }

  /**
   * UTF-8 to text. A chunk of plain ASCII (nearly every chunk of sheet XML) is UTF-8 as it stands
   * and is converted directly, several times quicker than through the decoder; the decoder is
   * flushed first, which refuses a multi-byte sequence cut at the end of the previous chunk (ASCII
   * cannot continue it) and otherwise adds nothing.
   */
  private decode(bytes: Buffer): string {
    if (isAscii(bytes)) return this.afterStart(this.decoder.decode() + bytes.toString('latin1'));
    return this.afterStart(this.decoder.decode(bytes, { stream: true }));
  }

  /** Drops a byte order mark at the very start of the part, as TextDecoder does by default (but not after a flush). */
  private afterStart(text: string): string {
    if (!this.atStart || text === '') return text;
    this.atStart = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }

  private scan(text: string, final: boolean): void {
    const s = this.pending === '' ? text : this.pending + text;
    const n = s.length;
    let i = 0;
    for (;;) {
      const lt = s.indexOf('<', i);
      if (lt === -1) {
        let end = n;
        // An entity reference cut by the chunk boundary waits for the rest.
        const amp = final ? -1 : s.lastIndexOf('&');
        if (amp >= i && s.indexOf(';', amp) === -1) end = amp;
        // So does a CR that may be the first half of a CRLF (one line end, see lineEnds).
        else if (!final && end > i && s.charCodeAt(end - 1) === CR) end -= 1;
        if (end > i) this.text(s, i, end);
        i = end;
        break;
      }
      if (lt > i) this.text(s, i, lt);
      const next = this.markup(s, lt);
      if (next < 0) {
        i = lt;
        break;
      }
      i = next;
    }
    this.pending = i < n ? s.slice(i) : '';
    if (this.pending.length > this.maxTokenChars) throw cellTooLarge(undefined, undefined, this.maxTokenChars);
    if (final && this.pending !== '') throw new MalformedXml('the part ends inside a tag');
  }

  private text(s: string, start: number, end: number): void {
    this.sinceTag += end - start;
    if (this.sinceTag > this.maxTokenChars) throw cellTooLarge(undefined, undefined, this.maxTokenChars);
    if (this.open.length === 0) {
      for (let i = start; i < end; i += 1) {
        if (!isSpace(s.charCodeAt(i))) throw new MalformedXml('text outside the root element');
      }
      return;
    }
    const raw = lineEnds(s.slice(start, end));
    this.handlers.text(raw.includes('&') ? decodeEntities(raw) : raw);
  }

  /** Handles the markup starting at `lt`; returns where it ends, or -1 when it is not complete yet. */
  private markup(s: string, lt: number): number {
    const next = s.charCodeAt(lt + 1);
    if (Number.isNaN(next)) return -1;
    if (next === SLASH) return this.endTag(s, lt);
    if (next === QUESTION) {
      const end = s.indexOf('?>', lt + 2);
      return end === -1 ? -1 : end + 2;
    }
    if (next === BANG) return this.special(s, lt);
    return this.startTag(s, lt);
  }

  private endTag(s: string, lt: number): number {
    const gt = s.indexOf('>', lt + 2);
    if (gt === -1) return -1;
    const depth = this.open.length - 1;
    const expected = this.open[depth];
    // Compared in place: the common `</c>` costs no new string.
    let end = lt + 2 + (expected?.length ?? 0);
    if (expected === undefined || end > gt || !s.startsWith(expected, lt + 2)) throw this.mismatch(s.slice(lt + 2, gt).trimEnd(), expected);
    while (end < gt && isSpace(s.charCodeAt(end))) end += 1;
    if (end !== gt) throw this.mismatch(s.slice(lt + 2, gt).trimEnd(), expected);
    // pop(), not `length = depth`: setting an array's length is a slow runtime call in V8.
    this.open.pop();
    const local = this.openLocal.pop() ?? expected;
    this.sinceTag = 0;
    this.handlers.close(local);
    return gt + 1;
  }

  private mismatch(name: string, expected: string | undefined): MalformedXml {
    return new MalformedXml(expected === undefined ? `</${name}> closes nothing` : `</${name}> closes <${expected}>`);
  }

  /** Comments and CDATA; a DOCTYPE (never in a workbook; the door to entity bombs) is refused. */
  private special(s: string, lt: number): number {
    if (s.startsWith('<!--', lt)) {
      const end = s.indexOf('-->', lt + 4);
      return end === -1 ? -1 : end + 3;
    }
    if (s.startsWith('<![CDATA[', lt)) {
      const end = s.indexOf(']]>', lt + 9);
      if (end === -1) return -1;
      if (this.open.length === 0) throw new MalformedXml('CDATA outside the root element');
      this.sinceTag += end - lt - 9;
      if (this.sinceTag > this.maxTokenChars) throw cellTooLarge(undefined, undefined, this.maxTokenChars);
      this.handlers.text(lineEnds(s.slice(lt + 9, end)));
      return end + 3;
    }
    const have = s.slice(lt, lt + 9);
    if (have.length < 9 && ('<![CDATA['.startsWith(have) || '<!--'.startsWith(have))) return -1;
    throw new MalformedXml('unsupported markup (a DTD or a damaged tag)');
  }

  private startTag(s: string, lt: number): number {
    const n = s.length;
    let i = lt + 1;
    while (i < n && !endsName(s.charCodeAt(i))) i += 1;
    if (i >= n) return -1;
    const name = s.slice(lt + 1, i);
    if (name === '' || !isNameStart(name.charCodeAt(0))) throw new MalformedXml('a tag without a name');
    const attributes = this.attributes.reset(s);
    for (;;) {
      while (i < n && isSpace(s.charCodeAt(i))) i += 1;
      if (i >= n) return -1;
      const ch = s.charCodeAt(i);
      if (ch === GT) {
        this.element(name, false);
        return i + 1;
      }
      if (ch === SLASH) {
        if (i + 1 >= n) return -1;
        if (s.charCodeAt(i + 1) !== GT) throw new MalformedXml(`a stray / in <${name}>`);
        this.element(name, true);
        return i + 2;
      }
      const nameStart = i;
      while (i < n && !endsName(s.charCodeAt(i)) && s.charCodeAt(i) !== EQUALS) i += 1;
      if (i >= n) return -1;
      const nameEnd = i;
      if (nameEnd === nameStart || !isNameStart(s.charCodeAt(nameStart))) throw new MalformedXml(`a damaged attribute in <${name}>`);
      while (i < n && isSpace(s.charCodeAt(i))) i += 1;
      if (i >= n) return -1;
      if (s.charCodeAt(i) !== EQUALS) throw new MalformedXml(`an attribute of <${name}> has no value`);
      i += 1;
      while (i < n && isSpace(s.charCodeAt(i))) i += 1;
      if (i >= n) return -1;
      const quote = s.charCodeAt(i);
      if (quote !== QUOTE && quote !== APOSTROPHE) throw new MalformedXml(`an attribute of <${name}> is not quoted`);
      // One pass finds the closing quote and whether the value needs more than slicing.
      let plain = true;
      let j = i + 1;
      for (; j < n; j += 1) {
        const c = s.charCodeAt(j);
        if (c === quote) break;
        if (c === LT) throw new MalformedXml(`< inside an attribute value of <${name}>`);
        if (c === AMP || c === TAB || c === LF || c === CR) plain = false;
      }
      if (j >= n) return -1;
      // Decoded at once when it must be, so that a bad entity is refused even if nobody reads it.
      attributes.add(nameStart, nameEnd, i + 1, j, plain ? undefined : attributeValue(s.slice(i + 1, j)));
      i = j + 1;
      const after = s.charCodeAt(i);
      if (i < n && !isSpace(after) && after !== GT && after !== SLASH) throw new MalformedXml(`no space between attributes of <${name}>`);
    }
  }

  private element(name: string, selfClosing: boolean): void {
    if (this.open.length === 0) {
      if (this.seenRoot) throw new MalformedXml('a second root element');
      this.seenRoot = true;
    }
    this.sinceTag = 0;
    const local = localName(name);
    this.handlers.open(local, this.attributes);
    if (selfClosing) {
      this.handlers.close(local);
    } else {
      this.open.push(name);
      this.openLocal.push(local);
    }
  }

  /** Not well-formed XML and undecodable bytes mean a damaged part; our own ImportErrors and bugs pass through. */
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (isImportError(error)) throw error;
      if (error instanceof MalformedXml || (error instanceof Error && isDecodeError(error))) throw corruptFile(this.part, error);
      throw error;
    }
  }
}

const TAB = 9;
const AMP = 38;
const LF = 10;
const CR = 13;
const SPACE = 32;
const BANG = 33;
const QUOTE = 34;
const APOSTROPHE = 39;
const SLASH = 47;
const LT = 60;
const EQUALS = 61;
const GT = 62;
const QUESTION = 63;

function isSpace(code: number): boolean {
  return code === SPACE || code === LF || code === TAB || code === CR;
}

function endsName(code: number): boolean {
  return code === SPACE || code === GT || code === SLASH || code === LF || code === TAB || code === CR || code === LT;
}

/** Letters (any script), `_` and `:`; not digits, punctuation or markup. */
function isNameStart(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 || code === 58 || code >= 0xc0;
}

/**
 * End-of-line handling (XML 1.0 §2.11): a CRLF or a lone CR in the text reads as one LF, as Excel
 * and LibreOffice read it. Done before character references are decoded, so a CR the file asks
 * for (`&#13;`; `_x000D_` in OOXML, decoded later) stays a CR.
 */
function lineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

function attributeValue(raw: string): string {
  // Attribute-value normalisation: a literal tab or line break reads as a space.
  const value = /[\t\n\r]/.test(raw) ? raw.replace(/\r\n|[\t\n\r]/g, ' ') : raw;
  return value.includes('&') ? decodeEntities(value) : value;
}

/** Where the attributes of the current tag are in the text: no object per element, no slicing until asked. */
class TagAttributes implements XmlAttributes {
  private source = '';
  /** nameStart, nameEnd, valueStart, valueEnd for each attribute. */
  private readonly spans: number[] = [];
  /** The decoded value, for the values that were not plain text. */
  private readonly decoded: (string | undefined)[] = [];
  private count = 0;

  reset(source: string): this {
    this.source = source;
    this.count = 0;
    return this;
  }

  add(nameStart: number, nameEnd: number, valueStart: number, valueEnd: number, decoded: string | undefined): void {
    const at = this.count * 4;
    this.spans[at] = nameStart;
    this.spans[at + 1] = nameEnd;
    this.spans[at + 2] = valueStart;
    this.spans[at + 3] = valueEnd;
    this.decoded[this.count] = decoded;
    this.count += 1;
  }

  get(name: string): string | undefined {
    const spans = this.spans;
    for (let k = 0; k < this.count; k += 1) {
      const start = spans[k * 4] ?? 0;
      if ((spans[k * 4 + 1] ?? 0) - start === name.length && this.source.startsWith(name, start)) return this.value(k);
    }
    return undefined;
  }

  all(): Record<string, string> {
    const all: Record<string, string> = {};
    for (let k = 0; k < this.count; k += 1) all[this.source.slice(this.spans[k * 4], this.spans[k * 4 + 1])] = this.value(k);
    return all;
  }

  private value(k: number): string {
    return this.decoded[k] ?? this.source.slice(this.spans[k * 4 + 2], this.spans[k * 4 + 3]);
  }
}

const NAMED: Readonly<Record<string, string>> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** The predefined entities and character references; anything else is not well-formed here. */
export function decodeEntities(text: string): string {
  let out = '';
  let last = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', last)) {
    const semi = text.indexOf(';', amp + 1);
    if (semi === -1 || semi - amp > 10) throw new MalformedXml('a bare & or a damaged entity reference');
    out += text.slice(last, amp) + entity(text.slice(amp + 1, semi));
    last = semi + 1;
  }
  return out + text.slice(last);
}

function entity(name: string): string {
  const named = Object.hasOwn(NAMED, name) ? NAMED[name] : undefined;
  if (named !== undefined) return named;
  const match = /^#(?:x([0-9a-fA-F]{1,6})|([0-9]{1,7}))$/.exec(name);
  if (!match) throw new MalformedXml(`the entity &${name}; is not defined`);
  const code = match[1] === undefined ? Number(match[2]) : parseInt(match[1], 16);
  const allowed = code === TAB || code === LF || code === CR || (code >= 0x20 && code <= 0xd7ff) || (code >= 0xe000 && code <= 0xfffd) || (code >= 0x10000 && code <= 0x10ffff);
  if (!allowed) throw new MalformedXml(`&${name}; is not a character XML allows`);
  return String.fromCodePoint(code);
}

function isDecodeError(error: Error): boolean {
  return 'code' in error && error.code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Streams one whole part through handlers: for the small parts read before the sheet. */
export async function parsePart(
  zip: ZipArchive,
  entry: Entry,
  budget: InflateBudget,
  handlers: XmlHandlers,
  options: { maxTokenChars: number; maxBytes?: number },
): Promise<void> {
  const feed = new XmlFeed(entry.fileName, handlers, options.maxTokenChars);
  for await (const chunk of zip.inflate(entry, budget, options.maxBytes)) feed.write(chunk);
  feed.end();
}
