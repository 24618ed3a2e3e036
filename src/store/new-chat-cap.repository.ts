import type { Selectable } from 'kysely';
import { isNewChatCapState, type NewChatCap } from '../core/new-chat-cap.js';
import type { SessionRef } from '../core/session-config.js';
import type { Db } from './database.js';
import type { SessionNewChatCapTable } from './schema.js';

/** WhatsApp's new-chat cap as last read for each session, by the session's identity. */
export interface NewChatCapRepository {
  get(session: SessionRef): Promise<NewChatCap | null>;
  /** The caps of several sessions (those with none are absent), by session id. */
  getMany(sessions: readonly SessionRef[]): Promise<Map<string, NewChatCap>>;
  put(session: SessionRef, cap: NewChatCap): Promise<void>;
}

export function createNewChatCapRepository(db: Db): NewChatCapRepository {
  return {
    async get(session) {
      const row = await db
        .selectFrom('session_new_chat_caps')
        .selectAll()
        .where('session_uid', '=', session.uid)
        .where('session_id', '=', session.id)
        .executeTakeFirst();
      return row ? fromRow(row) : null;
    },

    async getMany(sessions) {
      const caps = new Map<string, NewChatCap>();
      if (sessions.length === 0) return caps;
      const ids = new Map(sessions.map((session) => [session.uid, session.id]));
      const rows = await db.selectFrom('session_new_chat_caps').selectAll().where('session_uid', 'in', [...ids.keys()]).execute();
      for (const row of rows) {
        const cap = fromRow(row);
        if (cap && ids.get(row.session_uid) === row.session_id) caps.set(row.session_id, cap);
      }
      return caps;
    },

    async put(session, cap) {
      const values = {
        session_id: session.id,
        state: cap.state,
        quota: storable(cap.quota),
        used: storable(cap.used),
        resets_at: cap.resetsAt,
        slow_until: cap.slowUntil,
        updated_at: cap.updatedAt,
      };
      await db
        .insertInto('session_new_chat_caps')
        .values({ session_uid: session.uid, ...values })
        .onConflict((conflict) => conflict.column('session_uid').doUpdateSet(values))
        .execute();
    },
  };
}

/** The columns are 32-bit integers (0012); WhatsApp's figures beyond are kept as that much (no quota comes near it). */
const MAX_STORED_COUNT = 2_147_483_647;
const storable = (count: number | null): number | null => (count === null ? null : Math.min(count, MAX_STORED_COUNT));

function fromRow(row: Selectable<SessionNewChatCapTable>): NewChatCap | null {
  if (!isNewChatCapState(row.state)) return null;
  return {
    state: row.state,
    quota: row.quota,
    used: row.used,
    resetsAt: row.resets_at,
    slowUntil: row.slow_until,
    updatedAt: row.updated_at,
  };
}
