import { DEFAULT_CONNECTION_CONFIG } from 'baileys';
import { describe, expect, it } from 'vitest';
import { formatWaVersion, resolveWaVersion } from '../../../src/providers/baileys/wa-version.js';

describe('WhatsApp Web client version', () => {
  it('a pinned WA_VERSION wins, without asking anyone', async () => {
    let asked = false;
    const resolved = await resolveWaVersion({
      pinned: '2.3000.1023456789',
      fetchLatest: () => {
        asked = true;
        return Promise.reject(new Error('not to be called'));
      },
    });
    expect(resolved).toEqual({ version: [2, 3000, 1023456789], source: 'pinned' });
    expect(asked).toBe(false);
  });

  it('otherwise the version WhatsApp Web serves now', async () => {
    const resolved = await resolveWaVersion({ pinned: undefined, fetchLatest: () => Promise.resolve({ version: [2, 3000, 1099999999], isLatest: true }) });
    expect(resolved).toEqual({ version: [2, 3000, 1099999999], source: 'fetched' });
  });

  it('falls back to the bundled version, with the reason, when the answer does not come within the timeout', async () => {
    const hangs = (signal: AbortSignal): Promise<never> =>
      new Promise((_resolve, reject) => {
        signal.addEventListener('abort', () => {
          reject(new Error('This operation was aborted'));
        });
      });
    const started = Date.now();
    const resolved = await resolveWaVersion({ pinned: undefined, fetchLatest: hangs, timeoutMs: 50 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(resolved).toEqual({ version: DEFAULT_CONNECTION_CONFIG.version, source: 'bundled', error: 'This operation was aborted' });
  });

  it('falls back when baileys itself reports it could not fetch (it does not throw)', async () => {
    const resolved = await resolveWaVersion({
      pinned: undefined,
      fetchLatest: () => Promise.resolve({ version: DEFAULT_CONNECTION_CONFIG.version, isLatest: false, error: new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND web.whatsapp.com') }) }),
    });
    expect(resolved).toEqual({ version: DEFAULT_CONNECTION_CONFIG.version, source: 'bundled', error: 'fetch failed: getaddrinfo ENOTFOUND web.whatsapp.com' });
    expect(formatWaVersion(resolved.version)).toMatch(/^2\.3000\.\d+$/);
  });
});
