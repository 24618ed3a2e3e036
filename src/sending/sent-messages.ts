import { numberCheckScope } from '../core/number-check.js';
import type { SessionConfig } from '../core/session-config.js';
import { systemClock, type Clock } from '../infra/clock.js';
import { messageLimit } from '../core/message-length.js';
import { compileTemplate } from '../core/template.js';
import type { Logger } from '../logging/logger.js';
import type { SentMessageLookup } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import { recipientText } from './message-text.js';

/**
 * How a session's provider finds a message it sent, to send it again when a recipient's phone
 * asks (a retry request: it could not decrypt it). From the ledger, so it holds after a restart
 * or a takeover: message id → the recipient row this very session (its uid) sent → the same
 * text, rendered as the sender rendered it, and for media the upload it was sent with.
 */
export function sentMessageLookup(
  store: Store,
  session: Pick<SessionConfig, 'id' | 'uid' | 'businessUnit' | 'provider'>,
  log: Logger,
  clock: Clock = systemClock,
): SentMessageLookup {
  return async (messageId) => {
    try {
      const row = await store.retryLedger.sentBy(messageId, session.uid);
      if (!row) return undefined;
      const blast = await store.blasts.get(row.blastId);
      if (!blast) return undefined;
      const text = recipientText(compileTemplate(blast.message), blast.id, row, messageLimit(blast.media !== null).limit);
      if (text === undefined) return undefined;
      // The address a number check gave for the phone (the sender sent there), so a request from it is recognised.
      const address = (await store.numberChecks.fresh(numberCheckScope(session), [row.phone], clock.now().toISOString())).get(row.phone)?.address;
      const to = { to: row.phone, ...(address === undefined ? {} : { address }) };
      if (blast.media === null) return { ...to, text };
      // A row whose outcome is not written yet was sent with the latest upload.
      const upload = await store.retryLedger.uploadAt(blast.id, session.uid, row.sentAt ?? '9999-12-31T23:59:59.999Z');
      // Without its upload the message cannot be rebuilt as it was: better none than a different one.
      if (!upload) return undefined;
      return { ...to, text, media: { kind: upload.kind, stored: upload.upload } };
    } catch (error) {
      log.warn({ sessionId: session.id, messageId, err: error }, 'could not read a sent message back from the ledger');
      return undefined;
    }
  };
}
