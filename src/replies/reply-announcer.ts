import type { EventPublisher } from '../events/event-bus.js';
import type { MessageReplied } from '../events/event-catalogue.js';
import type { Logger } from '../logging/logger.js';
import type { StoredReply } from '../store/reply.repository.js';
import type { Store } from '../store/store.js';

/**
 * Where a stored, attributed reply is announced: the one place for everything that tells the
 * outside about a reply (the WebSocket event `message:replied` now; the webhook event
 * `message.replied` goes here too). Called only once the reply is durably stored, and at most once
 * per message (a redelivery is not stored again, so it is not announced again).
 */
export interface ReplyAnnouncer {
  announce(reply: StoredReply): Promise<void>;
}

export function createReplyAnnouncer(deps: { store: Pick<Store, 'replies'>; events: EventPublisher; log: Logger }): ReplyAnnouncer {
  return {
    async announce(reply) {
      const { attribution } = reply;
      if (!attribution) return; // A reply no blast is owed is kept, not announced.
      const { blastId, seq } = attribution;
      const data: MessageReplied = {
        blastId,
        seq,
        row: await deps.store.replies.rowNumberOf(blastId, seq),
        phone: reply.phone,
        sessionId: reply.sessionId,
        kind: reply.kind,
        text: reply.text,
        receivedAt: reply.receivedAt,
        optOut: reply.optOut,
      };
      await deps.events.publish('message:replied', data, { businessUnit: reply.businessUnit, blastId, sessionId: reply.sessionId });
      // The webhook event `message.replied` (issue 16, once webhooks exist) is published from here with `data`.
    },
  };
}
