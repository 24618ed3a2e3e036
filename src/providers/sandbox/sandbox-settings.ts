import { sanitizeSandboxConfig, type SandboxConfig } from '../../core/sandbox-config.js';

/**
 * The sandbox provider's simulation settings, stored on the session config (`sandbox`), completed
 * with defaults: every field set, each within SANDBOX_LIMITS. Everything random is drawn from
 * `seed`, so a run can be replayed exactly.
 */
export interface SandboxSettings {
  seed: number;
  /** `scan`: linking waits for POST /api/sessions/:id/sandbox/scan. `auto`: links itself after autoLinkMs. */
  linkMode: 'scan' | 'auto';
  autoLinkMs: number;
  /** A new QR code this often while waiting for a scan. */
  qrRotateMs: number;
  /** Time the simulated server takes to accept a message. */
  sendLatencyMs: number;
  /** Delay from acceptance to the delivered receipt; null: never delivered. */
  deliveryDelayMs: number | null;
  /** Delay from delivery to the read receipt; null: never read. */
  readDelayMs: number | null;
  /** Numbers treated as "not on WhatsApp": by ending, or listed (E.164). */
  notOnWhatsApp: { suffixes: string[]; numbers: string[] };
  /** Share of send attempts that fail with a transient error (0–1). */
  transientFailureRate: number;
  /** After this many accepted messages the account is restricted (rate-overlimit); null: never. */
  restrictAfterSends: number | null;
  /** The simulated account's own number, shown once linked. */
  phone: string;
}

export const SANDBOX_DEFAULTS: Omit<SandboxSettings, 'seed' | 'phone'> = {
  linkMode: 'scan',
  autoLinkMs: 1_000,
  qrRotateMs: 20_000,
  sendLatencyMs: 0,
  deliveryDelayMs: 200,
  readDelayMs: 1_000,
  notOnWhatsApp: { suffixes: [], numbers: [] },
  transientFailureRate: 0,
  restrictAfterSends: null,
};

/**
 * Settings as stored (any subset), completed with defaults derived from the session id. What is
 * stored is sanitised again here (core/sandbox-config.ts): nothing out of bounds reaches a timer.
 */
export function resolveSandboxSettings(sessionId: string, stored: SandboxConfig | null): SandboxSettings {
  const seed = hash32(sessionId);
  const { notOnWhatsApp, ...rest } = sanitizeSandboxConfig(stored).config;
  return {
    seed,
    phone: `+1555${String(seed % 10_000_000).padStart(7, '0')}`,
    ...SANDBOX_DEFAULTS,
    ...rest,
    notOnWhatsApp: { suffixes: notOnWhatsApp?.suffixes ?? [], numbers: notOnWhatsApp?.numbers ?? [] },
  };
}

/** FNV-1a: a stable 32-bit hash of a string. */
export function hash32(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** A number in [0, 1) fixed by the seed and the parts: the same question always gets the same answer. */
export function chance(seed: number, ...parts: (string | number)[]): number {
  return hash32(`${seed}:${parts.join(':')}`) / 0x1_0000_0000;
}

export function isOnWhatsApp(settings: SandboxSettings, phone: string): boolean {
  if (settings.notOnWhatsApp.numbers.includes(phone)) return false;
  return !settings.notOnWhatsApp.suffixes.some((suffix) => suffix !== '' && phone.endsWith(suffix));
}
