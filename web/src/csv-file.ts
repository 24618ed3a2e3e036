import { buildColumns, detectPhoneColumn } from '../../src/core/columns.js';
import { textEncodingOf } from '../../src/import/text-encoding.js';
import { declaredDelimiter, sniffDelimiter } from '../../src/import/csv-sniff.js';

// What the console reads of a CSV before uploading it: about how many rows (for progress bars and
// estimates) and, for a new blast, the variables its header row gives. The server imports the file;
// these use its own rules (column keys, delimiter sniffing: bundled from src/), so `{first_name}`
// here is `{first_name}` there.

export interface FileColumn {
  header: string;
  key: string;
}

/** Splits one CSV line on `delimiter`, honouring double quotes ("a, b" and "" inside). */
function splitCsvLine(line: string, delimiter: string): string[] {
  const cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const char = line.charAt(i);
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"') quoted = true;
    else if (char === delimiter) {
      cells.push(cell);
      cell = '';
    } else cell += char;
  }
  cells.push(cell);
  return cells.map((value) => value.trim());
}

/** What the file pickers offer: workbooks, CSV, and tab-separated text (Excel's "Unicode Text" is a .txt). */
export const SHEET_ACCEPT = '.xlsx,.csv,.tsv,.txt,text/csv,text/tab-separated-values,text/plain,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/** The variables a CSV's header row gives (the phone column is {phone}); undefined for other files. */
export async function csvFileColumns(file: File): Promise<FileColumn[] | undefined> {
  if (!/\.(csv|txt|tsv)$/i.test(file.name)) return undefined;
  const bytes = new Uint8Array(await file.slice(0, 65_536).arrayBuffer());
  // As the importer reads it: UTF-8, or UTF-16 with a byte order mark (which the decoder drops).
  const head = new TextDecoder(textEncodingOf(bytes)).decode(bytes);
  // As the importer reads it: a "sep=;" first line names the delimiter and is not the header.
  const declared = declaredDelimiter(head);
  const lines = head.split(/\r\n|\r|\n/);
  const line = (declared === undefined ? lines : lines.slice(1)).find((candidate) => candidate.trim() !== '');
  if (line === undefined) return undefined;
  const headers = splitCsvLine(line, declared ?? sniffDelimiter(head));
  const phone = detectPhoneColumn(headers);
  return buildColumns(headers)
    .filter((column) => !('index' in phone) || column.index !== phone.index)
    .filter((column) => column.header !== '')
    .map(({ header, key }) => ({ header, key }));
}

const CSV_COUNT_MAX_BYTES = 64 * 1024 * 1024;

/** Data rows of a CSV (lines after the header; quoted newlines make it an estimate), or undefined for anything else. */
export async function estimateCsvRows(file: File): Promise<number | undefined> {
  const looksCsv = /\.(csv|txt|tsv)$/i.test(file.name) || file.type === 'text/csv';
  if (!looksCsv || file.size > CSV_COUNT_MAX_BYTES || file.size === 0) return undefined;
  const bytes = new Uint8Array(await file.arrayBuffer());
  let lines = 0;
  for (const byte of bytes) if (byte === 10) lines += 1;
  // The last character, in UTF-16 LE too (a line feed there is 0x0A 0x00).
  const last = bytes[bytes.length - 1] === 0 ? bytes[bytes.length - 2] : bytes[bytes.length - 1];
  if (last !== 10) lines += 1;
  return Math.max(0, lines - 1);
}
