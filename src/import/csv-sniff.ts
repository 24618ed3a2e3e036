export type CsvDelimiter = ',' | ';' | '\t' | '|';

/** In order of preference when the evidence ties: the usual suspects first. */
const CANDIDATES: readonly CsvDelimiter[] = [',', ';', '\t', '|'];
const SAMPLE_RECORDS = 20;

/** `sep=X` alone on the first line (after a byte order mark, which the decoders drop). */
const SEP_LINE = /^sep=([^"\r\n])(?:\r\n?|\n)/i;

/**
 * The delimiter a `sep=;` first line names: files written "for Excel" carry it so that any locale
 * opens them right, and Excel hides the line. Undefined without one.
 */
export function declaredDelimiter(sample: string): string | undefined {
  return SEP_LINE.exec(sample)?.[1];
}

/**
 * Guesses the delimiter from the first records of the file: the candidate that splits the most
 * records into the same number of fields as the first one (the header) wins. Quoted text is
 * skipped, so a comma inside "Doe, Jane" does not vote. A file with none of them is one column.
 */
export function sniffDelimiter(sample: string): CsvDelimiter {
  const records = sampleRecords(sample);
  let best: { delimiter: CsvDelimiter; score: number; fields: number } = { delimiter: ',', score: 0, fields: 0 };
  for (const delimiter of CANDIDATES) {
    const counts = records.map((record) => countOutsideQuotes(record, delimiter));
    const header = counts[0] ?? 0;
    if (header === 0) continue;
    const score = counts.filter((count) => count === header).length;
    if (score > best.score || (score === best.score && header > best.fields)) best = { delimiter, score, fields: header };
  }
  return best.delimiter;
}

/** Splits on line ends outside quotes, dropping empty lines and a last record cut mid-way. */
function sampleRecords(sample: string): string[] {
  const records: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < sample.length && records.length < SAMPLE_RECORDS; i += 1) {
    const char = sample[i];
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === '\n' || char === '\r')) {
      if (i > start) records.push(sample.slice(start, i));
      start = i + 1;
    }
  }
  // The sample may stop mid-record; keep the tail only if it is the whole (one-line) file.
  if (records.length === 0 && start < sample.length) records.push(sample.slice(start));
  return records;
}

function countOutsideQuotes(record: string, delimiter: string): number {
  let count = 0;
  let quoted = false;
  for (const char of record) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && char === delimiter) count += 1;
  }
  return count;
}
