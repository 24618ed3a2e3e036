import { randomBytes } from 'node:crypto';

/** What a message id from WhatsApp looks like (`3EB0` and hex), for messages the sandbox makes up. */
export function sandboxMessageId(): string {
  return `3EB0${randomBytes(8).toString('hex').toUpperCase()}`;
}

/** A message id a script may give: as WhatsApp's, letters and digits. */
export const SANDBOX_MESSAGE_ID_PATTERN = '^[A-Za-z0-9]{1,64}$';
