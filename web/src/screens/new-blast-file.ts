import { buildColumns, detectPhoneColumn } from '../../../src/core/columns';

// A CSV chosen for a new blast is imported by the server first; its header row is read here only
// to offer its columns as variables before sending. The keys come from the server's own rules
// (src/core/columns.ts, bundled), so `{first_name}` here is `{first_name}` there.

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

/** The variables a CSV's header row gives (the phone column is {phone}); undefined for other files. */
export async function csvFileColumns(file: File): Promise<FileColumn[] | undefined> {
  if (!/\.csv$/i.test(file.name)) return undefined;
  const head = (await file.slice(0, 65_536).text()).replace(/^\uFEFF/, '');
  const line = head.split(/\r?\n/).find((candidate) => candidate.trim() !== '');
  if (line === undefined) return undefined;
  const delimiter = [',', ';', '\t'].reduce((best, next) => (line.split(next).length > line.split(best).length ? next : best), ',');
  const headers = splitCsvLine(line, delimiter);
  const phone = detectPhoneColumn(headers);
  return buildColumns(headers)
    .filter((column) => !('index' in phone) || column.index !== phone.index)
    .filter((column) => column.header !== '')
    .map(({ header, key }) => ({ header, key }));
}
