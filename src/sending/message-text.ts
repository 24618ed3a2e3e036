import { renderWithin, type CompiledTemplate } from '../core/template.js';

/**
 * The text a recipient of a blast gets: the template rendered with the row's values and its
 * phone, its variations seeded by (blast, seq), no longer than `maxLength`; undefined when it
 * cannot be. The same every time, so a message sent again (a retry request) is the one sent first.
 */
export function recipientText(
  compiled: CompiledTemplate,
  blastId: string,
  recipient: { seq: number; phone: string; vars: Readonly<Record<string, string>> },
  maxLength: number,
): string | undefined {
  return renderWithin(compiled, { ...recipient.vars, phone: recipient.phone }, `${blastId}:${recipient.seq}`, maxLength);
}
