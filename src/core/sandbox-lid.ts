import { createHash } from 'node:crypto';
import type { ReplyKind } from './reply.js';

/** A simulated message someone writes to a sandbox session (POST /api/sessions/:id/sandbox/inbound). */
export interface SandboxInbound {
  from: string;
  /** The text, or a media message's caption; absent for media without one. */
  text?: string;
  /** text when absent. */
  kind?: ReplyKind;
  /** WhatsApp's id for it: the same id again is a redelivery. */
  messageId?: string;
  /** Addressed by the sender's LID (as WhatsApp v7 often does) rather than by its number. */
  viaLid?: boolean;
}

/**
 * The LID the sandbox gives a phone number on one session: stable (the same session and number
 * always give the same LID, across restarts and workers) and opaque (15 digits that are not the
 * number), as WhatsApp's LIDs are.
 */
export function sandboxLidOf(sessionUid: string, phone: string): string {
  const digest = createHash('sha256').update(`${sessionUid}\n${phone}`).digest();
  let digits = '';
  for (const byte of digest) {
    digits += String(byte % 10);
    if (digits.length === 15) break;
  }
  return `1${digits.slice(1)}@lid`;
}
