import type { ProviderEvent } from './provider.js';

/**
 * Error codes WhatsApp puts in a message's ack (baileys: Socket/messages-recv.js handleBadAck;
 * Utils/decode-wa-message.js NACK_REASONS; SERVER_ERROR_CODES). 463: the account may not reach
 * out (restricted, or a reach-out time-lock); retrying counts as another reach-out. 479: the
 * server rejected the stanza (smax-invalid): only that message is lost.
 */
export const ACCOUNT_RESTRICTED_CODE = '463';

/** How long the sandbox's time-lock lasts when no `timelock` signal set one (documented in the README). */
export const SANDBOX_DEFAULT_TIMELOCK_MS = 3_600_000;

/**
 * What an error ack means to the product, for both providers: the message failed with its code;
 * 463 also restricts the account (its window, if any, comes with the time-lock answer).
 */
export function ackErrorEvents(messageId: string, code: string, text: string | undefined): ProviderEvent[] {
  const detail = `WhatsApp refused the message (error ${code}${text ? `: ${text}` : ''})`.slice(0, 300);
  const failed: ProviderEvent = { type: 'message-failed', messageId, code, detail };
  if (code !== ACCOUNT_RESTRICTED_CODE) return [failed];
  return [failed, { type: 'restricted', reason: 'reachout_timelock', code, detail }];
}
