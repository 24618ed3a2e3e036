import { SaxesParser } from 'saxes';
import { cellTooLarge } from './row-gate.js';
import { corruptFile, isImportError } from './import-errors.js';
import type { ZipArchive, InflateBudget } from './zip-archive.js';
import type { Entry } from 'yauzl';

/** Element names arrive without their prefix (`x:c` → `c`): some writers prefix everything. */
export interface XmlHandlers {
  open(name: string, attributes: Record<string, string>): void;
  close(name: string): void;
  text(text: string): void;
}

/**
 * A SAX parser fed decoded text. saxes buffers a text node or an attribute whole before it
 * reports it, so a crafted part with one enormous token would grow without bound: the feed
 * refuses once that many characters pass with no event at all.
 */
export class XmlFeed {
  private readonly parser = new SaxesParser({ xmlns: false, position: false });
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private sinceEvent = 0;

  constructor(
    private readonly part: string,
    handlers: XmlHandlers,
    private readonly maxTokenChars: number,
  ) {
    this.parser.on('opentag', (tag) => {
      this.sinceEvent = 0;
      handlers.open(localName(tag.name), tag.attributes);
    });
    this.parser.on('closetag', (tag) => {
      this.sinceEvent = 0;
      handlers.close(localName(tag.name));
    });
    const onText = (text: string): void => {
      this.sinceEvent = 0;
      handlers.text(text);
    };
    this.parser.on('text', onText);
    this.parser.on('cdata', onText);
  }

  write(bytes: Buffer): void {
    this.feed(() => this.decoder.decode(bytes, { stream: true }), bytes.length);
  }

  end(): void {
    this.feed(() => this.decoder.decode(), 0);
    this.guard(() => this.parser.close());
  }

  private feed(decode: () => string, size: number): void {
    const text = this.guard(decode);
    this.sinceEvent += size;
    if (text !== '') this.guard(() => this.parser.write(text));
    if (this.sinceEvent > this.maxTokenChars) throw cellTooLarge(undefined, undefined, this.maxTokenChars);
  }

  /** Parse and decoding errors mean a damaged part; our own ImportErrors and bugs pass through. */
  private guard<T>(step: () => T): T {
    try {
      return step();
    } catch (error) {
      if (isImportError(error)) throw error;
      if (error instanceof Error && (error.constructor === Error || isDecodeError(error))) throw corruptFile(this.part, error);
      throw error;
    }
  }
}

function isDecodeError(error: Error): boolean {
  return 'code' in error && error.code === 'ERR_ENCODING_INVALID_ENCODED_DATA';
}

export function localName(name: string): string {
  const colon = name.indexOf(':');
  return colon === -1 ? name : name.slice(colon + 1);
}

/** Streams one whole part through handlers: for the small parts read before the sheet. */
export async function parsePart(
  zip: ZipArchive,
  entry: Entry,
  budget: InflateBudget,
  handlers: XmlHandlers,
  options: { maxTokenChars: number; maxBytes?: number },
): Promise<void> {
  const feed = new XmlFeed(entry.fileName, handlers, options.maxTokenChars);
  for await (const chunk of zip.inflate(entry, budget, options.maxBytes)) feed.write(chunk);
  feed.end();
}
