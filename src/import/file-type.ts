import fs from 'node:fs';
import { ImportError } from './import-errors.js';
import type { SheetFileType } from './sheet-reader.js';
import { strictDecoder, textEncodingOf } from './text-encoding.js';
import { openZip } from './zip-archive.js';

const HEAD_BYTES = 64 * 1024;

/** Signatures of files people upload by mistake, refused with a message that says what they are. */
const REFUSED: readonly { magic: Buffer; what: string }[] = [
  // An OLE compound file: a legacy .xls, or an .xlsx protected with a password.
  { magic: Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]), what: 'an old .xls workbook or a password-protected one; save it as .xlsx or CSV without a password' },
  { magic: Buffer.from('%PDF-'), what: 'a PDF document' },
  { magic: Buffer.from([0x89, 0x50, 0x4e, 0x47]), what: 'a PNG image' },
  { magic: Buffer.from([0xff, 0xd8, 0xff]), what: 'a JPEG image' },
  { magic: Buffer.from('GIF8'), what: 'a GIF image' },
  { magic: Buffer.from([0x1f, 0x8b]), what: 'a gzip archive' },
];
const ZIP = Buffer.from([0x50, 0x4b, 0x03, 0x04]);

/**
 * What the file is, by its bytes rather than its name: a zip holding `xl/workbook.xml` is xlsx,
 * UTF-8 text (or UTF-16 with a byte order mark) is csv, anything else is refused with UNSUPPORTED_FILE_TYPE (or EMPTY_FILE, or
 * CORRUPT_FILE for a zip too damaged to list).
 */
export async function detectFileType(filePath: string): Promise<SheetFileType> {
  const head = await readHead(filePath);
  if (head.length === 0) throw new ImportError('EMPTY_FILE', 'The file is empty.');
  if (startsWith(head, ZIP)) return (await isWorkbookZip(filePath)) ? 'xlsx' : unsupported('a zip archive that is not an .xlsx workbook');
  const refused = REFUSED.find(({ magic }) => startsWith(head, magic));
  if (refused) return unsupported(refused.what);
  const text = decodedHead(head);
  if (text === undefined || text.includes('\0')) {
    return head.includes(0) || !looksLikeText(head)
      ? unsupported('not a spreadsheet (binary data)')
      : unsupported('text in a legacy encoding, not UTF-8', 'In Excel, save it as "CSV UTF-8 (Comma delimited)", or upload the .xlsx workbook.');
  }
  return 'csv';
}

async function isWorkbookZip(filePath: string): Promise<boolean> {
  const zip = await openZip(filePath);
  try {
    return zip.find('xl/workbook.xml') !== undefined;
  } finally {
    zip.close();
  }
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

async function readHead(filePath: string): Promise<Buffer> {
  const handle = await fs.promises.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, HEAD_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

function startsWith(head: Buffer, magic: Buffer): boolean {
  return head.length >= magic.length && head.subarray(0, magic.length).equals(magic);
}

function unsupported(what: string, advice = 'Upload an .xlsx workbook or a CSV file.'): never {
  throw new ImportError('UNSUPPORTED_FILE_TYPE', `The file is ${what}. ${advice}`, { detected: what });
}
