/**
 * WhatsApp's size limits on what a blast sends, and the template's longest possible rendering.
 * Lengths are UTF-16 units (JavaScript's `length`): an emoji counts two, so the check errs on
 * the side of refusing.
 */
import type { ListColumn } from './recipient-list.js';
import { TemplateError, type CompiledTemplate, type TemplateNode } from './template.js';

/** WhatsApp's limit for a text message. */
export const MAX_TEXT_LENGTH = 65_536;
/** WhatsApp's limit for the caption of an image, video or document. */
export const MAX_CAPTION_LENGTH = 1_024;
/** The longest value `{phone}` can have: E.164 is at most 15 digits after the `+`. */
export const PHONE_LENGTH = 16;

export function messageLimit(hasMedia: boolean): { limit: number; kind: 'text' | 'caption' } {
  return hasMedia ? { limit: MAX_CAPTION_LENGTH, kind: 'caption' } : { limit: MAX_TEXT_LENGTH, kind: 'text' };
}

/**
 * The longest text the template can render: each group at its longest option, each variable at
 * the longest value `longestValue` gives it (0 for one it does not know). Linear in the template.
 */
export function longestRendering(compiled: CompiledTemplate, longestValue: (name: string) => number): number {
  const measure = (nodes: readonly TemplateNode[]): number => {
    let total = 0;
    for (const node of nodes) {
      if (typeof node === 'string') total += node.length;
      else if (node.kind === 'variable') total += longestValue(node.name);
      else {
        let widest = 0;
        for (const option of node.options) widest = Math.max(widest, measure(option));
        total += widest;
      }
    }
    return total;
  };
  return measure(compiled.nodes);
}

/**
 * Refuses a template that can render longer than the limit: TEMPLATE_TOO_LONG when its own text
 * (variables empty) already can, MESSAGE_TOO_LONG when the longest values of its variables make
 * it so. `longestValue` is undefined when the values are not known yet (a file still to import):
 * then only the template's own text is checked, and sending checks each message.
 */
export function assertMessageFits(compiled: CompiledTemplate, hasMedia: boolean, longestValue?: (name: string) => number): void {
  const { limit, kind } = messageLimit(hasMedia);
  const what = kind === 'caption' ? `a media caption (${limit} characters)` : `a text message (${limit} characters)`;
  const own = longestRendering(compiled, () => 0);
  if (own > limit) {
    throw new TemplateError('TEMPLATE_TOO_LONG', `The message can be ${own} characters long before any variable is filled in; WhatsApp allows ${what}.`, { limit, longest: own, kind });
  }
  if (longestValue === undefined) return;
  const longest = longestRendering(compiled, longestValue);
  if (longest <= limit) return;
  const variables = compiled.variables
    .map((name) => ({ name, longest: longestValue(name) }))
    .filter((variable) => variable.longest > 0)
    .sort((a, b) => b.longest - a.longest)
    .slice(0, 5);
  const named = variables.map((variable) => `{${variable.name}} up to ${variable.longest}`).join(', ');
  throw new TemplateError(
    'MESSAGE_TOO_LONG',
    `With the longest values of the list (${named}) the message can be ${longest} characters long; WhatsApp allows ${what}. Shorten the message or those cells.`,
    { limit, longest, kind, variables },
  );
}

/**
 * The longest value of each of a list's variables, from the lengths its import kept; undefined
 * when a column has none (a list imported before they were kept: sending checks each message).
 */
export function longestValues(columns: readonly ListColumn[]): ((name: string) => number) | undefined {
  const longest = new Map<string, number>([['phone', PHONE_LENGTH]]);
  for (const column of columns) {
    if (column.maxLength === undefined) return undefined;
    longest.set(column.key.toLowerCase(), column.maxLength);
  }
  return (name) => longest.get(name) ?? 0;
}
