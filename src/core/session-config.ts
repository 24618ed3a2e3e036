import type { PacingPolicy } from './pacing.js';
import type { SandboxConfig } from './sandbox-config.js';

export const PROVIDERS = ['baileys', 'sandbox'] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

/** What an operator configures for one WhatsApp account. Live status is not part of it. */
export interface SessionConfig {
  id: string;
  /**
   * This session's own identity, never shown. The id is a name a unit chooses, free again once the
   * session is deleted; a session re-created with that id has another uid, and blasts made with the
   * first one are never sent from it.
   */
  uid: string;
  friendlyName: string;
  businessUnit: string;
  provider: ProviderKind;
  pacing: PacingPolicy;
  /**
   * Check each number is on WhatsApp before sending to it: the default of this session's blasts,
   * and `false` turns checks off for all of them. Unset: on for `baileys`, off for `sandbox`.
   */
  checkNumbers?: boolean;
  /** Provider-specific simulation settings; only for `sandbox`. */
  sandbox: SandboxConfig | null;
  createdAt: string;
  updatedAt: string;
}

export function isProviderKind(value: string): value is ProviderKind {
  return (PROVIDERS as readonly string[]).includes(value);
}

/** A session as a blast refers to it: by its id and by the identity it had when the blast was made. */
export interface SessionRef {
  id: string;
  uid: string;
}

/**
 * A restriction WhatsApp put on the account, as the operator sees it (`restriction` on a session):
 * why (e.g. `reachout_timelock`), WhatsApp's code if any (`463`), and when it ends (ISO) if known.
 */
export interface SessionRestriction {
  reason: string;
  code: string | null;
  until: string | null;
}
