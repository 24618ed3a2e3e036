import type { Entry } from 'yauzl';
import { RowGate } from './row-gate.js';
import { resolveLimits, type ReadLimits, type SheetRow } from './sheet-reader.js';
import { SharedStrings } from './shared-strings.js';
import { SheetRows, type SheetContext } from './sheet-rows.js';
import { maxTokenChars, readDateStyles, readSharedStrings } from './workbook-tables.js';
import { readWorkbookLayout } from './workbook-layout.js';
import { XmlFeed } from './xml-stream.js';
import { InflateBudget, openZip, type ZipArchive } from './zip-archive.js';

/**
 * Streams the rows of the first worksheet of an .xlsx file. Only the shared strings and the
 * date styles are held in memory; the sheet XML is inflated and parsed a chunk at a time, and
 * the next chunk is read only when the consumer asks for more rows. Breaking out of the loop
 * closes the file.
 */
export async function* readXlsxRows(filePath: string, limits: Partial<ReadLimits> = {}): AsyncGenerator<SheetRow, void, undefined> {
  for await (const batch of readXlsxBatches(filePath, limits)) yield* batch;
}

/** readXlsxRows a chunk of rows at a time: one await per inflated chunk instead of one per row. */
export async function* readXlsxBatches(filePath: string, limits: Partial<ReadLimits> = {}): AsyncGenerator<SheetRow[], void, undefined> {
  const resolved = resolveLimits(limits);
  const zip = await openZip(filePath);
  try {
    const budget = new InflateBudget(resolved);
    const layout = await readWorkbookLayout(zip, budget);
    const context: SheetContext = {
      sharedStrings: layout.sharedStrings ? await readSharedStrings(zip, layout.sharedStrings, budget, resolved) : new SharedStrings(),
      dateStyles: layout.styles ? await readDateStyles(zip, layout.styles, budget, resolved) : [],
      date1904: layout.date1904,
      maxColumns: resolved.maxColumns,
    };
    yield* streamSheet(zip, layout.sheet, budget, context, resolved);
  } finally {
    zip.close();
  }
}

async function* streamSheet(
  zip: ZipArchive,
  sheet: Entry,
  budget: InflateBudget,
  context: SheetContext,
  limits: ReadLimits,
): AsyncGenerator<SheetRow[], void, undefined> {
  const rows = new SheetRows(context, new RowGate(limits));
  const feed = new XmlFeed(sheet.fileName, rows, maxTokenChars(limits));
  for await (const chunk of zip.inflate(sheet, budget)) {
    feed.write(chunk);
    // One inflated chunk holds at most a few thousand rows: the queue stays small.
    if (rows.ready.length > 0) yield rows.ready.splice(0);
  }
  feed.end();
  if (rows.ready.length > 0) yield rows.ready.splice(0);
}
