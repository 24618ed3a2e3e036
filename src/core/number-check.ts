import type { SessionConfig } from './session-config.js';

/** WhatsApp's answer about one number. */
export interface NumberCheck {
  onWhatsApp: boolean;
  /**
   * The provider's address for the account, as WhatsApp returned it (baileys: a jid). It may
   * differ from the number asked about: WhatsApp normalises numbers (Brazil's extra 9, Mexico's 1,
   * Argentina's 9). Only when `onWhatsApp`.
   */
  address?: string;
}

/** How long an answer is believed: "not on WhatsApp" changes sooner (people join) than "on it". */
export interface NumberCheckTtl {
  foundMs: number;
  notFoundMs: number;
}

export function checkExpiresAt(answer: NumberCheck, now: Date, ttl: NumberCheckTtl): Date {
  return new Date(now.getTime() + (answer.onWhatsApp ? ttl.foundMs : ttl.notFoundMs));
}

/**
 * Whether a session checks numbers when its blast does not say: its own setting, else on for
 * `baileys` (a message to a number with no account is one more sign of a spammer) and off for the
 * sandbox (which simulates "not on WhatsApp" at send time too).
 */
export function checksNumbersByDefault(session: Pick<SessionConfig, 'provider' | 'checkNumbers'>): boolean {
  return session.checkNumbers ?? session.provider === 'baileys';
}

/**
 * Whether a session checks the numbers of a blast before sending it: the blast's choice (made when
 * it was created: its own field, else its sessions' default), unless the session turned checks off.
 */
export function checksNumbers(blast: { checkNumbers: boolean }, session: Pick<SessionConfig, 'checkNumbers'>): boolean {
  return blast.checkNumbers && session.checkNumbers !== false;
}

/**
 * Whose answers a session reads and adds to: its business unit's, for WhatsApp answers every
 * account alike and no unit should learn from another's checks; a sandbox session's own, for its
 * settings are its WhatsApp (its uid: a session re-created under its id starts afresh).
 */
export function numberCheckScope(session: Pick<SessionConfig, 'businessUnit' | 'provider' | 'uid'>): string {
  return session.provider === 'sandbox' ? `${session.businessUnit}/sandbox:${session.uid}` : session.businessUnit;
}
