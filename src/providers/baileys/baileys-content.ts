import type { proto } from 'baileys';
import type { ReplyKind } from '../../core/reply.js';

/** What a person's message is, as the product keeps it: its kind and its text or caption. */
export interface MessageContent {
  kind: ReplyKind;
  text?: string;
}

/**
 * Content that is not something a person said: protocol messages (a revoke, an edit — baileys
 * unwraps `editedMessage` to the protocolMessage carrying it, Utils/messages.js
 * normalizeMessageContent —, history sync, key shares), reactions (a reaction to the campaign is
 * not a reply to it), poll votes, pins, keep-in-chat, key distribution, placeholders and an
 * album's header (its pictures arrive as messages of their own, `associatedChildMessage`).
 */
const NOT_A_REPLY: ReadonlySet<string> = new Set([
  'protocolMessage',
  'reactionMessage',
  'encReactionMessage',
  'pollUpdateMessage',
  'pinInChatMessage',
  'keepInChatMessage',
  'senderKeyDistributionMessage',
  'fastRatchetKeySenderKeyDistributionMessage',
  'placeholderMessage',
  'albumMessage',
  'deviceSentMessage',
  'messageContextInfo',
  'secretEncryptedMessage',
  'encEventResponseMessage',
  'encCommentMessage',
]);

const nonEmpty = (text: string | null | undefined): string | undefined => (text ? text : undefined);

const withText = (kind: ReplyKind, text: string | null | undefined): MessageContent => {
  const value = nonEmpty(text);
  return value === undefined ? { kind } : { kind, text: value };
};

/**
 * The kind and text of a message's content, already unwrapped by baileys' normalizeMessageContent
 * (ephemeral, view-once, document-with-caption wrappers); undefined for content that is not a reply
 * (NOT_A_REPLY) or none at all (a stub, a message that could not be decrypted: baileys asks for it
 * again and emits it once it can). A button or list answer is the text the person tapped.
 */
export function contentOf(content: proto.IMessage | null | undefined): MessageContent | undefined {
  if (!content) return undefined;
  if (content.conversation) return { kind: 'text', text: content.conversation };
  if (content.extendedTextMessage) return withText('text', content.extendedTextMessage.text);
  if (content.imageMessage) return withText('image', content.imageMessage.caption);
  if (content.videoMessage) return withText('video', content.videoMessage.caption);
  if (content.ptvMessage) return withText('video', content.ptvMessage.caption);
  if (content.audioMessage) return { kind: 'audio' };
  if (content.documentMessage) return withText('document', content.documentMessage.caption);
  if (content.stickerMessage || content.lottieStickerMessage) return { kind: 'sticker' };
  if (content.locationMessage) return withText('location', content.locationMessage.comment ?? content.locationMessage.name);
  if (content.liveLocationMessage) return withText('location', content.liveLocationMessage.caption);
  if (content.contactMessage) return withText('contact', content.contactMessage.displayName);
  if (content.contactsArrayMessage) return withText('contact', content.contactsArrayMessage.displayName);
  if (content.buttonsResponseMessage) return withText('text', content.buttonsResponseMessage.selectedDisplayText);
  if (content.templateButtonReplyMessage) return withText('text', content.templateButtonReplyMessage.selectedDisplayText);
  if (content.listResponseMessage) return withText('text', content.listResponseMessage.title);
  if (content.interactiveResponseMessage) return withText('text', content.interactiveResponseMessage.body?.text);
  // Anything else a person sent (a poll, an event, a payment, a product…): kept as `other`.
  const keys = Object.keys(content).filter((key) => key.endsWith('Message') && content[key as keyof proto.IMessage] != null);
  if (keys.length === 0 || keys.every((key) => NOT_A_REPLY.has(key))) return undefined;
  return { kind: 'other' };
}
