/**
 * A throwaway PostgreSQL cluster owned by one test file (bench/postgres-cluster.ts, with fsync
 * off). Where PostgreSQL is not installed the caller skips with the reason this returns; with
 * MBX_REQUIRE_POSTGRES set (.ci/run sets it once it installed PostgreSQL) that is an error instead,
 * so CI never skips these tests.
 */
import { postgresUnavailable, startCluster, type PostgresCluster } from '../../bench/postgres-cluster.js';

export type TestPostgres = PostgresCluster;

/** Starts a cluster, or returns why it cannot (the caller skips with that reason). */
export async function startPostgres(): Promise<TestPostgres | string> {
  const why = postgresUnavailable();
  if (why) {
    if (process.env.MBX_REQUIRE_POSTGRES) throw new Error(`MBX_REQUIRE_POSTGRES is set but ${why}`);
    return why;
  }
  return startCluster({ durable: false, extra: '-c shared_buffers=32MB' });
}
