/**
 * Opening the outbox file: a damaged WAL or a failed quick_check moves the file aside (it is
 * salvaged afterwards, salvage.ts), WAL + synchronous=FULL, and the migrations in one transaction.
 * Also how SQLite and file-system errors become MBX_STORE_* errors with advice.
 */
import Database from 'better-sqlite3';
import { existsSync, mkdirSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import { MeterboxError, isMeterboxError } from '../contract/errors.js';
import { walDamage } from './damaged-file.js';
import { FAILURE_ADVICE, FAILURE_CODES, classifyFailure, type StoreFailure } from './policy.js';
import { MIGRATIONS, planMigrations, type Migration } from './schema.js';

/**
 * The WAL is checkpointed after every poll cycle and upload; this caps what is left on disk after
 * a checkpoint resets it, and how far it grows between automatic checkpoints (pages of 8 KiB).
 */
const WAL_LIMIT_BYTES = 4 * 1024 * 1024;
const WAL_AUTOCHECKPOINT_PAGES = 256;
/**
 * The page cache of the daemon's one connection, KiB (SQLite's own default). better-sqlite3 builds
 * SQLite with SQLITE_DEFAULT_CACHE_SIZE=-16000 (16 MB), which the outbox fills: quick_check at
 * start reads the whole file through it, and a poll of 1,000 devices writes thousands of pages.
 * The outbox's work is appends and reads of the oldest batch, where a bigger cache buys nothing.
 */
const CACHE_KIB = 2000;

/** A connection with the outbox's settings that hold per connection (not stored in the file). */
function openConnection(path: string): Database.Database {
  const db = new Database(path);
  db.pragma('busy_timeout = 5000');
  db.pragma(`cache_size = -${CACHE_KIB}`);
  return db;
}

export interface OpenedDatabase {
  db: Database.Database;
  /** The file did not exist or was replaced. */
  fresh: boolean;
  migratedFrom: number;
  schemaVersion: number;
  /** Where a corrupt database was moved, and what its check said. */
  movedAside?: string;
  check?: string;
}

export function fileSize(p: string): number {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
}

/** A stable, filename-safe timestamp: 2026-11-22T18-00-03-120Z. */
function stamp(d: Date): string {
  return d.toISOString().replace(/[:.]/g, '-');
}

function sqliteCode(err: unknown): string | undefined {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof (err as { code: unknown }).code === 'string') {
    return (err as { code: string }).code;
  }
  return undefined;
}

/** Turns a SQLite or fs error into a MeterboxError with an MBX_STORE_* code and advice. */
export function storeError(err: unknown, path: string, doing: string): MeterboxError {
  if (isMeterboxError(err)) return err;
  const code = sqliteCode(err);
  const kind = classifyFailure(code);
  const msg = err instanceof Error ? err.message : String(err);
  return new MeterboxError(FAILURE_CODES[kind], `${path}: ${doing} failed: ${FAILURE_ADVICE[kind]} (${code ?? 'error'}: ${msg})`, {
    path,
    sqlite: code,
    failure: kind,
  }, { cause: err });
}

/** An error that comes from SQLite or the outbox (as opposed to the network or a bug). */
export function isStoreFailure(err: unknown): boolean {
  if (isMeterboxError(err)) return err.code.startsWith('MBX_STORE_');
  return sqliteCode(err)?.startsWith('SQLITE_') ?? false;
}

export function failureOf(err: unknown): StoreFailure {
  if (isMeterboxError(err) && typeof err.context.failure === 'string') return err.context.failure as StoreFailure;
  return classifyFailure(sqliteCode(err));
}

function quickCheck(db: Database.Database): string | undefined {
  const rows = db.pragma('quick_check', { simple: false }) as { quick_check: string }[];
  const msgs = rows.map((r) => r.quick_check);
  return msgs.length === 1 && msgs[0] === 'ok' ? undefined : msgs.slice(0, 5).join('; ');
}

function readVersion(db: Database.Database, path: string): number {
  const hasMeta = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'meta'").get();
  if (!hasMeta) {
    const other = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' LIMIT 1").get() as { name: string } | undefined;
    if (other) {
      throw new MeterboxError('MBX_STORE_MIGRATION', `${path}: not a meterbox outbox (table '${other.name}' but no meta table); move it aside or choose another --db`, { path });
    }
    return 0;
  }
  const row = db.prepare("SELECT value FROM meta WHERE key = 'schema_version'").get() as { value: string } | undefined;
  return row ? Number(row.value) : 0;
}

/** Moves `path` and its WAL/SHM files aside; returns the new name of the database. */
function moveAside(path: string, now: Date): string {
  const aside = `${path}.corrupt-${stamp(now)}`;
  for (const suffix of ['-wal', '-shm', '-journal']) {
    if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  }
  if (existsSync(path)) renameSync(path, aside);
  return aside;
}


/**
 * Opens (creating when missing) the outbox at `path`: quick_check, a corrupt file moved aside
 * and replaced, WAL + synchronous=FULL, migrations in one transaction. Throws MBX_STORE_* errors;
 * never leaves a half-migrated database.
 */
export function openDatabase(path: string, opts: { now: () => Date; migrations?: readonly Migration[]; knownCorrupt?: string }, log: Logger): OpenedDatabase {
  const now = opts.now;
  try {
    mkdirSync(dirname(path), { recursive: true });
  } catch (err) {
    throw storeError(err, path, 'creating the state directory');
  }
  const existed = existsSync(path) && statSync(path).size > 0;
  let db: Database.Database | undefined;
  // Before SQLite opens the file: a damaged WAL frame would make it drop every later commit.
  let corrupt = opts.knownCorrupt ?? (existed ? walDamage(path) : undefined);
  if (corrupt === undefined) {
    try {
      db = openConnection(path);
      if (existed) corrupt = quickCheck(db);
    } catch (err) {
      if (failureOf(err) === 'corrupt') corrupt = err instanceof Error ? err.message : String(err);
      else {
        db?.close();
        throw storeError(err, path, 'opening the database');
      }
    }
  }
  let movedAside: string | undefined;
  if (corrupt !== undefined) {
    db?.close();
    db = undefined;
    try {
      movedAside = moveAside(path, now());
    } catch (err) {
      throw storeError(err, path, 'moving the corrupt database aside');
    }
    log.error({ path, movedAside, check: corrupt }, 'outbox database failed its integrity check; moved aside, starting a fresh one');
  }
  try {
    if (!db) {
      db = openConnection(path);
    }
    const d = db;
    const fresh = !existed || movedAside !== undefined;
    if (fresh) {
      // Before the first table: 8 KiB pages hold five ~1.4 KB reading rows with little slack (4 KiB pages hold two).
      d.pragma('page_size = 8192');
      d.pragma('auto_vacuum = INCREMENTAL');
    }
    d.pragma('journal_mode = WAL');
    d.pragma('synchronous = FULL');
    d.pragma(`journal_size_limit = ${WAL_LIMIT_BYTES}`);
    d.pragma(`wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES}`);
    const migrations = opts.migrations ?? MIGRATIONS;
    const migrate = d.transaction(() => {
      const from = readVersion(d, path);
      const todo = planMigrations(from, migrations, path);
      for (const m of todo) {
        try {
          d.exec(m.sql);
        } catch (err) {
          if (failureOf(err) !== 'other') throw err; // disk full, read-only, … keep their own code
          throw new MeterboxError('MBX_STORE_MIGRATION', `${path}: migration ${m.version} (${m.name}) failed and was rolled back: ${(err as Error).message}`, { path, migration: m.version }, { cause: err });
        }
      }
      const to = from + todo.length;
      if (todo.length > 0) {
        const at = now().toISOString();
        const put = d.prepare('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value');
        put.run('schema_version', String(to));
        put.run('migrated_at', at);
        if (from === 0) put.run('created_at', at);
      }
      return { from, to };
    });
    const { from, to } = migrate.immediate();
    if (from !== to) log.info({ path, from, to }, 'outbox schema migrated');
    return { db: d, fresh, migratedFrom: from, schemaVersion: to, ...(movedAside ? { movedAside, check: corrupt } : {}) };
  } catch (err) {
    db?.close();
    throw storeError(err, path, 'preparing the database');
  }
}
