import { PassThrough, Readable, pipeline } from 'node:stream';
import yazl from 'yazl';
import { utcOffsetMs } from '../core/time-zone.js';

/** A `Date` is a moment: local time in the sheet's time zone (a date-time cell in XLSX, ISO 8601 with its offset in CSV). */
export type ReportCell = string | number | Date | null;

export interface ReportSheet {
  header: readonly string[];
  rows: AsyncIterable<readonly ReportCell[]>;
  sheetName?: string;
  /** The IANA zone moments are shown in; UTC when absent. The caller checks it (core/time-zone.ts isValidTimeZone). */
  timeZone?: string;
}

/** Bytes buffered ahead of the consumer; the source iterable is pulled only as this drains. */
const HIGH_WATER_MARK = 64 * 1024;

/** Excel runs a cell typed (or opened from CSV) with one of these first as a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** A signed number (an E.164 phone number, a negative amount) cannot run anything: it stays as it is. */
const PLAIN_NUMBER = /^[+-]?\d+(\.\d+)?$/;

/**
 * Guards against formula injection: a text cell starting with = + - @ (or tab / carriage return)
 * gets a leading apostrophe, unless it is only a signed number such as `+6281234567890`.
 */
export function escapeFormula(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}

/** RFC 4180 CSV, UTF-8 with BOM (so Excel opens Arabic/emoji correctly), CRLF line ends. */
export function csvReport(sheet: ReportSheet): Readable {
  return Readable.from(csvRecords(sheet), { objectMode: false, highWaterMark: HIGH_WATER_MARK });
}

async function* csvRecords(sheet: ReportSheet): AsyncGenerator<string, void, undefined> {
  const timeZone = sheet.timeZone ?? 'UTC';
  yield `\uFEFF${csvRecord(sheet.header, timeZone)}`;
  for await (const row of sheet.rows) yield csvRecord(row, timeZone);
}

function csvRecord(cells: readonly ReportCell[], timeZone: string): string {
  return `${cells.map((cell) => csvField(cell, timeZone)).join(',')}\r\n`;
}

function csvField(value: ReportCell, timeZone: string): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  if (value instanceof Date) return isoInZone(value, timeZone);
  const text = escapeFormula(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A minimal valid .xlsx (one sheet, inline strings, numbers as numeric cells), streamed: never holds all rows in memory. */
export function xlsxReport(sheet: ReportSheet): Readable {
  const zip = new yazl.ZipFile();
  for (const [path, xml] of fixedParts(sheetTitle(sheet.sheetName))) zip.addBuffer(Buffer.from(xml), path);
  const worksheet = Readable.from(worksheetXml(sheet), { objectMode: false, highWaterMark: HIGH_WATER_MARK });
  zip.addReadStream(worksheet, 'xl/worksheets/sheet1.xml');
  zip.end();

  const output = new PassThrough();
  // yazl pipes the worksheet in without forwarding its errors: a failing source must fail the report.
  worksheet.on('error', (error) => output.destroy(error));
  zip.on('error', (error: unknown) => output.destroy(error instanceof Error ? error : new Error(String(error))));
  // A consumer that stops early must not leave the source suspended half-way.
  output.on('close', () => worksheet.destroy());
  pipeline(zip.outputStream, output, () => undefined);
  return output;
}

/** Excel's own limits: a bigger sheet would be a file Excel refuses to open. */
const MAX_ROWS = 1_048_576;
const MAX_COLUMNS = 16_384;
const HEADER_STYLE = 1;
/** A moment: numFmt 164, `yyyy-mm-dd hh:mm:ss`. */
const DATE_TIME_STYLE = 2;

/** Rows are handed on in batches about this long: one deflate call per row would be ten times slower. */
const BATCH_CHARS = 32 * 1024;

async function* worksheetXml(sheet: ReportSheet): AsyncGenerator<string, void, undefined> {
  const timeZone = sheet.timeZone ?? 'UTC';
  let batch = `${XML_DECLARATION}<worksheet xmlns="${MAIN_NS}"><sheetData>${rowXml(1, sheet.header, timeZone, HEADER_STYLE)}`;
  let rowNumber = 1;
  for await (const row of sheet.rows) {
    rowNumber += 1;
    if (rowNumber > MAX_ROWS) throw new RangeError(`A worksheet holds at most ${MAX_ROWS} rows, the header included.`);
    batch += rowXml(rowNumber, row, timeZone);
    if (batch.length >= BATCH_CHARS) {
      yield batch;
      batch = '';
    }
  }
  yield `${batch}</sheetData></worksheet>`;
}

function rowXml(rowNumber: number, cells: readonly ReportCell[], timeZone: string, style?: number): string {
  if (cells.length > MAX_COLUMNS) throw new RangeError(`A worksheet holds at most ${MAX_COLUMNS} columns, row ${rowNumber} has ${cells.length}.`);
  const styled = style === undefined ? '' : ` s="${style}"`;
  let xml = `<row r="${rowNumber}">`;
  cells.forEach((value, index) => {
    if (value === null) return;
    const ref = `${columnName(index)}${rowNumber}`;
    if (value instanceof Date) {
      const serial = excelSerial(value, timeZone);
      if (serial !== undefined) xml += `<c r="${ref}" s="${DATE_TIME_STYLE}"><v>${serial}</v></c>`;
      return;
    }
    xml += typeof value === 'number' && Number.isFinite(value)
      ? `<c r="${ref}"${styled}><v>${value}</v></c>`
      : `<c r="${ref}"${styled} t="inlineStr"><is><t xml:space="preserve">${cellText(String(value))}</t></is></c>`;
  });
  return `${xml}</row>`;
}

/** Excel's serial of 1970-01-01 (days since its 1900 epoch, its phantom 29 February 1900 counted). */
const UNIX_EPOCH_SERIAL = 25_569;
const DAY_MS = 86_400_000;

/**
 * The moment as Excel's day number of its local time in the zone, to the second (Excel rounds what
 * `hh:mm:ss` shows: 10:00:00.6 would read 10:00:01); undefined for an invalid date.
 */
function excelSerial(moment: Date, timeZone: string): number | undefined {
  const ms = moment.getTime();
  if (!Number.isFinite(ms)) return undefined;
  const second = Math.floor(ms / 1000) * 1000;
  return (second + utcOffsetMs(timeZone, second)) / DAY_MS + UNIX_EPOCH_SERIAL;
}

/** ISO 8601 in the zone: `2026-03-01T09:30:00.000+01:00`; in UTC exactly as Date#toISOString (`…Z`). */
export function isoInZone(moment: Date, timeZone: string): string {
  const ms = moment.getTime();
  if (!Number.isFinite(ms)) return '';
  if (timeZone === 'UTC') return moment.toISOString();
  const offset = utcOffsetMs(timeZone, ms);
  const local = new Date(ms + offset).toISOString().slice(0, -1);
  const minutes = Math.round(Math.abs(offset) / 60_000);
  const sign = offset < 0 ? '-' : '+';
  return `${local}${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** 0 → A, 25 → Z, 26 → AA. */
function columnName(index: number): string {
  let name = '';
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26)) name = String.fromCharCode(65 + ((n - 1) % 26)) + name;
  return name;
}

/** Everything outside XML 1.0's Char production: C0 controls but tab/LF/CR, lone surrogates, U+FFFE/U+FFFF. */
const NOT_XML_CHAR = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const XML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', '\r': '&#13;' };

function cellText(value: string): string {
  // Readers decode `_xHHHH_` as an escaped character; a literal one is itself escaped as `_x005F_`.
  return xmlEscape(escapeFormula(value).replace(NOT_XML_CHAR, '').replace(/_(?=x[0-9A-Fa-f]{4}_)/g, '_x005F_'));
}

/** CR as a character reference: a literal one would be normalised to LF by every XML parser. */
function xmlEscape(text: string): string {
  return text.replace(/[&<>"\r]/g, (char) => XML_ESCAPES[char] ?? char);
}

/** Excel refuses names over 31 characters, with : \ / ? * [ ], or starting or ending with '. */
function sheetTitle(name: string | undefined): string {
  // Cut first: the cut may split a surrogate pair, whose half is then dropped with the other bad characters.
  const cut = (name ?? '').slice(0, 31).replace(NOT_XML_CHAR, '');
  const title = cut.replace(/[:\\/?*[\]\s]+/g, ' ').replace(/^[\s']+|[\s']+$/g, '');
  return title === '' ? 'Sheet1' : title;
}

const XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n';
const MAIN_NS = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main';
const REL_NS = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';
const PACKAGE_REL_NS = 'http://schemas.openxmlformats.org/package/2006/relationships';
const CONTENT_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml';

function fixedParts(title: string): [string, string][] {
  return [
    ['[Content_Types].xml', `${XML_DECLARATION}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">`
      + '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
      + '<Default Extension="xml" ContentType="application/xml"/>'
      + `<Override PartName="/xl/workbook.xml" ContentType="${CONTENT_TYPE}.sheet.main+xml"/>`
      + `<Override PartName="/xl/worksheets/sheet1.xml" ContentType="${CONTENT_TYPE}.worksheet+xml"/>`
      + `<Override PartName="/xl/styles.xml" ContentType="${CONTENT_TYPE}.styles+xml"/></Types>`],
    ['_rels/.rels', `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_REL_NS}">`
      + `<Relationship Id="rId1" Type="${REL_NS}/officeDocument" Target="xl/workbook.xml"/></Relationships>`],
    ['xl/workbook.xml', `${XML_DECLARATION}<workbook xmlns="${MAIN_NS}" xmlns:r="${REL_NS}">`
      + `<sheets><sheet name="${xmlEscape(title)}" sheetId="1" r:id="rId1"/></sheets></workbook>`],
    ['xl/_rels/workbook.xml.rels', `${XML_DECLARATION}<Relationships xmlns="${PACKAGE_REL_NS}">`
      + `<Relationship Id="rId1" Type="${REL_NS}/worksheet" Target="worksheets/sheet1.xml"/>`
      + `<Relationship Id="rId2" Type="${REL_NS}/styles" Target="styles.xml"/></Relationships>`],
    // Style 1 is the bold header, 2 a date and time; the fills, border and Normal style are what Excel insists on.
    ['xl/styles.xml', `${XML_DECLARATION}<styleSheet xmlns="${MAIN_NS}">`
      + '<numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm:ss"/></numFmts>'
      + '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
      + '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
      + '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
      + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
      + '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
      + '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
      + '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
      + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'],
  ];
}
