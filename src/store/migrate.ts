import SQLite from 'better-sqlite3';
import { Migrator } from 'kysely';
import { createPrivateFile } from '../infra/private-files.js';
import type { Logger } from '../logging/logger.js';
import type { DatabaseHandle } from './database.js';
import { migrationProvider } from './migrations/index.js';

const MIGRATION_LOCK_TIMEOUT_MS = 300_000;

/**
 * Brings the schema up to date. Safe when several processes start at once on one database:
 * PostgreSQL serialises the runs with Kysely's advisory lock; for SQLite we hold an exclusive
 * lock on a side file, which the operating system releases if the holder dies. The loser waits,
 * then finds nothing left to do.
 */
export async function migrateToLatest(handle: DatabaseHandle, log: Logger): Promise<void> {
  const release = handle.target.kind === 'sqlite' ? lockSqlite(handle.target.file) : () => undefined;
  try {
    const migrator = new Migrator({ db: handle.db, provider: migrationProvider });
    const { error, results } = await migrator.migrateToLatest();
    for (const result of results ?? []) {
      if (result.status === 'Success') log.info({ migration: result.migrationName }, 'migration applied');
      if (result.status === 'Error') log.error({ migration: result.migrationName }, 'migration failed');
    }
    if (error !== undefined) {
      throw error instanceof Error ? error : new Error(`migration failed: ${JSON.stringify(error)}`);
    }
    if (results?.some((result) => result.migrationName === '0020-units' && result.status === 'Success')) await reportUnitVariants(handle, log);
  } finally {
    release();
  }
}

function lockSqlite(file: string): () => void {
  if (file === ':memory:') return () => undefined;
  const lockFile = `${file}.migrate-lock`;
  createPrivateFile(lockFile);
  const lock = new SQLite(lockFile);
  // Waits while another process holds it; a long migration elsewhere is worth waiting for.
  lock.pragma(`busy_timeout = ${MIGRATION_LOCK_TIMEOUT_MS}`);
  lock.exec('BEGIN EXCLUSIVE');
  return () => {
    lock.exec('COMMIT');
    lock.close();
  };
}

/** 0020 kept business units whose names differ only in case apart (never merged): the operator hears which. */
async function reportUnitVariants(handle: DatabaseHandle, log: Logger): Promise<void> {
  const variants = await handle.db
    .selectFrom('units as variant')
    .innerJoin('units as original', 'original.id', 'variant.variant_of')
    .select(['variant.name as name', 'original.name as variantOf'])
    .execute();
  if (variants.length === 0) return;
  // In code-point order on both databases (their collations differ on case).
  const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
  variants.sort((a, b) => byCodePoint(a.variantOf, b.variantOf) || byCodePoint(a.name, b.name));
  log.warn(
    { migration: '0020-units', caseVariants: variants },
    `business units differing only in case were kept apart, not merged: ${variants.map((v) => `"${v.name}" (beside "${v.variantOf}")`).join(', ')}; ` +
      'each stays its own unit (variantOf in GET /api/units) until an admin renames it (PATCH /api/units/{id})',
  );
}
