import fs from 'node:fs';
import { judgeHead } from './file-head.js';
import { ImportError } from './import-errors.js';
import { DEFAULT_READ_LIMITS, type SheetFileType } from './sheet-reader.js';
import { isWorkbookPackage } from './workbook-layout.js';
import { InflateBudget, openZip } from './zip-archive.js';

const HEAD_BYTES = 64 * 1024;

/**
 * What the file is, by its bytes rather than its name (judgeHead): a zip whose package
 * relationships name a workbook part (isWorkbookPackage, the reader's own rule) is xlsx, text is csv, anything else is refused with UNSUPPORTED_FILE_TYPE
 * saying what it is (or EMPTY_FILE, or CORRUPT_FILE for a zip too damaged to list).
 */
export async function detectFileType(filePath: string): Promise<SheetFileType> {
  const head = await readHead(filePath);
  if (head.length === 0) throw new ImportError('EMPTY_FILE', 'The file is empty.');
  const verdict = judgeHead(head);
  if (verdict.kind === 'refused') return unsupported(verdict.what, verdict.advice);
  if (verdict.kind === 'zip') {
    const other = await otherZipKind(filePath);
    if (other !== undefined) return unsupported(other.what, other.advice);
    return 'xlsx';
  }
  return 'csv';
}

/** Zip-based files that are not an .xlsx, by the parts they hold; undefined for a workbook. */
const OTHER_ZIPS: readonly { part: string; what: string; advice: string }[] = [
  { part: 'xl/workbook.bin', what: 'an Excel binary workbook (.xlsb)', advice: 'In Excel, save it as "Excel Workbook (.xlsx)" or "CSV UTF-8".' },
  { part: 'content.xml', what: 'an OpenDocument spreadsheet (.ods)', advice: 'In LibreOffice, save it as "Excel 2007-365 (.xlsx)" or as CSV.' },
  { part: 'Index/Document.iwa', what: 'an Apple Numbers document', advice: 'In Numbers, export it to Excel (.xlsx) or CSV.' },
];

async function otherZipKind(filePath: string): Promise<{ what: string; advice?: string } | undefined> {
  const zip = await openZip(filePath);
  try {
    if (await isWorkbookPackage(zip, new InflateBudget(DEFAULT_READ_LIMITS))) return undefined;
    return OTHER_ZIPS.find(({ part }) => zip.find(part) !== undefined) ?? { what: 'a zip archive that is not an .xlsx workbook' };
  } finally {
    zip.close();
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

function unsupported(what: string, advice?: string): never {
  throw new ImportError('UNSUPPORTED_FILE_TYPE', `The file is ${what}. ${advice ?? 'Upload an .xlsx workbook or a CSV file.'}`, { detected: what });
}
