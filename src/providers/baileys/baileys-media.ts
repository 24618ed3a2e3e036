import { BufferJSON, prepareWAMessageMedia, type AnyMediaMessageContent, type WAMediaUploadFunction, type proto } from 'baileys';
import { ProviderError, type MediaInput, type MediaKind, type PreparedMedia } from '../provider.js';
import type { BaileysLogger } from './db-auth-state.js';

type MediaField = 'imageMessage' | 'videoMessage' | 'documentMessage';

const FIELD: Record<MediaKind, MediaField> = { image: 'imageMessage', video: 'videoMessage', document: 'documentMessage' };

/**
 * Media already encrypted and uploaded to WhatsApp: every message of a blast reuses the same
 * upload (media key, URL, hashes) with its own caption, so a blast uploads once per session.
 */
export class BaileysMedia implements PreparedMedia {
  constructor(
    readonly kind: MediaKind,
    readonly handle: proto.IMessage,
  ) {}

  /** The upload's fields (url, directPath, mediaKey, hashes, length, mimetype, thumbnail …), BufferJSON text. */
  get stored(): string {
    return JSON.stringify(this.handle[FIELD[this.kind]] ?? {}, BufferJSON.replacer);
  }

  /** The upload as `stored` kept it, to rebuild a message sent with it. */
  static restore(kind: MediaKind, stored: string): BaileysMedia {
    return new BaileysMedia(kind, { [FIELD[kind]]: JSON.parse(stored, BufferJSON.reviver) as unknown });
  }
}

function content(media: MediaInput): AnyMediaMessageContent {
  switch (media.kind) {
    case 'image':
      return { image: media.data, mimetype: media.mimetype };
    case 'video':
      return { video: media.data, mimetype: media.mimetype };
    case 'document':
      return { document: media.data, mimetype: media.mimetype, fileName: media.fileName ?? 'file' };
  }
}

export async function uploadMedia(media: MediaInput, upload: WAMediaUploadFunction, logger: BaileysLogger): Promise<BaileysMedia> {
  const message = await prepareWAMessageMedia(content(media), { upload, logger });
  return new BaileysMedia(media.kind, message);
}

/** The message to relay: the uploaded media with this recipient's caption. */
export function captioned(media: PreparedMedia, caption: string): proto.IMessage {
  if (!(media instanceof BaileysMedia)) {
    throw new ProviderError('permanent', 'This media was not prepared by a baileys provider.');
  }
  const field = FIELD[media.kind];
  const uploaded = media.handle[field];
  if (!uploaded) throw new ProviderError('permanent', `Prepared media has no ${field}.`);
  return { [field]: { ...uploaded, caption } };
}

