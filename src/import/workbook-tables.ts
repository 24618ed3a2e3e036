import type { Entry } from 'yauzl';
import { decodeEscapes } from './cell-values.js';
import { dateStyle, type DateStyle } from './number-formats.js';
import { SharedStrings } from './shared-strings.js';
import type { ReadLimits } from './sheet-reader.js';
import { parsePart, type XmlHandlers } from './xml-stream.js';
import type { InflateBudget, ZipArchive } from './zip-archive.js';

/**
 * The shared strings table, held whole (packed: SharedStrings) because cells point into it at
 * random. Its inflated size is capped by `maxSharedStringsBytes`, which also bounds the strings
 * kept (each is shorter than its XML).
 */
export async function readSharedStrings(zip: ZipArchive, entry: Entry, budget: InflateBudget, limits: ReadLimits): Promise<SharedStrings> {
  const strings = new SharedStrings();
  let current: string[] | undefined;
  let inText = false;
  // Phonetic guides (<rPh>) hold furigana for Japanese text: not part of the value.
  let phoneticDepth = 0;
  const handlers: XmlHandlers = {
    open(name) {
      if (name === 'si') current = [];
      else if (name === 'rPh') phoneticDepth += 1;
      else if (name === 't' && current && phoneticDepth === 0) inText = true;
    },
    close(name) {
      if (name === 't') inText = false;
      else if (name === 'rPh') phoneticDepth -= 1;
      else if (name === 'si' && current) {
        strings.add(decodeEscapes(current.join('')));
        current = undefined;
      }
    },
    text(text) {
      if (inText) current?.push(text);
    },
  };
  await parsePart(zip, entry, budget, handlers, { maxTokenChars: maxTokenChars(limits), maxBytes: limits.maxSharedStringsBytes });
  return strings;
}

/**
 * For each cell format (the `s` index of a cell), whether its number format shows a date or a
 * duration (elapsed time), or neither.
 * Only `cellXfs` counts: `cellStyleXfs` holds named styles that cells never point at directly.
 */
export async function readDateStyles(zip: ZipArchive, entry: Entry, budget: InflateBudget, limits: ReadLimits): Promise<DateStyle[]> {
  const customCodes = new Map<number, string>();
  const formatIds: number[] = [];
  let inCellXfs = false;
  const handlers: XmlHandlers = {
    open(name, attributes) {
      const numFmtId = attributes.get('numFmtId');
      const formatCode = attributes.get('formatCode');
      // Excel writes codes of at most 255 characters; a longer one is no format Excel made, read as General.
      if (name === 'numFmt' && numFmtId !== undefined && formatCode !== undefined && formatCode.length <= MAX_FORMAT_CODE_CHARS) {
        customCodes.set(Number(numFmtId), formatCode);
      } else if (name === 'cellXfs') inCellXfs = true;
      else if (name === 'xf' && inCellXfs) formatIds.push(Number(numFmtId ?? '0'));
    },
    close(name) {
      if (name === 'cellXfs') inCellXfs = false;
    },
    text: () => undefined,
  };
  await parsePart(zip, entry, budget, handlers, { maxTokenChars: maxTokenChars(limits) });
  // Each distinct format once, however many cell styles share it (a file may hold thousands).
  const styles = new Map<number, DateStyle>();
  return formatIds.map((id) => {
    if (!styles.has(id)) styles.set(id, dateStyle(id, customCodes));
    return styles.get(id);
  });
}

/** The longest number format code Excel writes (its own limit). */
export const MAX_FORMAT_CODE_CHARS = 255;

/** Room for the longest legal cell even when every character is written as an entity. */
export function maxTokenChars(limits: ReadLimits): number {
  return Math.max(1024 * 1024, limits.maxCellChars * 8);
}
