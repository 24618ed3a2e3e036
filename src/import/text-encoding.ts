/** The encodings a CSV upload may be in. */
export type TextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

/**
 * A text file's encoding, from its first bytes: UTF-16 when it starts with a UTF-16 byte order
 * mark (Excel's "Unicode Text" and some contact exports save that way, always with the mark),
 * UTF-8 otherwise. Without a mark nothing else is guessed: a legacy code page (Windows-1252,
 * -1256, …) cannot be told apart from another reliably, and a guess would garble the names that
 * go into the messages.
 */
export function textEncodingOf(head: Uint8Array): TextEncoding {
  if (head[0] === 0xff && head[1] === 0xfe) return 'utf-16le';
  if (head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  return 'utf-8';
}

/** A decoder for `encoding` that throws on bytes that are not valid in it (no replacement characters) and drops the byte order mark. */
export function strictDecoder(encoding: TextEncoding): { decode(input?: Uint8Array, options?: { stream?: boolean }): string } {
  return new TextDecoder(encoding, { fatal: true });
}
