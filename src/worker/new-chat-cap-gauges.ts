import { newChatCapStateCode } from '../core/new-chat-cap.js';
import type { SessionRef } from '../core/session-config.js';
import type { Metrics } from '../observability/metrics.js';
import type { Store } from '../store/store.js';

/**
 * WhatsApp's new-chat cap of each session this worker owns, read from the database when scraped:
 * `wab_session_new_chat_cap_state` (0 NONE, 1 FIRST_WARNING, 2 SECOND_WARNING, 3 CAPPED: alert on 3),
 * `wab_session_new_chat_quota` and `wab_session_new_chat_used`. A session never read has none.
 */
export function registerNewChatCapGauges(
  metrics: Pick<Metrics, 'gauge'>,
  store: Pick<Store, 'newChatCaps'>,
  sessions: { ownedSessionIds: string[]; owned(id: string): { config: SessionRef } | undefined },
): void {
  const caps = async () => {
    const refs = sessions.ownedSessionIds.flatMap((id) => {
      const config = sessions.owned(id)?.config;
      return config ? [{ id: config.id, uid: config.uid }] : [];
    });
    return store.newChatCaps.getMany(refs);
  };
  metrics.gauge(
    'wab_session_new_chat_cap_state',
    "WhatsApp's new-chat cap state of each session this worker owns: 0 NONE, 1 FIRST_WARNING, 2 SECOND_WARNING, 3 CAPPED (no blast message until the quota resets).",
    ['session'],
    async (set) => {
      for (const [session, cap] of await caps()) set({ session }, newChatCapStateCode(cap.state));
    },
  );
  metrics.gauge('wab_session_new_chat_quota', "Messages to new chats WhatsApp allows each session in its cycle.", ['session'], async (set) => {
    for (const [session, cap] of await caps()) if (cap.quota !== null) set({ session }, cap.quota);
  });
  metrics.gauge('wab_session_new_chat_used', 'Messages to new chats each session used of its quota in the cycle.', ['session'], async (set) => {
    for (const [session, cap] of await caps()) if (cap.used !== null) set({ session }, cap.used);
  });
}
