import { Readable } from 'node:stream';
import { judgeHead } from '../import/file-head.js';
import type { BlobRepository, StagedBlob } from '../store/blob.repository.js';
import { UploadRejected } from './upload-check.js';

/**
 * The encoding a WHATWG label names (`latin1` → `windows-1252`), or undefined for a label the
 * Encoding Standard does not know or that decodes nothing (`replacement`).
 */
export function encodingOf(label: string): string | undefined {
  try {
    return new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
}

/** Unicode byte order marks: a file that starts with one says its own encoding, and that wins. */
const BOMS = [Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from([0xff, 0xfe]), Buffer.from([0xfe, 0xff])];

/**
 * A legacy-encoded CSV upload re-staged as UTF-8, when the uploader named its `encoding`: the
 * importer never guesses a code page, but it need not when told. An .xlsx (a zip) and text with a
 * byte order mark are left as they are. Bytes that are not valid in the named encoding are
 * refused (UNSUPPORTED_FILE_TYPE), never decoded into replacement characters. The UTF-8 copy is
 * at most three times the upload (one byte → up to three), and bounded so.
 */
export async function transcodeUpload(
  blobs: Pick<BlobRepository, 'read' | 'stage' | 'discard'>,
  staged: StagedBlob,
  encoding: string,
  options: { maxBytes: number; now: string },
): Promise<StagedBlob> {
  if (encoding === 'utf-8' || judgeHead(staged.head).kind === 'zip' || BOMS.some((bom) => staged.head.subarray(0, bom.length).equals(bom))) return staged;
  let utf8: StagedBlob;
  try {
    utf8 = await blobs.stage(Readable.from(toUtf8(blobs.read(staged.stagingId), encoding)), { maxBytes: options.maxBytes * 3, now: options.now });
  } catch (error) {
    if (error instanceof TypeError && 'code' in error && error.code === 'ERR_ENCODING_INVALID_ENCODED_DATA') {
      throw new UploadRejected('UNSUPPORTED_FILE_TYPE', `The file is not ${encoding} text throughout. Check the encoding field, or save it as "CSV UTF-8".`, 415);
    }
    throw error;
  }
  await blobs.discard(staged);
  return utf8;
}

async function* toUtf8(chunks: AsyncIterable<Buffer>, encoding: string): AsyncGenerator<Buffer> {
  // fatal: a byte the encoding does not define is an error, not U+FFFD.
  const decoder = new TextDecoder(encoding, { fatal: true });
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    if (text !== '') yield Buffer.from(text, 'utf8');
  }
  const tail = decoder.decode();
  if (tail !== '') yield Buffer.from(tail, 'utf8');
}
