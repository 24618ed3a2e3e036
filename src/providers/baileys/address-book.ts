import { isLidJid, jidToPhone, lidUser } from './baileys-jids.js';

/**
 * The LID ↔ phone pairs kept in memory: the contacts of the last few hours of replies and
 * receipts. Older ones are not lost: baileys keeps every pair it learns in its LID store (the
 * `lid-mapping` signal keys, in our database), which `phoneOf` falls back to.
 */
export const LID_LIMIT = 2_000;

/**
 * Who is who, so replies are attributed to the number the campaign used: WhatsApp v7 often
 * answers from a LID (`…@lid`) rather than the phone-number jid we sent to. Learns from baileys'
 * mapping events and messages' `…Alt` fields, and falls back to baileys' own LID store.
 * Receipts need none of it: the ledger finds a message by its id alone (baileys-inbox.ts), so
 * nothing is kept per message sent.
 */
export interface AddressBook {
  /** Takes a LID jid and a phone-number jid in either order; ignores anything else. */
  learn(one: string | null | undefined, other: string | null | undefined): void;
  phoneOf(jid: string | null | undefined, lookupLid: (lid: string) => Promise<string | null>): Promise<string | undefined>;
  /** The number of a phone-number jid, or of a LID already learnt; never asks anyone. */
  knownPhoneOf(jid: string | null | undefined): string | undefined;
  /** How many LID ↔ phone pairs are held (at most LID_LIMIT). */
  readonly size: number;
}

export function createAddressBook(): AddressBook {
  const phoneByLid = new Map<string, string>();

  const learn = (one: string | null | undefined, other: string | null | undefined): void => {
    const [lid, pn] = isLidJid(one) ? [one, other] : [other, one];
    const user = lid ? lidUser(lid) : undefined;
    const phone = jidToPhone(pn);
    if (user === undefined || phone === undefined) return;
    // The most recently learnt last, so the oldest goes first.
    phoneByLid.delete(user);
    phoneByLid.set(user, phone);
    if (phoneByLid.size > LID_LIMIT) {
      const oldest = phoneByLid.keys().next();
      if (!oldest.done) phoneByLid.delete(oldest.value);
    }
  };

  return {
    learn,
    get size() {
      return phoneByLid.size;
    },
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
