import type { Entry } from 'yauzl';
import { ImportError } from './import-errors.js';
import { parsePart, type XmlHandlers } from './xml-stream.js';
import type { InflateBudget, ZipArchive } from './zip-archive.js';

/** Where the parts of the first sheet live, found the way Excel finds them. */
export interface WorkbookLayout {
  sheet: Entry;
  sharedStrings: Entry | undefined;
  styles: Entry | undefined;
  date1904: boolean;
}

interface Relationship {
  type: string;
  target: string;
}

/** Parts read before the sheet are small; a generous cap keeps a crafted token from growing. */
const MAX_TOKEN_CHARS = 1024 * 1024;

/**
 * Where the workbook part is, the one rule for the file-type check and the reader: the part the
 * package relationships (`_rels/.rels`) name as the office document, as Excel finds it (it need
 * not be `xl/workbook.xml`), or `xl/workbook.xml` in a package without them.
 */
export async function findWorkbookPart(zip: ZipArchive, budget: InflateBudget): Promise<string> {
  const rootRels = zip.find('_rels/.rels');
  const rootTarget = rootRels ? findByType(await readRelationships(zip, rootRels, budget, ''), 'officeDocument') : undefined;
  return rootTarget ?? 'xl/workbook.xml';
}

/**
 * Whether the zip is a SpreadsheetML workbook: its workbook part (findWorkbookPart) is there and
 * is XML whose root is <workbook> (a .docx names word/document.xml, an .xlsb a binary part).
 * Reads no further than the root element.
 */
export async function isWorkbookPackage(zip: ZipArchive, budget: InflateBudget): Promise<boolean> {
  const path = await findWorkbookPart(zip, budget);
  const entry = zip.find(path);
  if (!entry || !path.toLowerCase().endsWith('.xml')) return false;
  const handlers: XmlHandlers = {
    open(name) {
      throw new RootElement(name);
    },
    close: () => undefined,
    text: () => undefined,
  };
  try {
    await parsePart(zip, entry, budget, handlers, { maxTokenChars: MAX_TOKEN_CHARS });
  } catch (error) {
    if (error instanceof RootElement) return error.name === 'workbook';
    throw error;
  }
  return false;
}

/** Stops the read of a part at its root element (the parser passes it through: not a parse error). */
class RootElement extends Error {
  constructor(override readonly name: string) {
    super(name);
  }
}

export async function readWorkbookLayout(zip: ZipArchive, budget: InflateBudget): Promise<WorkbookLayout> {
  const workbookPath = await findWorkbookPart(zip, budget);
  const workbookEntry = zip.find(workbookPath);
  if (!workbookEntry) throw missingPart(workbookPath);

  const workbook = await readWorkbook(zip, workbookEntry, budget);
  const slash = workbookPath.lastIndexOf('/');
  const folder = workbookPath.slice(0, Math.max(slash, 0));
  const relsPath = `${workbookPath.slice(0, slash + 1)}_rels/${workbookPath.slice(slash + 1)}.rels`;
  const relsEntry = zip.find(relsPath);
  if (!relsEntry) throw missingPart(relsPath);
  const rels = await readRelationships(zip, relsEntry, budget, folder);

  const sheetPath = firstWorksheet(workbook.sheets, rels);
  const sheet = zip.find(sheetPath);
  if (!sheet) throw missingPart(sheetPath);
  const sharedStringsPath = findByType(rels, 'sharedStrings');
  const stylesPath = findByType(rels, 'styles');
  return {
    sheet,
    sharedStrings: sharedStringsPath === undefined ? undefined : zip.find(sharedStringsPath),
    styles: stylesPath === undefined ? undefined : zip.find(stylesPath),
    date1904: workbook.date1904,
  };
}

interface SheetRef {
  relId: string;
  hidden: boolean;
}

async function readWorkbook(zip: ZipArchive, entry: Entry, budget: InflateBudget): Promise<{ sheets: SheetRef[]; date1904: boolean }> {
  const sheets: SheetRef[] = [];
  let date1904 = false;
  // The main workbookPr is a child of the root. Excel for Mac writes a second one, <x15:workbookPr/>
  // inside an extension list, without date1904: read there, it would switch the 1904 system off.
  let depth = 0;
  const handlers: XmlHandlers = {
    open(name, tag) {
      depth += 1;
      if (name === 'workbookPr' && depth === 2) date1904 = isTrue(tag.get('date1904'));
      if (name === 'sheet') {
        const attributes = tag.all();
        const relId = relationshipId(attributes);
        if (relId !== undefined) sheets.push({ relId, hidden: attributes.state === 'hidden' || attributes.state === 'veryHidden' });
      }
    },
    close() {
      depth -= 1;
    },
    text: () => undefined,
  };
  await parsePart(zip, entry, budget, handlers, { maxTokenChars: MAX_TOKEN_CHARS });
  return { sheets, date1904 };
}

/** The `r:id` attribute, whatever prefix the writer bound to the relationships namespace. */
function relationshipId(attributes: Record<string, string>): string | undefined {
  for (const [key, value] of Object.entries(attributes)) {
    if (key.endsWith(':id')) return value;
  }
  return undefined;
}

/** The first sheet the user sees: hidden sheets and chart sheets are passed over. */
function firstWorksheet(sheets: SheetRef[], rels: Map<string, Relationship>): string {
  const worksheets = sheets.filter((sheet) => isType(rels.get(sheet.relId)?.type, 'worksheet'));
  const chosen = worksheets.find((sheet) => !sheet.hidden) ?? worksheets[0];
  const target = chosen && rels.get(chosen.relId)?.target;
  if (target === undefined) throw new ImportError('CORRUPT_FILE', 'The workbook has no worksheet.', { sheets: sheets.length });
  return target;
}

async function readRelationships(zip: ZipArchive, entry: Entry, budget: InflateBudget, folder: string): Promise<Map<string, Relationship>> {
  const rels = new Map<string, Relationship>();
  const handlers: XmlHandlers = {
    open(name, attributes) {
      const { Id: id, Type: type, Target: target, TargetMode: mode } = attributes.all();
      if (name !== 'Relationship' || id === undefined || type === undefined || target === undefined) return;
      if (mode === 'External') return;
      rels.set(id, { type, target: resolveTarget(folder, target) });
    },
    close: () => undefined,
    text: () => undefined,
  };
  await parsePart(zip, entry, budget, handlers, { maxTokenChars: MAX_TOKEN_CHARS });
  return rels;
}

function findByType(rels: Map<string, Relationship>, type: string): string | undefined {
  for (const rel of rels.values()) if (isType(rel.type, type)) return rel.target;
  return undefined;
}

/** Transitional and Strict OOXML use different namespace URIs; the last segment is the type. */
function isType(uri: string | undefined, type: string): boolean {
  return uri !== undefined && uri.slice(uri.lastIndexOf('/') + 1) === type;
}

/** A relationship target is a URI relative to the source part's folder, or absolute from the root. */
export function resolveTarget(folder: string, target: string): string {
  let decoded = target.replace(/\\/g, '/');
  try {
    decoded = decodeURIComponent(decoded);
  } catch {
    // A malformed escape: look the part up as written.
  }
  const segments = decoded.startsWith('/') ? [] : folder.split('/').filter((s) => s !== '');
  for (const segment of decoded.split('/')) {
    if (segment === '' || segment === '.') continue;
    if (segment === '..') segments.pop();
    else segments.push(segment);
  }
  return segments.join('/');
}

function isTrue(value: string | undefined): boolean {
  return value === '1' || value === 'true';
}

function missingPart(path: string): ImportError {
  return new ImportError('CORRUPT_FILE', 'The file is not a complete .xlsx workbook.', { missing: path });
}
