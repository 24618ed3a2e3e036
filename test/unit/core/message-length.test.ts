import { describe, expect, it } from 'vitest';
import { assertMessageFits, longestRendering, longestValues, MAX_CAPTION_LENGTH, MAX_TEXT_LENGTH } from '../../../src/core/message-length.js';
import { compileTemplate, render, renderWithin, TemplateError } from '../../../src/core/template.js';

const refusal = (action: () => void): TemplateError => {
  try {
    action();
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('not refused');
};

describe('the longest rendering of a template', () => {
  it('takes the longest option of each group and each variable at its longest value', () => {
    const compiled = compileTemplate('{Hi|Hello|Hey} {name}, {see {city}|bye}!');
    expect(longestRendering(compiled, () => 0)).toBe('Hello , see !'.length);
    expect(longestRendering(compiled, (name) => (name === 'name' ? 10 : 40))).toBe('Hello , see !'.length + 10 + 40);
  });

  it('counts a variable every time it is used: 21,000 uses of a 32,767-character column', () => {
    const compiled = compileTemplate('{a}'.repeat(21_000));
    expect(longestRendering(compiled, () => 32_767)).toBe(21_000 * 32_767);
  });

  it('knows a list\'s longest values from its columns ({phone} included), or not at all for a list imported before they were kept', () => {
    const longest = longestValues([{ header: 'Name', key: 'name', maxLength: 12 }]);
    expect(longest?.('name')).toBe(12);
    expect(longest?.('phone')).toBe(16);
    expect(longestValues([{ header: 'Name', key: 'name' }])).toBeUndefined();
  });
});

describe('refusing a message that can pass WhatsApp\'s limit', () => {
  it('refuses the template itself as TEMPLATE_TOO_LONG: a text over 65,536 characters, a caption over 1,024', () => {
    expect(() => { assertMessageFits(compileTemplate('x'.repeat(MAX_TEXT_LENGTH)), false); }).not.toThrow();
    expect(refusal(() => { assertMessageFits(compileTemplate(`${'x'.repeat(MAX_TEXT_LENGTH)}!`), false); })).toMatchObject({
      code: 'TEMPLATE_TOO_LONG',
      details: { limit: MAX_TEXT_LENGTH, longest: MAX_TEXT_LENGTH + 1, kind: 'text' },
    });
    expect(refusal(() => { assertMessageFits(compileTemplate('y'.repeat(MAX_CAPTION_LENGTH + 1)), true); }).details).toMatchObject({ kind: 'caption', limit: 1_024 });
    // Spintax: only one option is sent, so the longest one counts, not their sum.
    expect(() => { assertMessageFits(compileTemplate(`{${'a'.repeat(1_000)}|${'b'.repeat(1_000)}}`), true); }).not.toThrow();
  });

  it('refuses as MESSAGE_TOO_LONG what the list\'s longest values make too long, naming those variables', () => {
    const compiled = compileTemplate('Dear {name}, {notes}{notes}{notes}');
    const longest = longestValues([{ header: 'Name', key: 'name', maxLength: 20 }, { header: 'Notes', key: 'notes', maxLength: 32_767 }]);
    const error = refusal(() => { assertMessageFits(compiled, false, longest); });
    expect(error.code).toBe('MESSAGE_TOO_LONG');
    expect(error.details).toMatchObject({ limit: MAX_TEXT_LENGTH, longest: 'Dear , '.length + 20 + 3 * 32_767, variables: [{ name: 'notes', longest: 32_767 }, { name: 'name', longest: 20 }] });
    expect(() => { assertMessageFits(compileTemplate('Dear {name}, {notes}'), false, longest); }).not.toThrow();
  });
});

describe('rendering within a limit', () => {
  it('renders what fits exactly as render does', () => {
    const compiled = compileTemplate('{Hi|Hello} {name}');
    expect(renderWithin(compiled, { name: 'Ann' }, 'seed', 9)).toBe(render(compiled, { name: 'Ann' }, 'seed'));
    expect(renderWithin(compiled, { name: 'x'.repeat(100) }, 'seed', MAX_TEXT_LENGTH)).toBe(render(compiled, { name: 'x'.repeat(100) }, 'seed'));
  });

  it('stops once the text would pass the limit, without building it: 21,000 uses of a 32,767-character value', () => {
    const compiled = compileTemplate(`{Hi|Hello} ${'{a}'.repeat(21_000)}`);
    let reads = 0;
    const values = {
      get a(): string {
        reads += 1;
        return 'z'.repeat(32_767);
      },
    };
    expect(renderWithin(compiled, values, 'seed', MAX_TEXT_LENGTH)).toBeUndefined();
    expect(reads).toBe(2); // the greeting and one value fit; with the second the text would pass 65,536: it stops there
    expect(renderWithin(compileTemplate('{a}{a}'), { a: 'z'.repeat(3) }, 'seed', 5)).toBeUndefined();
    expect(renderWithin(compileTemplate('{a}{a}'), { a: 'z'.repeat(3) }, 'seed', 6)).toBe('zzzzzz');
  });
});
