import { isLidJid, jidToPhone, lidUser } from './baileys-jids.js';

/** Enough for the receipts of a day's sending; the oldest entries go first. */
const SENT_LIMIT = 100_000;
const LID_LIMIT = 100_000;

/**
 * Who is who, so receipts and replies are attributed to the number the campaign used: WhatsApp v7
 * often answers from a LID (`…@lid`) rather than the phone-number jid we sent to. Learns from
 * what we sent, from baileys' mapping events and messages' `…Alt` fields, and falls back to
 * baileys' own LID store (which lives in the signal keys, i.e. in our database).
 */
export interface AddressBook {
  rememberSent(messageId: string, phone: string): void;
  sentTo(messageId: string): string | undefined;
  /** Takes a LID jid and a phone-number jid in either order; ignores anything else. */
  learn(one: string | null | undefined, other: string | null | undefined): void;
  phoneOf(jid: string | null | undefined, lookupLid: (lid: string) => Promise<string | null>): Promise<string | undefined>;
  /** The number of a phone-number jid, or of a LID already learnt; never asks anyone. */
  knownPhoneOf(jid: string | null | undefined): string | undefined;
}

export function createAddressBook(): AddressBook {
  const sent = new Map<string, string>();
  const phoneByLid = new Map<string, string>();

  const keep = (map: Map<string, string>, key: string, value: string, limit: number): void => {
    map.delete(key);
    map.set(key, value);
    if (map.size > limit) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  };

  const learn = (one: string | null | undefined, other: string | null | undefined): void => {
    const [lid, pn] = isLidJid(one) ? [one, other] : [other, one];
    const user = lid ? lidUser(lid) : undefined;
    const phone = jidToPhone(pn);
    if (user !== undefined && phone !== undefined) keep(phoneByLid, user, phone, LID_LIMIT);
  };

  return {
    rememberSent: (messageId, phone) => {
      keep(sent, messageId, phone, SENT_LIMIT);
    },
    sentTo: (messageId) => sent.get(messageId),
    learn,
    knownPhoneOf: (jid) => (isLidJid(jid) ? phoneByLid.get(lidUser(jid) ?? '') : jidToPhone(jid)),
    async phoneOf(jid, lookupLid) {
      if (!jid) return undefined;
      const direct = jidToPhone(jid);
      if (direct !== undefined || !isLidJid(jid)) return direct;
      const known = phoneByLid.get(lidUser(jid) ?? '');
      if (known !== undefined) return known;
      const pn = await lookupLid(jid);
      learn(jid, pn);
      return jidToPhone(pn);
    },
  };
}
