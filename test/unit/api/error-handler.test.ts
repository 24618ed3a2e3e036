import type { FastifyError } from 'fastify';
import { describe, expect, it } from 'vitest';
import { toResponse } from '../../../src/api/error-handler.js';

const fault = (message: string, code: string): FastifyError => Object.assign(new Error(message), { code });

describe('errors become HTTP answers', () => {
  it('answers a SQLite write lock held past the busy timeout with 503 DATABASE_BUSY, not 500', () => {
    expect(toResponse(fault('database is locked', 'SQLITE_BUSY'))).toEqual({
      status: 503,
      body: { error: { code: 'DATABASE_BUSY', message: expect.any(String) as string } },
    });
    expect(toResponse(fault('database is locked', 'SQLITE_BUSY_SNAPSHOT')).status).toBe(503);
  });

  it('answers anything unexpected with 500 and an error id, never the internal message', () => {
    const { status, body } = toResponse(fault('secret table name leaked', 'SQLITE_CORRUPT'));
    expect(status).toBe(500);
    expect(body.error.code).toBe('INTERNAL_ERROR');
    expect(body.error.errorId).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(body)).not.toContain('secret');
  });
});
