import type { Insertable, Selectable, Updateable } from 'kysely';
import type { PacingPolicy } from '../core/pacing.js';
import { defaultPacing } from '../core/pacing.js';
import { sanitizeSandboxConfig } from '../core/sandbox-config.js';
import { isProviderKind, type SessionConfig, type SessionRef, type SessionRestriction } from '../core/session-config.js';
import { SessionAlreadyExists } from '../errors/app-error.js';
import type { Db } from './database.js';
import type { SessionConfigTable } from './schema.js';
import { isUniqueViolation } from './unique-violation.js';

export type SessionConfigPatch = Partial<Pick<SessionConfig, 'friendlyName' | 'businessUnit' | 'pacing' | 'sandbox'>> & {
  /** null: back to the provider's default. */
  checkNumbers?: boolean | null | undefined;
};

export interface SessionConfigRepository {
  /** @throws SessionAlreadyExists */
  insert(config: SessionConfig): Promise<void>;
  get(id: string): Promise<SessionConfig | undefined>;
  list(filter: { businessUnit?: string | undefined }): Promise<SessionConfig[]>;
  /** Changes the very session `session` names: not one re-created with its id since it was read. */
  update(session: SessionRef, patch: SessionConfigPatch, updatedAt: string): Promise<SessionConfig | undefined>;
  delete(session: SessionRef): Promise<boolean>;
  /** Whether workers should keep the session connected (and link it by pairing code with `pairingPhone`). */
  setDesiredState(id: string, state: DesiredState, pairingPhone: string | null): Promise<boolean>;
  getDesiredState(id: string): Promise<{ state: DesiredState; pairingPhone: string | null } | undefined>;
  /** The sessions that should be connected, in id order. */
  listWanted(): Promise<SessionConfig[]>;
  /** Records when the number was first linked (kept while it stays linked), for warm-up. */
  /** Records when the account was linked, unless it is already; true when this is a new link. */
  markLinked(id: string, at: string): Promise<boolean>;
  /** The link is gone (logged out): a new link starts warm-up again. */
  clearLinked(id: string): Promise<void>;
  linkedAt(id: string): Promise<string | null>;
  /** The restriction WhatsApp put on this very session (0009), or null. */
  restriction(session: SessionRef): Promise<SessionRestriction | null>;
  setRestriction(session: SessionRef, restriction: SessionRestriction): Promise<boolean>;
  /** Clears it; with `endedBy`, only one whose `until` is at or before that time (a newer one stays). */
  clearRestriction(session: SessionRef, endedBy?: string): Promise<boolean>;
  /** Sessions whose restriction ended by `at`. */
  restrictionsEndedBy(at: string): Promise<SessionRef[]>;
}

export type DesiredState = 'connected' | 'disconnected';

export function createSessionConfigRepository(db: Db): SessionConfigRepository {
  return {
    async markLinked(id, at) {
      const result = await db.updateTable('session_configs').set({ linked_at: at }).where('id', '=', id).where('linked_at', 'is', null).executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async clearLinked(id) {
      await db.updateTable('session_configs').set({ linked_at: null }).where('id', '=', id).execute();
    },

    async linkedAt(id) {
      const row = await db.selectFrom('session_configs').select('linked_at').where('id', '=', id).executeTakeFirst();
      return row?.linked_at ?? null;
    },

    async restriction(session) {
      const row = await db
        .selectFrom('session_configs')
        .select(['restriction_reason', 'restriction_code', 'restriction_until'])
        .where('id', '=', session.id)
        .where('uid', '=', session.uid)
        .executeTakeFirst();
      if (!row || row.restriction_reason === null) return null;
      return { reason: row.restriction_reason, code: row.restriction_code, until: row.restriction_until };
    },

    async setRestriction(session, restriction) {
      const result = await db
        .updateTable('session_configs')
        .set({ restriction_reason: restriction.reason, restriction_code: restriction.code, restriction_until: restriction.until })
        .where('id', '=', session.id)
        .where('uid', '=', session.uid)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async clearRestriction(session, endedBy) {
      let query = db
        .updateTable('session_configs')
        .set({ restriction_reason: null, restriction_code: null, restriction_until: null })
        .where('id', '=', session.id)
        .where('uid', '=', session.uid)
        .where('restriction_reason', 'is not', null);
      if (endedBy !== undefined) query = query.where('restriction_until', '<=', endedBy);
      const result = await query.executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async restrictionsEndedBy(at) {
      return db
        .selectFrom('session_configs')
        .select(['id', 'uid'])
        .where('restriction_reason', 'is not', null)
        .where('restriction_until', '<=', at)
        .orderBy('id')
        .execute();
    },

    async insert(config) {
      try {
        await db.insertInto('session_configs').values(toRow(config)).execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new SessionAlreadyExists(config.id);
        throw error;
      }
    },

    async get(id) {
      const row = await db.selectFrom('session_configs').selectAll().where('id', '=', id).executeTakeFirst();
      return row && fromRow(row);
    },

    async list({ businessUnit }) {
      let query = db.selectFrom('session_configs').selectAll().orderBy('id');
      if (businessUnit !== undefined) query = query.where('business_unit', '=', businessUnit);
      return (await query.execute()).map(fromRow);
    },

    async update(session, patch, updatedAt) {
      const values: Updateable<SessionConfigTable> = { updated_at: updatedAt };
      if (patch.friendlyName !== undefined) values.friendly_name = patch.friendlyName;
      if (patch.businessUnit !== undefined) values.business_unit = patch.businessUnit;
      if (patch.pacing !== undefined) values.pacing = JSON.stringify(patch.pacing);
      if (patch.sandbox !== undefined) values.sandbox = patch.sandbox === null ? null : JSON.stringify(patch.sandbox);
      if (patch.checkNumbers !== undefined) values.check_numbers = patch.checkNumbers === null ? null : Number(patch.checkNumbers);
      const row = await db
        .updateTable('session_configs')
        .set(values)
        .where('id', '=', session.id)
        .where('uid', '=', session.uid)
        .returningAll()
        .executeTakeFirst();
      return row && fromRow(row);
    },

    async delete(session) {
      const result = await db.deleteFrom('session_configs').where('id', '=', session.id).where('uid', '=', session.uid).executeTakeFirst();
      return result.numDeletedRows > 0n;
    },

    async setDesiredState(id, state, pairingPhone) {
      const result = await db
        .updateTable('session_configs')
        .set({ desired_state: state, pairing_phone: pairingPhone })
        .where('id', '=', id)
        .executeTakeFirst();
      return result.numUpdatedRows > 0n;
    },

    async getDesiredState(id) {
      const row = await db
        .selectFrom('session_configs')
        .select(['desired_state', 'pairing_phone'])
        .where('id', '=', id)
        .executeTakeFirst();
      return row && { state: row.desired_state === 'connected' ? 'connected' : 'disconnected', pairingPhone: row.pairing_phone };
    },

    async listWanted() {
      const rows = await db.selectFrom('session_configs').selectAll().where('desired_state', '=', 'connected').orderBy('id').execute();
      return rows.map(fromRow);
    },
  };
}

function toRow(config: SessionConfig): Insertable<SessionConfigTable> {
  return {
    id: config.id,
    uid: config.uid,
    friendly_name: config.friendlyName,
    business_unit: config.businessUnit,
    provider: config.provider,
    pacing: JSON.stringify(config.pacing),
    sandbox: config.sandbox === null ? null : JSON.stringify(config.sandbox),
    check_numbers: config.checkNumbers === undefined ? null : Number(config.checkNumbers),
    created_at: config.createdAt,
    updated_at: config.updatedAt,
  };
}

function fromRow(row: Selectable<SessionConfigTable>): SessionConfig {
  const provider = isProviderKind(row.provider) ? row.provider : 'baileys';
  return {
    id: row.id,
    uid: row.uid,
    friendlyName: row.friendly_name,
    businessUnit: row.business_unit,
    provider,
    pacing: row.pacing === null ? defaultPacing(provider) : (JSON.parse(row.pacing) as PacingPolicy),
    // Settings stored before they had bounds come back within them (clamped, or left to the default).
    sandbox: row.sandbox === null ? null : sanitizeSandboxConfig(JSON.parse(row.sandbox)).config,
    ...(row.check_numbers === null ? {} : { checkNumbers: row.check_numbers === 1 }),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
