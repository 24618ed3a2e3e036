export type MediaKind = 'image' | 'video' | 'document';

export interface SniffedMedia {
  kind: MediaKind;
  mimetype: string;
  extension: string;
}

/** How much of the start of a file sniffMedia needs: enough to see past the first zip entries. */
export const MEDIA_HEAD_BYTES = 4100;

const media = (kind: MediaKind, mimetype: string, extension: string): SniffedMedia => ({ kind, mimetype, extension });

const JPEG = media('image', 'image/jpeg', 'jpg');
const PNG = media('image', 'image/png', 'png');
const GIF = media('image', 'image/gif', 'gif');
const WEBP = media('image', 'image/webp', 'webp');
const MP4 = media('video', 'video/mp4', 'mp4');
const M4V = media('video', 'video/x-m4v', 'm4v');
const MOV = media('video', 'video/quicktime', 'mov');
const THREE_GP = media('video', 'video/3gpp', '3gp');
const THREE_G2 = media('video', 'video/3gpp2', '3g2');
const WEBM = media('video', 'video/webm', 'webm');
const PDF = media('document', 'application/pdf', 'pdf');
const ZIP = media('document', 'application/zip', 'zip');
const OOXML = 'application/vnd.openxmlformats-officedocument';
const DOCX = media('document', `${OOXML}.wordprocessingml.document`, 'docx');
const XLSX = media('document', `${OOXML}.spreadsheetml.sheet`, 'xlsx');
const PPTX = media('document', `${OOXML}.presentationml.presentation`, 'pptx');
const DOC = media('document', 'application/msword', 'doc');
const XLS = media('document', 'application/vnd.ms-excel', 'xls');
const PPT = media('document', 'application/vnd.ms-powerpoint', 'ppt');
/** An OLE2 compound file whose streams are not in the head: a legacy Office file, most likely. */
const OLE = media('document', 'application/x-ole-storage', 'cfb');
const TEXT = media('document', 'text/plain', 'txt');

/** What a file is by its first bytes (at least 4,100 bytes are given when the file is that long), never by its name. undefined: not a supported media type. */
export function sniffMedia(head: Buffer): SniffedMedia | undefined {
  // Recipients open what we send: programs must never go out, whatever else they resemble.
  if (startsWith(head, 0, 'MZ') || startsWith(head, 0, '\x7FELF') || startsWith(head, 0, '#!')) return undefined;
  return sniffImage(head) ?? sniffVideo(head) ?? sniffDocument(head) ?? sniffText(head);
}

/** The head holds `signature` (bytes written as a latin1 string) at `offset`. */
function startsWith(head: Buffer, offset: number, signature: string): boolean {
  return head.toString('latin1', offset, offset + signature.length) === signature;
}

function sniffImage(head: Buffer): SniffedMedia | undefined {
  if (startsWith(head, 0, '\xFF\xD8\xFF')) return JPEG;
  if (startsWith(head, 0, '\x89PNG\r\n\x1A\n')) return PNG;
  if (startsWith(head, 0, 'GIF87a') || startsWith(head, 0, 'GIF89a')) return GIF;
  if (startsWith(head, 0, 'RIFF') && startsWith(head, 8, 'WEBP')) return WEBP;
  return undefined;
}

function sniffVideo(head: Buffer): SniffedMedia | undefined {
  if (startsWith(head, 4, 'ftyp')) return isoMedia(head);
  if (startsWith(head, 0, '\x1A\x45\xDF\xA3') && ebmlDocType(head) === 'webm') return WEBM;
  return undefined;
}

const ISO_VIDEO_BRANDS = new Map<string, SniffedMedia>([
  ...['isom', 'iso2', 'iso3', 'iso4', 'iso5', 'iso6', 'mp41', 'mp42', 'avc1', 'dash', 'mmp4', 'MSNV'].map((brand) => [brand, MP4] as const),
  ['M4V ', M4V], ['M4VH', M4V], ['M4VP', M4V], ['qt  ', MOV],
]);
/** Brands of ISO files that are not video: HEIF/AVIF stills, iTunes audio and books. */
const ISO_OTHER_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'mif1', 'msf1', 'avif', 'avis', 'M4A ', 'M4B ', 'M4P ', 'crx ']);

function isoBrand(brand: string): SniffedMedia | undefined {
  if (brand.startsWith('3g2')) return THREE_G2;
  if (brand.startsWith('3g')) return THREE_GP;
  return ISO_VIDEO_BRANDS.get(brand);
}

/** The ftyp box: the major brand decides; an unknown one falls back on the compatible brands. */
function isoMedia(head: Buffer): SniffedMedia | undefined {
  const major = head.toString('latin1', 8, 12);
  if (ISO_OTHER_BRANDS.has(major)) return undefined;
  const known = isoBrand(major);
  if (known) return known;
  const compatible: string[] = [];
  const boxEnd = Math.min(head.readUInt32BE(0), head.length);
  for (let offset = 16; offset + 4 <= boxEnd; offset += 4) compatible.push(head.toString('latin1', offset, offset + 4));
  if (compatible.some((brand) => ISO_OTHER_BRANDS.has(brand))) return undefined;
  return compatible.map(isoBrand).find((found) => found !== undefined);
}

/** The DocType of an EBML header ("webm", "matroska"), which comes within its first bytes. */
function ebmlDocType(head: Buffer): string | undefined {
  const element = head.subarray(0, 64).indexOf('\x42\x82', 4, 'latin1');
  if (element === -1) return undefined;
  const sizeStart = element + 2;
  const first = head[sizeStart];
  if (first === undefined || first === 0) return undefined;
  // An EBML variable-length integer: the leading zero bits give its byte count.
  const width = Math.clz32(first) - 23;
  let size = first & (0xff >> width);
  for (let i = 1; i < width; i += 1) size = size * 256 + (head[sizeStart + i] ?? 0);
  const start = sizeStart + width;
  return size > 16 ? undefined : head.toString('latin1', start, start + size).replace(/\0+$/, '');
}

function sniffDocument(head: Buffer): SniffedMedia | undefined {
  if (startsWith(head, 0, '%PDF-')) return PDF;
  if (startsWith(head, 0, 'PK\x03\x04')) return zipDocument(head);
  if (startsWith(head, 0, '\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1')) return oleDocument(head);
  return undefined;
}

const OFFICE_FOLDERS: readonly [string, SniffedMedia][] = [['word/', DOCX], ['xl/', XLSX], ['ppt/', PPTX]];
/** Main-part content types, readable when [Content_Types].xml is stored uncompressed. */
const OFFICE_MAIN_PARTS: readonly [string, SniffedMedia][] = [
  ['wordprocessingml.document.main+xml', DOCX], ['spreadsheetml.sheet.main+xml', XLSX], ['presentationml.presentation.main+xml', PPTX],
];

/** Office files are zips whose entries sit in word/, xl/ or ppt/; any other zip is just a zip. */
function zipDocument(head: Buffer): SniffedMedia {
  const names = zipEntryNames(head);
  for (const name of names) {
    const office = OFFICE_FOLDERS.find(([folder]) => name.startsWith(folder));
    if (office) return office[1];
  }
  if (names.includes('[Content_Types].xml')) {
    const text = head.toString('latin1');
    const office = OFFICE_MAIN_PARTS.find(([contentType]) => text.includes(contentType));
    if (office) return office[1];
  }
  return ZIP;
}

/**
 * Entry names from every local file header signature in the head. Scanning rather than walking
 * entry by entry copes with streamed zips, whose headers leave the entry sizes blank.
 */
function zipEntryNames(head: Buffer): string[] {
  const names: string[] = [];
  for (let at = head.indexOf('PK\x03\x04', 0, 'latin1'); at !== -1 && at + 30 <= head.length; at = head.indexOf('PK\x03\x04', at + 4, 'latin1')) {
    const nameLength = head.readUInt16LE(at + 26);
    names.push(head.toString('utf8', at + 30, Math.min(at + 30 + nameLength, head.length)));
  }
  return names;
}

const OLE_STREAMS: readonly [Buffer, SniffedMedia][] = [
  [Buffer.from('WordDocument', 'utf16le'), DOC],
  [Buffer.from('Workbook', 'utf16le'), XLS],
  [Buffer.from('PowerPoint Document', 'utf16le'), PPT],
];
/** Windows Installer packages, patches and transforms are OLE2 files with these root class ids. */
const INSTALLER_CLASS_IDS = [0x82, 0x84, 0x86].map((id) => Buffer.from([id, 0x10, 0x0c, 0, 0, 0, 0, 0, 0xc0, 0, 0, 0, 0, 0, 0, 0x46]));

/** The directory of stream names is often past the head; when it is in it, it tells the format. */
function oleDocument(head: Buffer): SniffedMedia | undefined {
  if (INSTALLER_CLASS_IDS.some((classId) => head.includes(classId))) return undefined;
  return OLE_STREAMS.find(([stream]) => head.includes(stream))?.[1] ?? OLE;
}

const SPACE_BYTES = new Set([0x20, 0x09, 0x0a, 0x0d, 0x0c]);

/** UTF-8 text without NUL bytes, except markup (HTML, SVG, XML), which a phone may render or run. */
function sniffText(head: Buffer): SniffedMedia | undefined {
  const body = startsWith(head, 0, '\xEF\xBB\xBF') ? head.subarray(3) : head;
  if (body.length === 0 || body.includes(0) || startsWith(body, 0, '#!')) return undefined;
  let first = 0;
  while (first < body.length && SPACE_BYTES.has(body[first] ?? 0)) first += 1;
  if (body[first] === 0x3c) return undefined;
  return isUtf8(head, head.length >= MEDIA_HEAD_BYTES) ? TEXT : undefined;
}

/** A head cut from a longer file may end inside a character; a whole file may not. */
function isUtf8(bytes: Buffer, truncated: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: truncated });
    return true;
  } catch {
    return false;
  }
}
