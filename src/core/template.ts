/**
 * Message templates: parsed once per blast, rendered once per recipient.
 *
 * - `{name}` inserts the recipient's value for the column whose key is `name` (columns.ts: header
 *   `First Name` → `{first_name}`). A name is letters, digits and `_`, matched without regard to
 *   case; spaces just inside the braces are ignored (`{ Name }` is `{name}`).
 * - `{Hi|Hello|Hey}` picks one option per recipient (spintax). A group is spintax exactly when it
 *   has a `|` at its own level. Options are kept verbatim, spaces included, may be empty
 *   (`{very |}good`) and may hold variables and further groups (`{Hi {name}|Hello}`, `{a|{b|c}}`).
 * - In ordinary text `{{` and `}}` are a literal `{` and `}`, and `|` is just a character. So
 *   `{{name}}` is the text `{name}`, not a variable. Inside a group every brace is structure
 *   (that is how `{a|{b|c}}` closes twice), so a literal brace cannot be written there.
 * - Everything else is a syntax error that names its line and column: `{}`, `{first name}`, a
 *   `{` never closed, a `}` never opened, groups nested more than MAX_DEPTH deep.
 *
 * Rendering inserts values verbatim (a cell reading `{company}` stays that text) and picks each
 * spintax option from a hash of (seed, group), so one recipient always gets the same text — a
 * resend after a crash matches the first attempt — while the groups of a message vary
 * independently of one another.
 */
import { columnKey } from './columns.js';

export interface VariableNode {
  readonly kind: 'variable';
  /** Lower-case, as column keys are. */
  readonly name: string;
}
export interface SpinNode {
  readonly kind: 'spin';
  /** Numbers the groups of one template, so each draws its own choice from the seed. */
  readonly id: number;
  readonly options: readonly (readonly TemplateNode[])[];
}
export type TemplateNode = string | VariableNode | SpinNode;

export interface CompiledTemplate {
  readonly source: string;
  readonly nodes: readonly TemplateNode[];
  /** Distinct variable names in order of first use. */
  readonly variables: readonly string[];
}

/** Where a syntax error is: `offset` in UTF-16 units; `line` and `column` from 1, in characters. */
export interface TemplatePosition {
  offset: number;
  line: number;
  column: number;
}
export interface UnknownVariables {
  unknown: string[];
  available: string[];
}

/** Why a message is refused for its length (message-length.ts). */
export interface MessageLengthDetails {
  limit: number;
  /** The longest text the template can render (at least limit + 1 when refused). */
  longest: number;
  kind: 'text' | 'caption';
  /** The variables that make up most of it, longest first, with the longest value each can take. */
  variables?: { name: string; longest: number }[];
}

export class TemplateError extends Error {
  constructor(
    readonly code: 'TEMPLATE_SYNTAX' | 'TEMPLATE_UNKNOWN_VARIABLES' | 'TEMPLATE_TOO_LONG' | 'MESSAGE_TOO_LONG',
    message: string,
    readonly details: TemplatePosition | UnknownVariables | MessageLengthDetails,
  ) {
    super(message);
    this.name = 'TemplateError';
  }
}

/** Far beyond any real message; keeps the recursive parser and renderer off the stack limit. */
export const MAX_DEPTH = 16;
const VARIABLE_NAME = /^[A-Za-z0-9_]+$/;
const PLAIN_RUN = /[^{}|]+/y;

export function compileTemplate(source: string): CompiledTemplate {
  const parser = new Parser(source);
  const nodes = parser.sequence(0);
  return { source, nodes, variables: [...parser.variables] };
}

export function variablesOf(compiled: CompiledTemplate): string[] {
  return [...compiled.variables];
}

/** `unknown`: variables no column provides. `availableColumns` are column keys (any case). */
export function checkVariables(compiled: CompiledTemplate, availableColumns: readonly string[]): UnknownVariables {
  const known = new Set(availableColumns.map((column) => column.toLowerCase()));
  return { unknown: compiled.variables.filter((name) => !known.has(name)), available: [...availableColumns] };
}

/** Refuses a template that uses a variable no column provides, naming both lists. */
export function assertKnownVariables(compiled: CompiledTemplate, availableColumns: readonly string[]): void {
  const result = checkVariables(compiled, availableColumns);
  if (result.unknown.length === 0) return;
  const braced = (names: string[]): string => names.map((name) => `{${name}}`).join(', ');
  const verb = result.unknown.length === 1 ? 'is not a column' : 'are not columns';
  const offer = result.available.length > 0 ? braced(result.available) : 'none';
  throw new TemplateError(
    'TEMPLATE_UNKNOWN_VARIABLES',
    `The message uses ${braced(result.unknown)}, which ${verb} of the recipient list. Available: ${offer}.`,
    result,
  );
}

/** `values` are keyed by column key; a variable without a value renders as nothing. */
export function render(compiled: CompiledTemplate, values: Readonly<Record<string, string>>, seed: string): string {
  return renderWithin(compiled, values, seed, Number.POSITIVE_INFINITY) ?? '';
}

/**
 * As `render`, but undefined as soon as the text would pass `maxLength`: it never builds more than
 * `maxLength` characters, whatever the values (a 32,767-character cell used a thousand times).
 */
export function renderWithin(compiled: CompiledTemplate, values: Readonly<Record<string, string>>, seed: string, maxLength: number): string | undefined {
  const out = { text: '', room: maxLength };
  return renderNodes(compiled.nodes, values, fnv1a(seed), out) ? out.text : undefined;
}

function renderNodes(nodes: readonly TemplateNode[], values: Readonly<Record<string, string>>, seedHash: number, out: { text: string; room: number }): boolean {
  for (const node of nodes) {
    let piece = '';
    if (typeof node === 'string') {
      piece = node;
    } else if (node.kind === 'variable') {
      // hasOwn: `{constructor}` must not find Object.prototype's.
      if (Object.hasOwn(values, node.name)) piece = values[node.name] ?? '';
    } else {
      const option = node.options[choose(seedHash, node.id, node.options.length)];
      if (option && !renderNodes(option, values, seedHash, out)) return false;
      continue;
    }
    if (piece.length > out.room) return false;
    out.text += piece;
    out.room -= piece.length;
  }
  return true;
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i += 1) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** mulberry32's mixing step over (seed hash, group id): FNV-1a alone mixes its last characters poorly. */
function choose(seedHash: number, spinId: number, count: number): number {
  let t = ((seedHash ^ Math.imul(spinId + 1, 0x9e3779b9)) + 0x6d2b79f5) | 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) % count;
}

class Parser {
  readonly variables = new Set<string>();
  private at = 0;
  private spins = 0;
  /** The last `{{` of plain text, named when a stray `}` suggests it was meant to open a group. */
  private literalOpen: number | undefined;

  constructor(private readonly source: string) {}

  /** Nodes up to the end (depth 0), or up to the `|` or `}` that ends an option. */
  sequence(depth: number): TemplateNode[] {
    const { source } = this;
    const nodes: TemplateNode[] = [];
    let text = '';
    while (this.at < source.length) {
      const char = source[this.at];
      if (char === '{' && depth === 0 && source[this.at + 1] === '{') {
        this.literalOpen = this.at;
        text += '{';
        this.at += 2;
      } else if (char === '{') {
        if (text !== '') nodes.push(text);
        text = '';
        nodes.push(this.group(depth + 1));
      } else if (char === '}' && depth === 0) {
        if (source[this.at + 1] !== '}') throw this.error(this.at, this.strayClose());
        text += '}';
        this.at += 2;
      } else if (char === '}' || (char === '|' && depth > 0)) {
        break;
      } else {
        PLAIN_RUN.lastIndex = this.at;
        const run = PLAIN_RUN.exec(source)?.[0] ?? source.charAt(this.at);
        text += run;
        this.at += run.length;
      }
    }
    if (text !== '') nodes.push(text);
    return nodes;
  }

  private group(depth: number): TemplateNode {
    const open = this.at;
    if (depth > MAX_DEPTH) throw this.error(open, `groups are nested more than ${MAX_DEPTH} deep.`);
    this.at += 1;
    const options: TemplateNode[][] = [];
    for (;;) {
      options.push(this.sequence(depth));
      const end = this.source[this.at];
      if (end === undefined) throw this.error(open, `'{' is never closed. Close it with '}', or write '{{' for a literal '{'.`);
      this.at += 1;
      if (end === '}') break;
    }
    const [only] = options;
    if (options.length > 1 || only === undefined) return { kind: 'spin', id: this.spins++, options };
    return this.variable(open, only);
  }

  private variable(open: number, content: TemplateNode[]): VariableNode {
    const raw = abbreviate(this.source.slice(open, this.at));
    const [first] = content;
    if (first === undefined || (content.length === 1 && typeof first === 'string' && first.trim() === '')) {
      throw this.error(open, `'${raw}' is an empty variable. Put a column name inside, e.g. {name}, or write '{{}}' for literal braces.`);
    }
    if (content.length > 1 || typeof first !== 'string') {
      throw this.error(open, `'${raw}' holds a group but no '|'. Spintax separates its options with '|', e.g. {Hi|Hello}.`);
    }
    const name = first.trim();
    if (!VARIABLE_NAME.test(name)) {
      const key = columnKey(name);
      const guess = key === '' ? '' : ` Did you mean {${key}}?`;
      throw this.error(
        open,
        `'${raw}' is not a variable name: use letters, digits and _ only.${guess} For alternatives write {a|b}; for literal braces write {{ and }}.`,
      );
    }
    this.variables.add(name.toLowerCase());
    return { kind: 'variable', name: name.toLowerCase() };
  }

  private strayClose(): string {
    const base = `'}' has no matching '{'. Write '}}' for a literal '}'.`;
    if (this.literalOpen === undefined) return base;
    const { line, column } = this.position(this.literalOpen);
    return `${base} Note that '{{' at line ${line}, column ${column} is a literal '{': to start spintax with a nested group, put it after the first option, e.g. {Hey|{Hi|Hello}}.`;
  }

  private error(offset: number, message: string): TemplateError {
    const position = this.position(offset);
    return new TemplateError('TEMPLATE_SYNTAX', `Template error at line ${position.line}, column ${position.column}: ${message}`, position);
  }

  private position(offset: number): TemplatePosition {
    const before = this.source.slice(0, offset);
    const lineStart = before.lastIndexOf('\n') + 1;
    const line = before.split('\n').length;
    return { offset, line, column: Array.from(before.slice(lineStart)).length + 1 };
  }
}

function abbreviate(text: string): string {
  const chars = Array.from(text);
  return chars.length <= 30 ? text : `${chars.slice(0, 29).join('')}…`;
}
