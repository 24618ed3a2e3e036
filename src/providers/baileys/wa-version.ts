import { DEFAULT_CONNECTION_CONFIG, fetchLatestWaWebVersion, type WAVersion } from 'baileys';

/** The WhatsApp Web client version the sockets announce, and where it came from. */
export interface ResolvedWaVersion {
  version: WAVersion;
  /** `pinned` (WA_VERSION), `fetched` (what web.whatsapp.com serves now) or `bundled` (baileys' own). */
  source: 'pinned' | 'fetched' | 'bundled';
  /** Why the current version could not be fetched, when the bundled one is used. */
  error?: string;
}

export type FetchLatestVersion = (signal: AbortSignal) => Promise<{ version: WAVersion; isLatest: boolean; error?: unknown }>;

/** The version web.whatsapp.com serves now (baileys reads `client_revision` from its sw.js). */
export const fetchWaWebVersion: FetchLatestVersion = (signal) => fetchLatestWaWebVersion({ signal });

export const FETCH_TIMEOUT_MS = 5_000;

/** `2.3000.1023456789` → [2, 3000, 1023456789]; config validation guarantees the shape. */
export function parseWaVersion(text: string): WAVersion {
  const [major = 0, minor = 0, revision = 0] = text.split('.').map(Number);
  return [major, minor, revision];
}

export function formatWaVersion(version: WAVersion): string {
  return version.join('.');
}

/**
 * WhatsApp refuses a retired client version at login (405), and baileys' bundled one ages with
 * the package: so a pinned WA_VERSION wins, else the version WhatsApp Web serves now is asked for
 * with a short timeout, else the bundled one is used (and the reason kept, for the operator).
 */
export async function resolveWaVersion(options: {
  pinned: string | undefined;
  fetchLatest?: FetchLatestVersion;
  timeoutMs?: number;
}): Promise<ResolvedWaVersion> {
  if (options.pinned !== undefined) return { version: parseWaVersion(options.pinned), source: 'pinned' };
  const bundled = DEFAULT_CONNECTION_CONFIG.version;
  try {
    const fetched = await (options.fetchLatest ?? fetchWaWebVersion)(AbortSignal.timeout(options.timeoutMs ?? FETCH_TIMEOUT_MS));
    if (fetched.isLatest) return { version: fetched.version, source: 'fetched' };
    return { version: bundled, source: 'bundled', error: describe(fetched.error) };
  } catch (error) {
    return { version: bundled, source: 'bundled', error: describe(error) };
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause}`;
  }
  if (typeof error === 'object' && error !== null && 'message' in error && typeof error.message === 'string') return error.message;
  return 'unknown error';
}
