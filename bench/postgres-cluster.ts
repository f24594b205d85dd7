/**
 * A throwaway PostgreSQL cluster: initdb + pg_ctl in a temp dir, on a free port of 127.0.0.1, run
 * as the `postgres` user when we are root (PostgreSQL refuses to run as root). The fleet benchmark
 * and the receiver tests own one each; nothing of it outlives stop().
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './receiver-process.js';

const run = promisify(execFile);

export interface PostgresCluster {
  port: number;
  /** URL of a database of this cluster (default `postgres`), over TCP on 127.0.0.1. */
  url(db?: string): string;
  /** The same database over the cluster's Unix socket (how a receiver on the database's own machine connects). */
  socketUrl(db: string): string;
  /** A new empty database; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Runs SQL on a database of this cluster. */
  query<R extends pg.QueryResultRow>(url: string, sql: string, args?: unknown[]): Promise<R[]>;
  /** The server's processes (the postmaster and its children), for CPU accounting. */
  pids(): number[];
  stop(): Promise<void>;
}

/** The directory with initdb and pg_ctl: $MBX_PG_BIN, the newest /usr/lib/postgresql/N/bin, or PATH. */
export function findPgBin(): string | undefined {
  const candidates: string[] = [];
  if (process.env.MBX_PG_BIN) candidates.push(process.env.MBX_PG_BIN);
  const debian = '/usr/lib/postgresql';
  if (existsSync(debian)) {
    for (const v of readdirSync(debian).sort((a, b) => Number(b) - Number(a))) candidates.push(join(debian, v, 'bin'));
  }
  candidates.push(...(process.env.PATH ?? '').split(delimiter));
  return candidates.find((d) => d && existsSync(join(d, 'initdb')) && existsSync(join(d, 'pg_ctl')));
}

function postgresUser(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('postgres:'));
  if (!line) return undefined;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** Why a cluster cannot be started here, or undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (!findPgBin()) return 'PostgreSQL is not installed (no initdb/pg_ctl; apt install postgresql)';
  if (process.getuid?.() === 0 && !postgresUser()) return 'running as root and there is no postgres user to run PostgreSQL as';
  return undefined;
}

/**
 * Starts a cluster. `durable: false` turns fsync and synchronous commit off (tests: they check the
 * receiver's logic, not survival of a power cut); the benchmark keeps PostgreSQL's defaults.
 */
export async function startCluster(o: { durable: boolean; extra?: string } = { durable: true }): Promise<PostgresCluster> {
  const why = postgresUnavailable();
  if (why) throw new Error(why);
  const bin = findPgBin() as string;
  const user = process.getuid?.() === 0 ? postgresUser() : undefined;
  const dir = mkdtempSync(join(tmpdir(), 'mbx-pg-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const as = { cwd: dir, ...(user ? { uid: user.uid, gid: user.gid } : {}), env: { ...process.env, LC_ALL: 'C', LANG: 'C' } };
  const data = join(dir, 'data');
  await run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], as);
  const relaxed = o.durable ? '' : ' -c fsync=off -c full_page_writes=off -c synchronous_commit=off';
  let port = 0;
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c max_connections=200${relaxed}${o.extra ? ` ${o.extra}` : ''}`;
    try {
      await run(join(bin, 'pg_ctl'), ['-D', data, '-o', opts, '-l', join(dir, 'log'), '-w', '-t', '60', 'start'], as);
      break;
    } catch (err) {
      if (attempt >= 3) {
        const log = existsSync(join(dir, 'log')) ? readFileSync(join(dir, 'log'), 'utf8').slice(-2000) : '';
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`pg_ctl start failed: ${(err as Error).message}\n${log}`);
      }
    }
  }
  const url = (db = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${db}`;
  const query = async <R extends pg.QueryResultRow>(u: string, sql: string, args: unknown[] = []) => {
    const c = new pg.Client({ connectionString: u });
    await c.connect();
    try {
      return (await c.query<R>(sql, args)).rows;
    } finally {
      await c.end();
    }
  };
  let n = 0;
  return {
    port,
    url,
    socketUrl: (db) => `postgres://postgres@/${db}?host=${encodeURIComponent(dir)}&port=${port}`,
    query,
    pids() {
      const master = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
      const children = readdirSync('/proc')
        .filter((d) => /^\d+$/.test(d))
        .filter((d) => {
          try {
            return Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1]) === master;
          } catch {
            return false;
          }
        })
        .map(Number);
      return [master, ...children];
    },
    async createDatabase(name = `t${process.pid}_${++n}_${Math.random().toString(36).slice(2, 8)}`) {
      await query(url(), `CREATE DATABASE "${name}"`);
      return url(name);
    },
    async stop() {
      await run(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop'], as).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
