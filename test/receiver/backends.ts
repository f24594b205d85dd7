/**
 * The two stores the receiver tests run against: SQLite (a temp file) and PostgreSQL (a throwaway
 * cluster for the test file, one fresh database per call). PostgreSQL is skipped with the reason
 * where it is not installed, never in CI (see test/helpers/postgres.ts).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';

export interface Backend {
  name: 'sqlite' | 'postgres';
  /** Why this backend's tests are skipped here. */
  skip?: string;
  /** A new, empty database: a file path or a postgres:// URL. */
  newDb(): Promise<string>;
  pg?: TestPostgres;
}

export async function backends(): Promise<{ list: Backend[]; sqlite: Backend; postgres: Backend; cleanup(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-rx-'));
  let n = 0;
  const sqlite: Backend = { name: 'sqlite', newDb: async () => join(dir, `receiver-${++n}.db`) };
  const pgOrWhy = await startPostgres();
  const postgres: Backend =
    typeof pgOrWhy === 'string'
      ? { name: 'postgres', skip: pgOrWhy, newDb: () => Promise.reject(new Error(pgOrWhy)) }
      : { name: 'postgres', pg: pgOrWhy, newDb: () => pgOrWhy.createDatabase() };
  return {
    list: [sqlite, postgres],
    sqlite,
    postgres,
    async cleanup() {
      await postgres.pg?.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A describe title that says why it is skipped. */
export const titled = (b: Backend, what: string): string => `${what} [${b.name}]${b.skip ? ` (skipped: ${b.skip})` : ''}`;
