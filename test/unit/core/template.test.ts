import { describe, expect, it } from 'vitest';
import { buildColumns } from '../../../src/core/columns.js';
import {
  MAX_DEPTH,
  TemplateError,
  assertKnownVariables,
  checkVariables,
  compileTemplate,
  render,
  variablesOf,
} from '../../../src/core/template.js';

const budi = { name: 'Budi', city: 'Bandung' };

/** Every text a template renders to over many recipients, with how often. */
function outcomes(source: string, values: Record<string, string> = budi, recipients = 4_000): Map<string, number> {
  const compiled = compileTemplate(source);
  const counts = new Map<string, number>();
  for (let i = 0; i < recipients; i += 1) {
    const text = render(compiled, values, `blast-7f3a:${i}`);
    counts.set(text, (counts.get(text) ?? 0) + 1);
  }
  return counts;
}

function syntaxError(source: string): TemplateError {
  try {
    compileTemplate(source);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(source.slice(0, 80))} to be refused`);
}

describe('variables', () => {
  it('insert the recipient values, matched without regard to case and inner spaces', () => {
    const compiled = compileTemplate('Hello {name}, see you in {City} ({ NAME })!');
    expect(render(compiled, budi, 's')).toBe('Hello Budi, see you in Bandung (Budi)!');
  });

  it('are listed once each, in order of use, as keys', () => {
    expect(variablesOf(compileTemplate('{Hi {Name}|Hello} {name}, {promo_2024} in {city}'))).toEqual(['name', 'promo_2024', 'city']);
    expect(variablesOf(compileTemplate('No variables at all.'))).toEqual([]);
  });

  it('insert values verbatim, never expanding them again', () => {
    const compiled = compileTemplate('Dear {name}: {note}');
    const values = { name: '{company}', note: 'use {{code}} or {a|b} for $& $1 100%' };
    expect(render(compiled, values, 's')).toBe('Dear {company}: use {{code}} or {a|b} for $& $1 100%');
  });

  it('render as nothing when the recipient has no value, even for names Object has', () => {
    expect(render(compileTemplate('[{missing}][{constructor}][{__proto__}][{toString}]'), {}, 's')).toBe('[][][][]');
  });

  it('keep multi-line and emoji text around them intact', () => {
    expect(render(compileTemplate('Halo {name} 👋\nSampai jumpa di {city}.'), budi, 's')).toBe('Halo Budi 👋\nSampai jumpa di Bandung.');
  });

  it('work with every key buildColumns makes', () => {
    const columns = buildColumns(['Nama Lengkap', 'Nama Lengkap', '', 'Número']);
    const source = columns.map((column) => `{${column.key}}`).join('/');
    const values = Object.fromEntries(columns.map((column) => [column.key, `v${column.index}`]));
    expect(render(compileTemplate(source), values, 's')).toBe('v0/v1/v2/v3');
  });
});

describe('literal braces', () => {
  it('are written doubled outside groups, and | there is ordinary text', () => {
    expect(render(compileTemplate('Use {{code}} and }} or a|b'), budi, 's')).toBe('Use {code} and } or a|b');
    expect(render(compileTemplate('{{{name}}}'), budi, 's')).toBe('{Budi}');
    expect(render(compileTemplate('{{}}'), budi, 's')).toBe('{}');
  });
});

describe('spintax', () => {
  it('renders the same text for the same seed every time', () => {
    const compiled = compileTemplate('{Hi|Hello|Hey} {name}, {good|great} {news|offer} {today|this week}!');
    const first = render(compiled, budi, 'blast-1:42');
    for (let i = 0; i < 20; i += 1) expect(render(compiled, budi, 'blast-1:42')).toBe(first);
    expect(render(compileTemplate('{Hi|Hello|Hey} {name}, {good|great} {news|offer} {today|this week}!'), budi, 'blast-1:42')).toBe(first);
  });

  it('spreads recipients evenly over the options', () => {
    const counts = outcomes('{Hi|Hello|Hey} {name}', budi, 6_000);
    expect([...counts.keys()].sort()).toEqual(['Hello Budi', 'Hey Budi', 'Hi Budi']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(1_800);
  });

  it('chooses each group of a message independently, even identical groups', () => {
    const counts = outcomes('{x|y}{x|y}');
    expect([...counts.keys()].sort()).toEqual(['xx', 'xy', 'yx', 'yy']);
    for (const count of counts.values()) expect(count).toBeGreaterThan(850);
  });

  it('nests, with variables inside options', () => {
    expect([...outcomes('{Hi {name}|Hello}!').keys()].sort()).toEqual(['Hello!', 'Hi Budi!']);
    const nested = outcomes('{a|{b|c}}');
    expect([...nested.keys()].sort()).toEqual(['a', 'b', 'c']);
    expect(nested.get('a')).toBeGreaterThan(1_800);
    expect(nested.get('b')).toBeGreaterThan(850);
  });

  it('keeps options verbatim, spaces and empty options included', () => {
    expect([...outcomes('Very {good |}news').keys()].sort()).toEqual(['Very good news', 'Very news']);
    expect([...outcomes('{ a | b }').keys()].sort()).toEqual([' a ', ' b ']);
    expect([...outcomes('[{|}]').keys()]).toEqual(['[]']);
  });
});

describe('checkVariables', () => {
  it('lists the variables no column provides, and the columns there are', () => {
    const compiled = compileTemplate('{Name} from {city}: {promo} {PROMO} {Voucher}');
    expect(checkVariables(compiled, ['name', 'City', 'phone'])).toEqual({ unknown: ['promo', 'voucher'], available: ['name', 'City', 'phone'] });
    expect(checkVariables(compiled, ['name', 'city', 'promo', 'voucher'])).toEqual({ unknown: [], available: ['name', 'city', 'promo', 'voucher'] });
  });

  it('assertKnownVariables refuses with both lists in the message and details', () => {
    const compiled = compileTemplate('{name} {promo} {voucher}');
    expect(() => {
      assertKnownVariables(compiled, ['name', 'phone']);
    }).toThrow(
      expect.objectContaining({
        code: 'TEMPLATE_UNKNOWN_VARIABLES',
        message: 'The message uses {promo}, {voucher}, which are not columns of the recipient list. Available: {name}, {phone}.',
        details: { unknown: ['promo', 'voucher'], available: ['name', 'phone'] },
      }),
    );
    expect(() => {
      assertKnownVariables(compileTemplate('{promo}'), []);
    }).toThrow('The message uses {promo}, which is not a column of the recipient list. Available: none.');
    expect(() => {
      assertKnownVariables(compiled, ['Name', 'PROMO', 'voucher']);
    }).not.toThrow();
  });
});

describe('syntax errors', () => {
  it('name an unclosed brace by line and column', () => {
    const error = syntaxError('Hello {name, welcome');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('TemplateError');
    expect(error.code).toBe('TEMPLATE_SYNTAX');
    expect(error.details).toEqual({ offset: 6, line: 1, column: 7 });
    expect(error.message).toBe(
      "Template error at line 1, column 7: '{' is never closed. Close it with '}', or write '{{' for a literal '{'.",
    );
  });

  it('report the outer group when only it is left open', () => {
    expect(syntaxError('x {a|{b|c}').details).toEqual({ offset: 2, line: 1, column: 3 });
  });

  it('refuse an empty variable', () => {
    for (const source of ['Hi {}', 'Hi {  }']) {
      expect(syntaxError(source).message).toBe(
        `Template error at line 1, column 4: '${source.slice(3)}' is an empty variable. Put a column name inside, e.g. {name}, or write '{{}}' for literal braces.`,
      );
    }
  });

  it('refuse a closing brace with no opening one', () => {
    expect(syntaxError('Price: 5} only').message).toBe(
      "Template error at line 1, column 9: '}' has no matching '{'. Write '}}' for a literal '}'.",
    );
  });

  it('explain a group that was meant to start with a nested group', () => {
    expect(syntaxError('{{Hi|Hello}|Hey} there').message).toBe(
      "Template error at line 1, column 11: '}' has no matching '{'. Write '}}' for a literal '}'. Note that '{{' at line 1, column 1 is a literal '{': to start spintax with a nested group, put it after the first option, e.g. {Hey|{Hi|Hello}}.",
    );
  });

  it('refuse a name that is not a variable name, suggesting the key', () => {
    expect(syntaxError('Dear {First Name},').message).toBe(
      "Template error at line 1, column 6: '{First Name}' is not a variable name: use letters, digits and _ only. Did you mean {first_name}? For alternatives write {a|b}; for literal braces write {{ and }}.",
    );
    expect(syntaxError('Total {€}').message).toBe(
      "Template error at line 1, column 7: '{€}' is not a variable name: use letters, digits and _ only. For alternatives write {a|b}; for literal braces write {{ and }}.",
    );
  });

  it('refuse a group holding only another group', () => {
    expect(syntaxError('{a|{{b}}}').message).toBe(
      "Template error at line 1, column 4: '{{b}}' holds a group but no '|'. Spintax separates its options with '|', e.g. {Hi|Hello}.",
    );
  });

  it('count lines, and characters rather than UTF-16 units', () => {
    expect(syntaxError('Halo 👋\nKode 🎁 {kode promo}').details).toEqual({ offset: 16, line: 2, column: 8 });
  });

  it('abbreviate a long group in the message', () => {
    expect(syntaxError(`{${'x'.repeat(40)} y}`).message).toContain(`'{${'x'.repeat(28)}…' is not a variable name`);
  });

  it('refuse nesting beyond the limit without exhausting the stack', () => {
    const deepest = `${'{a|'.repeat(MAX_DEPTH)}b${'}'.repeat(MAX_DEPTH)}`;
    expect(variablesOf(compileTemplate(deepest))).toEqual([]);
    const tooDeep = `${'{a|'.repeat(MAX_DEPTH + 1)}b${'}'.repeat(MAX_DEPTH + 1)}`;
    expect(syntaxError(tooDeep).message).toBe(`Template error at line 1, column ${MAX_DEPTH * 3 + 1}: groups are nested more than ${MAX_DEPTH} deep.`);
    expect(syntaxError(`{a|${'{'.repeat(200_000)}`).code).toBe('TEMPLATE_SYNTAX');
  });
});

describe('speed', () => {
  it('renders far faster than the 2,000 messages a second sending needs', () => {
    const compiled = compileTemplate(
      '{Hi|Hello|Hey} {name}! {We have|There is} {a special|an exclusive} offer for you in {city}. ' +
        'Show code {code} at {any|the nearest} branch {today|this week|before Friday}. {Reply STOP to opt out|Reply STOP to unsubscribe}.',
    );
    const values = { name: 'Budi Santoso', city: 'Bandung', code: 'PROMO-2024' };
    const started = performance.now();
    for (let i = 0; i < 20_000; i += 1) render(compiled, values, `blast-1:${i}`);
    // 20,000 messages in under a second is ten times the target.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
