import { createHash } from 'node:crypto';

/**
 * The WhatsApp message id of a (blast, recipient): the same every time it is computed, so a
 * resend after a crash carries the id of the first attempt and WhatsApp (and the sandbox) shows
 * the message once. Shaped like the ids WhatsApp Web makes (`3EB0` + upper-case hex).
 */
export function messageIdFor(blastId: string, recipientSeq: number): string {
  const digest = createHash('sha256').update(`${blastId}:${recipientSeq}`).digest('hex').toUpperCase();
  return `3EB0${digest.slice(0, 18)}`;
}

const PRODUCT_MESSAGE_ID = /^3EB0[0-9A-F]{18}$/;

/**
 * Whether an id has the shape of the ids messageIdFor makes: a receipt for anything else (a
 * message typed on the phone, whose ids look different) cannot concern a blast. baileys' own
 * generated ids share the shape, so this narrows; the ledger has the last word.
 */
export function isProductMessageId(id: string): boolean {
  return PRODUCT_MESSAGE_ID.test(id);
}
