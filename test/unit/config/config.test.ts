import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../../src/config/config.js';

describe('loadConfig', () => {
  it('gives a runnable single-machine product with no variables at all', () => {
    const config = loadConfig({});
    expect(config.role).toBe('all');
    expect(config.http.port).toBe(3000);
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.database).toEqual({ kind: 'sqlite', file: path.resolve('./data/wab.sqlite') });
    expect(config.redis.url).toBeUndefined();
    expect(config.redis.prefix).toBe('wab');
    expect(config.adminApiKey).toBeUndefined();
    expect(config.defaultCountry).toBe('ID');
    expect(config.logLevel).toBe('info');
  });

  it('lists every bad variable in one error, without repeating secrets', () => {
    const error = (() => {
      try {
        loadConfig({
          PORT: 'eighty',
          LOG_LEVEL: 'loud',
          DEFAULT_COUNTRY: 'Indonesia',
          ADMIN_API_KEY: 'short-secret-value',
          REDIS_URL: 'http://user:hunter2@host',
          REDIS_PREFIX: 'has space',
        });
      } catch (caught) {
        return caught;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((problem) => problem.split(':')[0]).sort()).toEqual(
      ['ADMIN_API_KEY', 'DEFAULT_COUNTRY', 'LOG_LEVEL', 'PORT', 'REDIS_PREFIX', 'REDIS_URL'].sort(),
    );
    expect((error as ConfigError).message).not.toContain('short-secret-value');
    expect((error as ConfigError).message).not.toContain('hunter2');
    expect((error as ConfigError).message).toContain('"eighty"');
  });

  it('takes a pinned WhatsApp Web version, and refuses one that does not look like one', () => {
    expect(loadConfig({}).whatsapp.version).toBeUndefined();
    expect(loadConfig({ WA_VERSION: '2.3000.1023456789' }).whatsapp.version).toBe('2.3000.1023456789');
    for (const bad of ['2.3000', 'latest', '2.3000.1023456789; rm', '2.3000.x']) {
      expect(() => loadConfig({ WA_VERSION: bad }), bad).toThrow(/WA_VERSION/);
    }
  });

  it('keeps replies 90 days and attributes them 72 hours by default, within bounds', () => {
    expect(loadConfig({}).replies).toEqual({ retentionDays: 90, attributionHours: 72 });
    expect(loadConfig({ REPLY_RETENTION_DAYS: '7', REPLY_ATTRIBUTION_HOURS: '24' }).replies).toEqual({ retentionDays: 7, attributionHours: 24 });
    for (const bad of ['0', '-1', '3651', '1.5', 'forever']) expect(() => loadConfig({ REPLY_RETENTION_DAYS: bad }), bad).toThrow(/REPLY_RETENTION_DAYS/);
    for (const bad of ['0', '2161', 'x']) expect(() => loadConfig({ REPLY_ATTRIBUTION_HOURS: bad }), bad).toThrow(/REPLY_ATTRIBUTION_HOURS/);
  });

  it('takes the account health model from HEALTH_*, over the defaults, and refuses a broken one', () => {
    expect(loadConfig({}).health).toMatchObject({ windowHours: 24, bands: { healthy: 80, watch: 60, atRisk: 40 } });
    const tuned = loadConfig({ HEALTH_WINDOW_HOURS: '48', HEALTH_BANDS: '90,70,50', HEALTH_MODEL: '{"ackError479":{"points":15},"optOutRate":{"ok":0.02,"bad":0.08}}' }).health;
    expect(tuned).toMatchObject({ windowHours: 48, bands: { healthy: 90, watch: 70, atRisk: 50 }, ackError479: { points: 15, max: 40 }, optOutRate: { ok: 0.02, bad: 0.08, max: 40 } });
    for (const bad of ['{"nope":1}', 'not json', '[1]', '{"optOutRate":{"ok":0.5,"bad":0.1}}', '{"timelock":-1}']) {
      expect(() => loadConfig({ HEALTH_MODEL: bad }), bad).toThrow(/HEALTH_MODEL/);
    }
    expect(() => loadConfig({ HEALTH_BANDS: '40,60,80' })).toThrow(/bands must satisfy/);
    expect(() => loadConfig({ HEALTH_BANDS: 'high' })).toThrow(/HEALTH_BANDS/);
    expect(() => loadConfig({ HEALTH_WINDOW_HOURS: '169' })).toThrow(/HEALTH_WINDOW_HOURS/);
  });

  it('refuses a SHUTDOWN_TIMEOUT_MS longer than a timer can wait (it would force the exit at once)', () => {
    expect(loadConfig({ SHUTDOWN_TIMEOUT_MS: '2147483647' }).shutdownTimeoutMs).toBe(2_147_483_647);
    expect(() => loadConfig({ SHUTDOWN_TIMEOUT_MS: '2147483648' })).toThrow(/SHUTDOWN_TIMEOUT_MS/);
  });

  it('needs REDIS_URL for the api and worker roles, which never start their own Redis', () => {
    expect(() => loadConfig({}, { role: 'api' })).toThrow(/REDIS_URL: is required for role "api"/);
    expect(() => loadConfig({}, { role: 'worker' })).toThrow(/REDIS_URL/);
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }, { role: 'worker' }).role).toBe('worker');
  });

  it('takes the role from the command line over ROLE, and refuses an unknown one', () => {
    expect(loadConfig({ ROLE: 'worker', REDIS_URL: 'redis://x:1' }, { role: 'api' }).role).toBe('api');
    expect(() => loadConfig({}, { role: 'scheduler' })).toThrow(/ROLE/);
  });

  it('reads DATABASE_URL as PostgreSQL or as a SQLite file', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/wab' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/wab',
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/wab' }).database.kind).toBe('postgres');
    expect(loadConfig({ DATABASE_URL: 'sqlite:/var/lib/wab/db.sqlite' }).database).toEqual({
      kind: 'sqlite',
      file: '/var/lib/wab/db.sqlite',
    });
    expect(loadConfig({ DATABASE_URL: 'custom.sqlite' }).database).toEqual({
      kind: 'sqlite',
      file: path.resolve('custom.sqlite'),
    });
  });

  it('normalises the country code and accepts an admin key of 32 characters or more', () => {
    const config = loadConfig({ DEFAULT_COUNTRY: 'my', ADMIN_API_KEY: 'k'.repeat(32) });
    expect(config.defaultCountry).toBe('MY');
    expect(config.adminApiKey).toBe('k'.repeat(32));
  });

  it('treats empty variables (as left by a copied .env.example) as unset', () => {
    const config = loadConfig({ REDIS_URL: '', ADMIN_API_KEY: '', DATABASE_URL: '', LOG_LEVEL: '', DEFAULT_COUNTRY: ' ', PORT: '', METRICS_PORT: '' });
    expect(config.logLevel).toBe('info');
    expect(config.defaultCountry).toBe('ID');
    expect(config.http.port).toBe(3000);
    expect(config.metricsPort).toBeUndefined();
    expect(config.redis.url).toBeUndefined();
    expect(config.adminApiKey).toBeUndefined();
    expect(config.database.kind).toBe('sqlite');
  });

  it('reads TRUST_PROXY as no proxy, a number of proxies (true = one), or their addresses; never "trust every hop"', () => {
    const trust = (value?: string) => loadConfig(value === undefined ? {} : { TRUST_PROXY: value }).http.trustProxy;
    expect(trust()).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('true')).toBe(1);
    expect(trust('1')).toBe(1);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.1, 10.0.0.0/8 ,::1')).toBe('10.0.0.1,10.0.0.0/8,::1');
    expect(() => trust('yes')).toThrow(/TRUST_PROXY/);
    expect(() => trust('loopback')).toThrow(/TRUST_PROXY/);
  });

  it('limits failed authentications and WebSockets per key by default', () => {
    const config = loadConfig({});
    expect(config.http.authFailuresPerMinute).toBe(20);
    expect(config.wsMaxSocketsPerKey).toBe(20);
  });
});
