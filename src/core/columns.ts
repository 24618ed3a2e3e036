/**
 * Spreadsheet headers → template variable keys, and finding the phone column.
 *
 * Keys: lower-case ASCII `[a-z0-9_]`, because operators type them into messages (`{first_name}`)
 * and a key must survive any keyboard. Accents fold (`Número` → `numero`); a header with nothing
 * left (blank, or written only in a non-Latin script) becomes `column_<letter>` after the column
 * letter a spreadsheet user sees (`column_c`). Duplicates get `_2`, `_3`…, numbered so that a
 * header really called `Name 2` keeps `name_2`. Column indexes here are 0-based, like cells.
 */
export interface Column {
  index: number;
  header: string;
  key: string;
}

export type PhoneColumnResult =
  | { index: number }
  | { error: 'NO_PHONE_COLUMN' | 'PHONE_COLUMN_NOT_FOUND'; seen: string[] };

// Letters NFKD leaves whole: without these `Straße` would become `stra_e`.
const FOLD: Readonly<Record<string, string>> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', ł: 'l', đ: 'd', ð: 'd', þ: 'th', ı: 'i' };

function fold(text: string): string {
  // Lower-case after NFKD: compatibility forms such as `ℕ` or `Ｎ` decompose to capitals.
  return text
    .normalize('NFKD')
    .toLowerCase()
    .replace(/\p{M}/gu, '')
    .replace(/[ßæœøłđðþı]/g, (letter) => FOLD[letter] ?? letter);
}

/**
 * The variable a header becomes. With `position` (1-based column number) a header with nothing
 * usable becomes `column_<letter>`; without it, such a header gives `''`.
 */
export function columnKey(header: string, position?: number): string {
  const key = fold(header)
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  if (key !== '' || position === undefined) return key;
  return `column_${columnLetters(position).toLowerCase()}`;
}

/** Spreadsheet column letters of a 1-based column number: 1 → A, 27 → AA. */
export function columnLetters(position: number): string {
  let letters = '';
  for (let n = Math.max(1, Math.floor(position)); n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

export function buildColumns(headers: string[]): Column[] {
  const natural = headers.map((header, index) => columnKey(header, index + 1));
  // Every natural key is reserved first, so a generated `name_2` never takes the key of a real
  // `Name 2` column further right.
  const reserved = new Set(natural);
  const used = new Set<string>();
  // The next number to try for each key that repeats: numbering resumes where it stopped, so a
  // row of 16,384 identical headers takes one pass, not one scan from `_2` per header. A number
  // is skipped only for a key that exists (`${key}_${n}` names one key `key`), so the skips add
  // up to at most the number of columns.
  const next = new Map<string, number>();
  return natural.map((key, index) => {
    let unique = key;
    if (used.has(key)) {
      let n = next.get(key) ?? 2;
      while (used.has(`${key}_${n}`) || reserved.has(`${key}_${n}`)) n += 1;
      unique = `${key}_${n}`;
      next.set(key, n + 1);
    }
    used.add(unique);
    return { index, header: headers[index] ?? '', key: unique };
  });
}

/** Case, spaces, punctuation and accents ignored; letters of any script kept (Arabic headers). */
function loose(text: string): string {
  return fold(text).replace(/[^\p{L}\p{N}]/gu, '');
}

/**
 * Whole-header names, strongest first: for a WhatsApp campaign a "WhatsApp" column beats a
 * "Mobile" one, which beats a general "Phone" (often a landline), which beats words like
 * "Number" or "Contact" that may well mean something else.
 */
const EXACT_NAMES: readonly (readonly string[])[] = [
  ['whatsapp', 'whatsapp number', 'wa', 'no wa', 'nomor wa'],
  ['mobile', 'mobile number', 'mobile phone', 'cell', 'cellphone', 'msisdn', 'handphone', 'hp', 'no hp', 'no. hp', 'nomor hp', 'celular', 'movil', 'móvil', 'جوال'],
  ['phone', 'phone number', 'phone no', 'telephone', 'tel', 'telp', 'no telp', 'telepon', 'nomor telepon', 'contact number', 'telefono', 'teléfono', 'telefone', 'رقم الهاتف', 'هاتف'],
  ['number', 'contact', 'kontak', 'numero', 'número'],
];

/** Words that make a longer header a phone column (`Customer Phone`, `No. HP Pasien`), same order. */
const PART_NAMES: readonly (readonly string[])[] = [['whatsapp', 'nowa', 'nomorwa'], ['mobile', 'cellphone', 'handphone', 'msisdn', 'nohp', 'nomorhp', 'celular', 'جوال'], ['phone', 'telepon', 'telefon', 'هاتف']];
/** Too short to find inside other words, so they must be a whole word of the header. */
const WORD_NAMES: readonly (readonly string[])[] = [['wa'], ['hp', 'cell'], ['tel', 'telp']];

const EXACT_SCORE = new Map<string, number>();
EXACT_NAMES.forEach((names, rank) => {
  for (const name of names) EXACT_SCORE.set(loose(name), 100 - rank);
});

function score(header: string): number {
  const whole = loose(header);
  if (whole === '') return 0;
  const exact = EXACT_SCORE.get(whole);
  if (exact !== undefined) return exact;
  const words = fold(header).split(/[^\p{L}\p{N}]+/u);
  for (let rank = 0; rank < PART_NAMES.length; rank += 1) {
    if (PART_NAMES[rank]?.some((part) => whole.includes(part))) return 50 - rank;
    if (WORD_NAMES[rank]?.some((word) => words.includes(word))) return 50 - rank;
  }
  return 0;
}

/**
 * Which column holds the numbers. A `requested` column is matched against the header and its key,
 * loosely; otherwise the best-named column wins, the leftmost among equals.
 */
export function detectPhoneColumn(headers: string[], requested?: string): PhoneColumnResult {
  const seen = headers.map((header) => header.trim()).filter((header) => header !== '');
  const wanted = requested === undefined ? '' : loose(requested);
  if (wanted !== '') {
    const match = buildColumns(headers).find((column) => loose(column.header) === wanted || loose(column.key) === wanted);
    return match ? { index: match.index } : { error: 'PHONE_COLUMN_NOT_FOUND', seen };
  }
  let best = { index: -1, score: 0 };
  headers.forEach((header, index) => {
    const points = score(header);
    if (points > best.score) best = { index, score: points };
  });
  return best.index >= 0 ? { index: best.index } : { error: 'NO_PHONE_COLUMN', seen };
}
