import { strictDecoder, textEncodingOf } from './text-encoding.js';

/** What the first bytes of an upload say it is, before anything opens it. */
export type HeadVerdict =
  | { kind: 'zip' }
  | { kind: 'text' }
  /** otherEncoding: no known file, so possibly text in an encoding the upload names (UTF-16 without its mark has NULs). */
  | { kind: 'refused'; what: string; advice?: string; otherEncoding?: true };

/** Signatures of files people upload by mistake, refused with a message that says what they are. */
const REFUSED: readonly { magic: Buffer; what: string; advice?: string }[] = [
  // An OLE compound file: a legacy .xls, or an .xlsx protected with a password.
  {
    magic: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]),
    what: 'an old .xls workbook or a password-protected one',
    advice: 'Save it as .xlsx or CSV UTF-8, without a password.',
  },
  { magic: Buffer.from('%PDF-'), what: 'a PDF document' },
  { magic: Buffer.from([0x89, 0x50, 0x4e, 0x47]), what: 'a PNG image' },
  { magic: Buffer.from([0xff, 0xd8, 0xff]), what: 'a JPEG image' },
  { magic: Buffer.from('GIF8'), what: 'a GIF image' },
  { magic: Buffer.from([0x1f, 0x8b]), what: 'a gzip archive' },
];
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/** What to do about a CSV in a legacy code page: re-save it, or say which code page it is. */
export const LEGACY_TEXT_ADVICE =
  'In Excel, save it as "CSV UTF-8 (Comma delimited)", or upload the .xlsx workbook, or name its encoding in the upload\'s encoding field (a WHATWG label such as windows-1252, iso-8859-15 or shift_jis).';

/**
 * Judges a file by its first bytes (up to 64 KB; a character cut at the end is fine): a zip (an
 * xlsx, or another zip the reader will name), text in UTF-8 or in UTF-16 with its byte order mark
 * (a CSV), or something refused: a known wrong file, binary data, or text in a legacy code page,
 * which is never guessed at (see textEncodingOf). The api and the importer both judge by it.
 */
export function judgeHead(head: Buffer): HeadVerdict {
  if (startsWith(head, ZIP)) return { kind: 'zip' };
  const refused = REFUSED.find(({ magic }) => startsWith(head, magic));
  if (refused) return { kind: 'refused', what: refused.what, ...(refused.advice === undefined ? {} : { advice: refused.advice }) };
  const text = decodedHead(head);
  if (text !== undefined && !text.includes('\0')) return { kind: 'text' };
  if (head.includes(0) || !looksLikeText(head)) return { kind: 'refused', what: 'not a spreadsheet (binary data)', otherEncoding: true };
  return { kind: 'refused', what: 'text in a legacy encoding, not UTF-8', advice: LEGACY_TEXT_ADVICE, otherEncoding: true };
}

/** The sample as text in its encoding (UTF-8, or UTF-16 with a byte order mark); undefined when it is not valid in it. */
function decodedHead(head: Buffer): string | undefined {
  try {
    // stream: true leaves a character cut at the end of the sample pending instead of failing.
    return strictDecoder(textEncodingOf(head)).decode(head, { stream: true });
  } catch {
    return undefined;
  }
}

/** Bytes that are text in some 8-bit code page: no control characters but tab, line ends, form feed and DOS's end-of-file mark. */
function looksLikeText(head: Buffer): boolean {
  for (const byte of head) {
    if ((byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0d && byte !== 0x0c && byte !== 0x1a) || byte === 0x7f) return false;
  }
  return true;
}

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}
