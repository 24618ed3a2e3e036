import type { PacingPolicy } from './pacing.js';
import type { SandboxConfig } from './sandbox-config.js';

export const PROVIDERS = ['baileys', 'sandbox'] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

/** What an operator configures for one WhatsApp account. Live status is not part of it. */
export interface SessionConfig {
  id: string;
  friendlyName: string;
  businessUnit: string;
  provider: ProviderKind;
  pacing: PacingPolicy;
  /** Provider-specific simulation settings; only for `sandbox`. */
  sandbox: SandboxConfig | null;
  createdAt: string;
  updatedAt: string;
}

export function isProviderKind(value: string): value is ProviderKind {
  return (PROVIDERS as readonly string[]).includes(value);
}
