/** `--db`: a `postgres://` (or `postgresql://`) URL opens the PostgreSQL store; anything else is a SQLite file. */
import { PostgresStore, type PostgresOptions } from './postgres.js';
import { SqliteStore } from './sqlite.js';
import type { ReceiverStore } from './types.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

export async function openStore(db: string, opts: PostgresOptions = {}): Promise<ReceiverStore> {
  return isPostgresUrl(db) ? PostgresStore.open(db, opts) : SqliteStore.open(db.replace(/^sqlite:/i, ''), opts);
}
