import type { Principal } from '../auth/principal.js';
import { checkVariables, compileTemplate, render } from '../core/template.js';
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

/** Renders a message the way sending will: spintax resolved per recipient, values verbatim. */
export function createTemplatePreviewService(deps: { lists: ListService }) {
  return {
    async preview(principal: Principal, input: { message: string; listId?: string | undefined; count?: number | undefined }): Promise<TemplatePreview> {
      const compiled = compileTemplate(input.message);
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
            text: render(compiled, { ...values, phone: '+10000000000' }, `preview:${i}`),
          })),
        };
      }
      const list = await deps.lists.get(principal, input.listId);
      const available = ['phone', ...list.columns.map((column) => column.key)];
      const { unknown } = checkVariables(compiled, available);
      const page = await deps.lists.recipients(principal, list.id, { limit: count, offset: 0 });
      return {
        unknownVariables: unknown,
        availableVariables: available,
        samples: page.items.map((recipient) => ({
          rowNumber: recipient.rowNumber,
          phone: recipient.phone,
          text: render(compiled, { ...recipient.vars, phone: recipient.phone }, `preview:${list.id}:${recipient.seq}`),
        })),
      };
    },
  };
}

export type TemplatePreviewService = ReturnType<typeof createTemplatePreviewService>;
