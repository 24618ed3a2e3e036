/**
 * The sandbox provider's simulation settings as an operator stores them on a session (any
 * subset; the provider fills the rest with defaults). Every setting has bounds: each one drives
 * a timer or a list lookup in the worker, and a zero QR rotation or a month-long send latency
 * would spin a core or hold a blast in `running`. The api's schema is built from these bounds,
 * and what is read back from the database is passed through `sanitizeSandboxConfig`, so settings
 * stored before the bounds existed cannot do either.
 */
export interface SandboxConfig {
  seed?: number;
  linkMode?: 'scan' | 'auto';
  autoLinkMs?: number;
  qrRotateMs?: number;
  sendLatencyMs?: number;
  deliveryDelayMs?: number | null;
  readDelayMs?: number | null;
  notOnWhatsApp?: { suffixes?: string[]; numbers?: string[] };
  transientFailureRate?: number;
  restrictAfterSends?: number | null;
  phone?: string;
}

interface Range {
  min: number;
  max: number;
  integer: boolean;
}

export const SANDBOX_LIMITS = {
  seed: { min: 0, max: 0xffff_ffff, integer: true },
  autoLinkMs: { min: 0, max: 600_000, integer: true },
  /** A QR code is a PNG rendered and relayed through Redis: a few seconds apart at least. */
  qrRotateMs: { min: 5_000, max: 600_000, integer: true },
  /** The send waits this long, and pause or stop wait for the send. */
  sendLatencyMs: { min: 0, max: 30_000, integer: true },
  /** One timer per accepted message stays until its receipt. */
  deliveryDelayMs: { min: 0, max: 600_000, integer: true },
  readDelayMs: { min: 0, max: 600_000, integer: true },
  transientFailureRate: { min: 0, max: 1, integer: false },
  restrictAfterSends: { min: 0, max: 100_000_000, integer: true },
} as const satisfies Record<string, Range>;

export const SANDBOX_LIST_LIMITS = {
  suffixes: { maxItems: 100, pattern: '^[0-9]{1,15}$' },
  numbers: { maxItems: 1_000, pattern: '^\\+[0-9]{6,15}$' },
} as const;

export const SANDBOX_PHONE_PATTERN = '^\\+[0-9]{6,15}$';

type NumberField = keyof typeof SANDBOX_LIMITS;
const NULLABLE: ReadonlySet<NumberField> = new Set(['deliveryDelayMs', 'readDelayMs', 'restrictAfterSends']);

/**
 * What of a stored value can be used: numbers clamped into their bounds, list items that do not
 * match dropped and lists cut to their count, anything else of the wrong type or unknown left
 * out (the default applies). `ignored` names what was clamped, cut or left out.
 */
export function sanitizeSandboxConfig(stored: unknown): { config: SandboxConfig; ignored: string[] } {
  const config: Record<string, unknown> = {};
  const ignored: string[] = [];
  if (!isObject(stored)) return { config, ignored: stored === null || stored === undefined ? [] : ['sandbox'] };
  for (const [name, value] of Object.entries(stored)) {
    if (name in SANDBOX_LIMITS) {
      const field = name as NumberField;
      if (value === null && NULLABLE.has(field)) config[field] = null;
      else if (typeof value === 'number' && Number.isFinite(value)) {
        const clamped = clamp(value, SANDBOX_LIMITS[field]);
        if (clamped !== value) ignored.push(name);
        config[field] = clamped;
      } else ignored.push(name);
    } else if (name === 'linkMode' && (value === 'scan' || value === 'auto')) {
      config.linkMode = value;
    } else if (name === 'phone' && typeof value === 'string' && new RegExp(SANDBOX_PHONE_PATTERN).test(value)) {
      config.phone = value;
    } else if (name === 'notOnWhatsApp' && isObject(value)) {
      const lists: Record<string, string[]> = {};
      for (const [key, limits] of Object.entries(SANDBOX_LIST_LIMITS)) {
        const items = value[key];
        if (items === undefined) continue;
        const pattern = new RegExp(limits.pattern);
        const kept = Array.isArray(items) ? items.filter((item): item is string => typeof item === 'string' && pattern.test(item)).slice(0, limits.maxItems) : [];
        if (!Array.isArray(items) || kept.length !== items.length) ignored.push(`notOnWhatsApp.${key}`);
        lists[key] = kept;
      }
      config.notOnWhatsApp = lists;
    } else {
      ignored.push(name);
    }
  }
  return { config, ignored };
}

function clamp(value: number, range: Range): number {
  const rounded = range.integer ? Math.round(value) : value;
  return Math.min(range.max, Math.max(range.min, rounded));
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
