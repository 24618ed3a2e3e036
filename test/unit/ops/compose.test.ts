import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

// Issue 14, item 11: the compose file's PostgreSQL had a default password ("wab").
describe('docker-compose.yml', () => {
  it('gives the postgres profile no default password: POSTGRES_PASSWORD must be set', () => {
    const compose = fs.readFileSync(path.resolve(import.meta.dirname, '..', '..', '..', 'docker-compose.yml'), 'utf8');
    const line = compose.split('\n').find((text) => /^\s+POSTGRES_PASSWORD:/.test(text));
    // Empty when unset: the postgres image then refuses to create its database.
    expect(line?.trim()).toBe('POSTGRES_PASSWORD: ${POSTGRES_PASSWORD:-}');
    expect(compose).not.toMatch(/postgres:\/\/wab:wab@/);
  });
});
