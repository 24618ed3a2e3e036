import type { Principal } from '../auth/principal.js';
import { assertMessageFits, longestValues, MAX_TEXT_LENGTH } from '../core/message-length.js';
import { checkVariables, compileTemplate, renderWithin, TemplateError, type CompiledTemplate } from '../core/template.js';
import type { ListService } from '../lists/list.service.js';

export interface TemplatePreview {
  /** Variables the message uses that the list has no column for: sending would be refused. */
  unknownVariables: string[];
  /** Variables the list offers (its columns, and `phone`). */
  availableVariables: string[];
  /** The message as a few real recipients (or made-up sample values) would receive it. */
  samples: { rowNumber: number | null; phone: string; text: string }[];
}

const SAMPLE_ROWS = 5;

/**
 * Renders a message the way sending will: spintax resolved per recipient, values verbatim. A
 * message that can be longer than WhatsApp's limit for a text is refused as sending would refuse
 * it; so a preview is at most 20 samples of at most that length each.
 */
export function createTemplatePreviewService(deps: { lists: ListService }) {
  return {
    async preview(principal: Principal, input: { message: string; listId?: string | undefined; count?: number | undefined }): Promise<TemplatePreview> {
      const compiled = compileTemplate(input.message);
      assertMessageFits(compiled, false);
      const count = Math.min(input.count ?? SAMPLE_ROWS, 20);
      if (input.listId === undefined) {
        const { unknown } = checkVariables(compiled, []);
        const values = Object.fromEntries(unknown.map((name) => [name, `‹${name}›`]));
        return {
          unknownVariables: [],
          availableVariables: [],
          samples: Array.from({ length: Math.min(count, 3) }, (_, i) => ({
            rowNumber: null,
            phone: '+10000000000',
            text: sample(compiled, { ...values, phone: '+10000000000' }, `preview:${i}`, null),
          })),
        };
      }
      const list = await deps.lists.get(principal, input.listId);
      const available = ['phone', ...list.columns.map((column) => column.key)];
      const { unknown } = checkVariables(compiled, available);
      if (list.status === 'ready') assertMessageFits(compiled, false, longestValues(list.columns));
      // An unknown variable shows as a visible placeholder, not an empty gap (the blast would be refused for it).
      const placeholders = Object.fromEntries(unknown.map((name) => [name, `‹${name}›`]));
      const page = await deps.lists.recipients(principal, list.id, { limit: count, offset: 0 });
      return {
        unknownVariables: unknown,
        availableVariables: available,
        samples: page.items.map((recipient) => ({
          rowNumber: recipient.rowNumber,
          phone: recipient.phone,
          text: sample(compiled, { ...placeholders, ...recipient.vars, phone: recipient.phone }, `preview:${list.id}:${recipient.seq}`, recipient.rowNumber),
        })),
      };
    },
  };
}

/** One sample, built no longer than the limit (a list imported before its longest values were kept is checked here). */
function sample(compiled: CompiledTemplate, values: Record<string, string>, seed: string, rowNumber: number | null): string {
  const text = renderWithin(compiled, values, seed, MAX_TEXT_LENGTH);
  if (text !== undefined) return text;
  throw new TemplateError('MESSAGE_TOO_LONG', `The message ${rowNumber === null ? 'with sample values' : `for row ${rowNumber}`} is longer than WhatsApp allows for a text message (${MAX_TEXT_LENGTH} characters).`, {
    limit: MAX_TEXT_LENGTH,
    longest: MAX_TEXT_LENGTH + 1,
    kind: 'text',
  });
}

export type TemplatePreviewService = ReturnType<typeof createTemplatePreviewService>;
