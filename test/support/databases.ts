import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type { DatabaseTarget } from '../../src/config/config.js';
import { createDatabase, type DatabaseHandle } from '../../src/store/database.js';

export interface TestDatabase {
  target: DatabaseTarget;
  /** What DATABASE_URL would be for a product started on it. */
  url: string;
  drop(): Promise<void>;
}

export function tempDir(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `wab-${label}-`));
}

export function sqliteDatabase(): TestDatabase {
  const dir = tempDir('sqlite');
  const file = path.join(dir, 'test.sqlite');
  return {
    target: { kind: 'sqlite', file },
    url: file,
    drop: () => {
      fs.rmSync(dir, { recursive: true, force: true });
      return Promise.resolve();
    },
  };
}

/**
 * ICU's English with punctuation ignored at the first level: strings compare as they do under
 * glibc's en_US.UTF-8 (`'staging-1' < 'staging.'` is false), whatever locales the test machine has.
 */
export const NATURAL_LANGUAGE_COLLATION = 'en-u-ka-shifted';

/**
 * A fresh PostgreSQL database of its own, made through the admin URL and dropped after; with
 * `icuLocale`, its strings compare in that locale rather than the cluster's (often C).
 */
export async function postgresDatabase(adminUrl: string, options: { icuLocale?: string } = {}): Promise<TestDatabase> {
  const name = `wab_test_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    const locale = options.icuLocale === undefined ? '' : ` TEMPLATE template0 LOCALE_PROVIDER icu ICU_LOCALE '${options.icuLocale}'`;
    await admin.query(`CREATE DATABASE ${name}${locale}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    target: { kind: 'postgres', url: url.toString() },
    url: url.toString(),
    drop: async () => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}

export interface DatabaseKind {
  kind: 'sqlite' | 'postgres';
  /** PostgreSQL is skipped, visibly, when TEST_POSTGRES_URL is unset. */
  skip: boolean;
  create: () => Promise<TestDatabase>;
}

/** The databases a store test runs on: SQLite always, PostgreSQL when TEST_POSTGRES_URL is set. */
export function databaseKinds(postgresUrl: string): DatabaseKind[] {
  return [
    { kind: 'sqlite', skip: false, create: () => Promise.resolve(sqliteDatabase()) },
    // Sorting text as many servers do (en_US.UTF-8), not byte by byte: what holds only in byte order fails here.
    { kind: 'postgres', skip: postgresUrl === '', create: () => postgresDatabase(postgresUrl, { icuLocale: NATURAL_LANGUAGE_COLLATION }) },
  ];
}

/** The database a product started with DATABASE_URL=`url` uses, opened from the test (SQLite or PostgreSQL). */
export function openProductDatabase(url: string): DatabaseHandle {
  return createDatabase(url.startsWith('postgres') ? { kind: 'postgres', url } : { kind: 'sqlite', file: url });
}
