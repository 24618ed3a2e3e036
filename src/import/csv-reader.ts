import fs from 'node:fs';
import { Readable, pipeline } from 'node:stream';
import { CsvError, parse } from 'csv-parse';
import { declaredDelimiter, sniffDelimiter } from './csv-sniff.js';
import { LEGACY_TEXT_ADVICE } from './file-head.js';
import { ImportError, isImportError, isSystemError } from './import-errors.js';
import { cellTooLarge, RowGate } from './row-gate.js';
import { resolveLimits, type ReadLimits, type SheetRow } from './sheet-reader.js';
import { strictDecoder, textEncodingOf, type TextEncoding } from './text-encoding.js';

const SNIFF_BYTES = 64 * 1024;

/**
 * Streams the records of a UTF-8 CSV file, or a UTF-16 one with its byte order mark (delimiter
 * sniffed or named by a `sep=` first line, BOM dropped, quoted fields with line breaks and
 * doubled quotes, CRLF, LF or CR line ends in any mix, rows of any length). Text that is not valid in its encoding is refused rather than decoded with replacement
 * characters, so a name never comes out garbled: the user is told to save as "CSV UTF-8".
 */
export async function* readCsvRows(filePath: string, limits: Partial<ReadLimits> = {}): AsyncGenerator<SheetRow, void, undefined> {
  for await (const batch of readCsvBatches(filePath, limits)) yield* batch;
}

const CSV_BATCH_ROWS = 1_000;

/** readCsvRows up to a thousand rows at a time, for a consumer that would rather not await each row. */
export async function* readCsvBatches(filePath: string, limits: Partial<ReadLimits> = {}): AsyncGenerator<SheetRow[], void, undefined> {
  const resolved = resolveLimits(limits);
  const { sample, encoding } = await readSample(filePath);
  // Excel hides a "sep=;" first line, so the rows are numbered after it.
  const declared = declaredDelimiter(sample);
  const delimiter = declared ?? sniffDelimiter(sample);
  const parser = parse({
    delimiter,
    ...(declared === undefined ? {} : { from_line: 2 }),
    relax_column_count: true,
    // A stray quote inside an unquoted field (5'11") is text, as Excel reads it.
    relax_quotes: true,
    // Every line end in any mix: left to itself the parser takes the first one it sees as the only
    // one, and a file edited in two places (CRLF rows, an LF row added at the end) merges rows.
    // CRLF first, so that it is one line end and not two.
    record_delimiter: ['\r\n', '\n', '\r'],
    skip_empty_lines: false,
    // The parser's limit is per record; fields are checked one by one below.
    max_record_size: Math.min(resolved.maxCellChars * resolved.maxColumns, 64 * 1024 * 1024),
  });
  // pipeline() hands back the parser and destroys every stage when one fails or the consumer stops.
  const records = pipeline(Readable.from(decodedText(filePath, encoding, resolved)), parser, () => undefined);
  const gate = new RowGate(resolved);
  const ready: SheetRow[] = [];
  let recordNumber = 0;
  try {
    for await (const record of records) {
      recordNumber += 1;
      gate.accept(recordNumber, record as string[], ready);
      if (ready.length >= CSV_BATCH_ROWS) yield ready.splice(0);
    }
    if (ready.length > 0) yield ready.splice(0);
  } catch (error) {
    throw asCsvError(error, recordNumber + 1, resolved);
  } finally {
    records.destroy();
  }
}

async function* decodedText(filePath: string, encoding: TextEncoding, limits: ReadLimits): AsyncGenerator<string> {
  // fatal: invalid text throws instead of turning into U+FFFD; the BOM is dropped by default.
  const decoder = strictDecoder(encoding);
  let bytes = 0;
  for await (const chunk of fs.createReadStream(filePath)) {
    const buffer = chunk as Buffer;
    bytes += buffer.length;
    if (bytes > limits.maxUncompressedBytes) {
      throw new ImportError('ZIP_BOMB', `The file is larger than ${limits.maxUncompressedBytes} bytes.`, { limit: limits.maxUncompressedBytes });
    }
    const text = decoder.decode(buffer, { stream: true });
    if (text !== '') yield text;
  }
  const tail = decoder.decode();
  if (tail !== '') yield tail;
}

/** The first 64 KB as text, for sniffing the delimiter, and the file's encoding. */
async function readSample(filePath: string): Promise<{ sample: string; encoding: TextEncoding }> {
  const handle = await fs.promises.open(filePath, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    const head = buffer.subarray(0, bytesRead);
    const encoding = textEncodingOf(head);
    // Not fatal here: the sample may end mid-character, and the full read checks the encoding.
    return { sample: new TextDecoder(encoding).decode(head), encoding };
  } finally {
    await handle.close();
  }
}

function asCsvError(error: unknown, recordNumber: number, limits: ReadLimits): unknown {
  if (isImportError(error) || isSystemError(error)) return error;
  if (error instanceof CsvError) {
    if (error.code === 'CSV_MAX_RECORD_SIZE') return cellTooLarge(recordNumber, undefined, limits.maxCellChars);
    return new ImportError('CORRUPT_FILE', `The CSV file cannot be read: ${error.message}`, { code: error.code, recordNumber }, { cause: error });
  }
  if (error instanceof TypeError && 'code' in error && error.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
    return new ImportError('UNSUPPORTED_FILE_TYPE', `The CSV file is not UTF-8 text throughout (a legacy encoding further down). ${LEGACY_TEXT_ADVICE}`, { recordNumber }, { cause: error });
  }
  return error;
}
