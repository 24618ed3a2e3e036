import fs from 'node:fs';
import { ImportError } from './import-errors.js';
import type { SheetFileType } from './sheet-reader.js';
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
 * UTF-8 text is csv, anything else is refused with UNSUPPORTED_FILE_TYPE (or EMPTY_FILE, or
 * CORRUPT_FILE for a zip too damaged to list).
 */
export async function detectFileType(filePath: string): Promise<SheetFileType> {
  const head = await readHead(filePath);
  if (head.length === 0) throw new ImportError('EMPTY_FILE', 'The file is empty.');
  if (startsWith(head, ZIP)) return (await isWorkbookZip(filePath)) ? 'xlsx' : unsupported('a zip archive that is not an .xlsx workbook');
  const refused = REFUSED.find(({ magic }) => startsWith(head, magic));
  if (refused) return unsupported(refused.what);
  if (!isUtf8Text(head)) return unsupported('not a spreadsheet (binary data, or text that is not UTF-8)');
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

function isUtf8Text(head: Buffer): boolean {
  if (head.includes(0)) return false;
  try {
    // stream: true leaves a character cut at the end of the sample pending instead of failing.
    new TextDecoder('utf-8', { fatal: true }).decode(head, { stream: true });
    return true;
  } catch {
    return false;
  }
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

function unsupported(what: string): never {
  throw new ImportError('UNSUPPORTED_FILE_TYPE', `The file is ${what}. Upload an .xlsx workbook or a CSV file.`, { detected: what });
}
