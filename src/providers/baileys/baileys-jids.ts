/**
 * WhatsApp addresses (jids) ↔ the E.164 numbers the product speaks. A jid is
 * `user[_agent][:device]@server`; phone numbers live on `s.whatsapp.net` (and `c.us`, `hosted`),
 * while v7 increasingly addresses people by an opaque LID on `lid` / `hosted.lid`.
 */
const PHONE_SERVERS = new Set(['s.whatsapp.net', 'c.us', 'hosted']);
const LID_SERVERS = new Set(['lid', 'hosted.lid']);
const E164 = /^\+[1-9]\d{5,14}$/;

interface DecodedJid {
  user: string;
  server: string;
}

function decode(jid: string): DecodedJid | undefined {
  const at = jid.indexOf('@');
  if (at <= 0) return undefined;
  const userPart = jid.slice(0, at).split(':')[0] ?? '';
  const user = userPart.split('_')[0] ?? '';
  return user === '' ? undefined : { user, server: jid.slice(at + 1) };
}

export function isE164(phone: string): boolean {
  return E164.test(phone);
}

/** `+6281234567890` → `6281234567890@s.whatsapp.net`; undefined when it is not E.164. */
export function phoneToJid(phone: string): string | undefined {
  return isE164(phone) ? `${phone.slice(1)}@s.whatsapp.net` : undefined;
}

/** The E.164 number of a phone-number jid (device suffix dropped); undefined for LIDs, groups… */
export function jidToPhone(jid: string | null | undefined): string | undefined {
  if (!jid) return undefined;
  const decoded = decode(jid);
  if (!decoded || !PHONE_SERVERS.has(decoded.server)) return undefined;
  const phone = `+${decoded.user}`;
  return isE164(phone) ? phone : undefined;
}

export function isLidJid(jid: string | null | undefined): jid is string {
  if (!jid) return false;
  const decoded = decode(jid);
  return decoded !== undefined && LID_SERVERS.has(decoded.server);
}

/** The user part of a LID jid, the key under which a LID ↔ phone mapping is remembered. */
export function lidUser(jid: string): string | undefined {
  return isLidJid(jid) ? decode(jid)?.user : undefined;
}

/** A one-to-one chat with a person (not a group, broadcast, newsletter or status). */
export function isPersonJid(jid: string | null | undefined): jid is string {
  return jidToPhone(jid) !== undefined || isLidJid(jid);
}
