import type SQLite from 'better-sqlite3';
import { CompiledQuery, Kysely, PostgresDialect, SqliteAdapter, SqliteDialect, SqliteDriver, sql, type DatabaseConnection, type DialectAdapter, type Driver, type SqliteDialectConfig } from 'kysely';
import pg from 'pg';
import type { DatabaseTarget } from '../config/config.js';
import type { Database } from './schema.js';
import { openSqlite } from './sqlite.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  target: DatabaseTarget;
  /**
   * The SQLite connection under Kysely, for the few bulk paths where per-statement overhead
   * dominates. Use it only inside `db.connection().execute(…)`, which holds the connection.
   */
  sqlite?: SQLite.Database;
  /** Answers when the database does; used by /ready. */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** SQLite does run DDL inside transactions: a failed migration leaves nothing half-applied. */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

/**
 * Transactions take the write lock when they begin (BEGIN IMMEDIATE), waiting up to the busy
 * timeout. A deferred BEGIN that reads, then writes after another process (the import process,
 * a second api or worker) committed, fails at once with "database is locked" (SQLITE_BUSY_SNAPSHOT):
 * SQLite cannot wait that one out.
 */
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

class TransactionalDdlSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }

  override createAdapter(): DialectAdapter {
    return new TransactionalDdlSqliteAdapter();
  }
}

// PostgreSQL's bigint (sizes, counts) arrives as a string by default; ours all fit a JS number,
// and SQLite returns numbers, so both dialects hand the repositories the same values.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

export function createDatabase(target: DatabaseTarget, onIdleError: (error: Error) => void = () => undefined): DatabaseHandle {
  const sqlite = target.kind === 'sqlite' ? openSqlite(target.file) : undefined;
  let db: Db;
  if (target.kind === 'postgres') {
    const pool = new pg.Pool({ connectionString: target.url, max: 10, connectionTimeoutMillis: 10_000 });
    // An idle connection the server closed (a restart, a failover, an admin): the pool drops it and
    // opens another when needed. Without a listener, node would treat it as a crash.
    pool.on('error', onIdleError);
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  } else {
    db = new Kysely<Database>({ dialect: new TransactionalDdlSqliteDialect({ database: sqlite ?? openSqlite(target.file) }) });
  }
  return {
    db,
    target,
    ...(sqlite === undefined ? {} : { sqlite }),
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}
