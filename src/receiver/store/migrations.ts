/**
 * Versioned schema migrations of the receiver, one list for both stores. Each runs once, in a
 * transaction, in order, at start; `schema_migrations` records what ran. Running them again is a
 * no-op (the version check, and IF NOT EXISTS throughout), and several nodes starting at once on
 * one PostgreSQL take turns (an advisory lock), so any node may start first.
 *
 * Tenancy and Citus: every table that holds agent data has agent_id first in its primary key and
 * no unique constraint without it, so `create_distributed_table('<table>', 'agent_id')` applies
 * to readings, devices, agents, heartbeats, commands, events, alerts and rate_windows (co-located);
 * tokens is small and looked up by id, a reference table (`create_reference_table('tokens')`).
 * See the README's production section.
 *
 * Version 1 is the layout of the reference receiver before tenancy (SQLite only; PostgreSQL never
 * had it). Version 2 re-keys it by agent_id and adds tokens, acknowledged commands, alerts, events
 * and rate windows; on a SQLite file from before, it carries the rows over.
 */

import { PRINTED_COUNTERS } from '../../billing/index.js';
import { EVERY_DAY, pageCollapseSql } from './snapshots.js';

export interface Migration {
  version: number;
  name: string;
  sqlite: string;
  postgres: string;
}

const V1_SQLITE = `
  CREATE TABLE IF NOT EXISTS readings (
    id TEXT PRIMARY KEY, agent_id TEXT NOT NULL, device_key TEXT NOT NULL, read_at TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS devices (
    key TEXT PRIMARY KEY, agent_id TEXT NOT NULL, vendor TEXT, model TEXT, serial TEXT, readings INTEGER NOT NULL DEFAULT 0, last_read_at TEXT, last_counters TEXT
  ) STRICT;
  CREATE TABLE IF NOT EXISTS agents (
    agent_id TEXT PRIMARY KEY, last_seen TEXT, version TEXT, last_heartbeat TEXT, heartbeats INTEGER NOT NULL DEFAULT 0, readings INTEGER NOT NULL DEFAULT 0, last_reading_at TEXT
  ) STRICT;
  CREATE TABLE IF NOT EXISTS heartbeats (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, at TEXT NOT NULL, body TEXT NOT NULL) STRICT;
  CREATE TABLE IF NOT EXISTS commands (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, delivered_at TEXT) STRICT;
`;

// SQLite: log tables (heartbeats, events, alerts) keep a rowid `seq` as their key; one file has no shards.
const V2_SQLITE = `
  ALTER TABLE readings RENAME TO readings_v1;
  CREATE TABLE readings (
    agent_id TEXT NOT NULL, reading_id TEXT NOT NULL, device_key TEXT NOT NULL, read_at TEXT NOT NULL, received_at TEXT NOT NULL, body TEXT NOT NULL,
    PRIMARY KEY (agent_id, reading_id)
  ) STRICT;
  INSERT INTO readings SELECT agent_id, id, device_key, read_at, received_at, body FROM readings_v1;
  DROP TABLE readings_v1;
  CREATE INDEX readings_device ON readings (agent_id, device_key, read_at);

  ALTER TABLE devices RENAME TO devices_v1;
  CREATE TABLE devices (
    agent_id TEXT NOT NULL, device_key TEXT NOT NULL, vendor TEXT, model TEXT, serial TEXT, readings INTEGER NOT NULL DEFAULT 0,
    first_seen TEXT NOT NULL, last_read_at TEXT, last_counters TEXT,
    PRIMARY KEY (agent_id, device_key)
  ) STRICT;
  INSERT INTO devices SELECT agent_id, key, vendor, model, serial, readings, COALESCE(last_read_at, ''), last_read_at, last_counters FROM devices_v1;
  DROP TABLE devices_v1;
  CREATE INDEX devices_key ON devices (device_key);

  ALTER TABLE agents ADD COLUMN stale_since TEXT;
  CREATE INDEX heartbeats_agent ON heartbeats (agent_id, seq);
  CREATE INDEX heartbeats_at ON heartbeats (at);

  ALTER TABLE commands RENAME TO commands_v1;
  CREATE TABLE commands (
    agent_id TEXT NOT NULL, command_id TEXT NOT NULL, name TEXT NOT NULL, created_at TEXT NOT NULL, expires_at TEXT NOT NULL,
    sent_count INTEGER NOT NULL DEFAULT 0, last_sent_at TEXT, acked_at TEXT, ack TEXT, expired_at TEXT,
    PRIMARY KEY (agent_id, command_id)
  ) STRICT;
  INSERT INTO commands (agent_id, command_id, name, created_at, expires_at, sent_count, last_sent_at, acked_at, ack)
    SELECT agent_id, 'v1-' || seq, name, created_at, created_at, CASE WHEN delivered_at IS NULL THEN 0 ELSE 1 END, delivered_at, delivered_at, CASE WHEN delivered_at IS NULL THEN NULL ELSE 'legacy' END
    FROM commands_v1;
  DROP TABLE commands_v1;

  CREATE TABLE events (seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, at TEXT NOT NULL, kind TEXT NOT NULL, device_key TEXT, message TEXT NOT NULL, data TEXT) STRICT;
  CREATE INDEX events_agent ON events (agent_id, seq);
  CREATE TABLE alerts (
    seq INTEGER PRIMARY KEY, agent_id TEXT NOT NULL, kind TEXT NOT NULL, at TEXT NOT NULL, payload TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at TEXT NOT NULL, claimed_until TEXT, sent_at TEXT, failed_at TEXT, last_error TEXT
  ) STRICT;
  CREATE INDEX alerts_due ON alerts (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
  CREATE TABLE rate_windows (agent_id TEXT PRIMARY KEY, window_start TEXT NOT NULL, hits INTEGER NOT NULL) STRICT;
  CREATE TABLE tokens (
    token_id TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('agent', 'provider')), agent_id TEXT, name TEXT,
    role TEXT CHECK (role IN ('read', 'admin')), hash TEXT NOT NULL, label TEXT, created_at TEXT NOT NULL, revoked_at TEXT
  ) STRICT;
  CREATE INDEX tokens_agent ON tokens (agent_id);
`;

const V2_POSTGRES = `
  -- recovered_from and seen_before keep what the last heartbeat replaced (its upsert returns them: RETURNING only sees new values).
  CREATE TABLE IF NOT EXISTS agents (
    agent_id text PRIMARY KEY, last_seen timestamptz, version text, last_heartbeat jsonb, heartbeats bigint NOT NULL DEFAULT 0,
    readings bigint NOT NULL DEFAULT 0, last_reading_at timestamptz, stale_since timestamptz, recovered_from timestamptz, seen_before timestamptz
  );
  CREATE TABLE IF NOT EXISTS readings (
    agent_id text NOT NULL, reading_id text NOT NULL, device_key text NOT NULL, read_at timestamptz NOT NULL, received_at timestamptz NOT NULL, body jsonb NOT NULL,
    PRIMARY KEY (agent_id, reading_id)
  );
  CREATE INDEX IF NOT EXISTS readings_device ON readings (agent_id, device_key, read_at);
  CREATE TABLE IF NOT EXISTS devices (
    agent_id text NOT NULL, device_key text NOT NULL, vendor text, model text, serial text, readings bigint NOT NULL DEFAULT 0,
    first_seen timestamptz NOT NULL, last_read_at timestamptz, last_counters jsonb,
    PRIMARY KEY (agent_id, device_key)
  );
  CREATE INDEX IF NOT EXISTS devices_key ON devices (device_key);
  CREATE TABLE IF NOT EXISTS heartbeats (agent_id text NOT NULL, seq bigserial, at timestamptz NOT NULL, body jsonb NOT NULL, PRIMARY KEY (agent_id, seq));
  CREATE INDEX IF NOT EXISTS heartbeats_at ON heartbeats (at);
  CREATE TABLE IF NOT EXISTS commands (
    agent_id text NOT NULL, command_id text NOT NULL, name text NOT NULL, created_at timestamptz NOT NULL, expires_at timestamptz NOT NULL,
    sent_count integer NOT NULL DEFAULT 0, last_sent_at timestamptz, acked_at timestamptz, ack text, expired_at timestamptz,
    PRIMARY KEY (agent_id, command_id)
  );
  CREATE INDEX IF NOT EXISTS commands_open ON commands (expires_at) WHERE acked_at IS NULL AND expired_at IS NULL;
  CREATE TABLE IF NOT EXISTS events (
    agent_id text NOT NULL, seq bigserial, at timestamptz NOT NULL, kind text NOT NULL, device_key text, message text NOT NULL, data jsonb,
    PRIMARY KEY (agent_id, seq)
  );
  CREATE INDEX IF NOT EXISTS events_seq ON events (seq);
  CREATE INDEX IF NOT EXISTS events_key_conflicts ON events (device_key) WHERE kind = 'device.key-conflict';
  CREATE TABLE IF NOT EXISTS alerts (
    agent_id text NOT NULL, seq bigserial, kind text NOT NULL, at timestamptz NOT NULL, payload jsonb NOT NULL,
    attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL, claimed_until timestamptz, sent_at timestamptz, failed_at timestamptz, last_error text,
    PRIMARY KEY (agent_id, seq)
  );
  CREATE INDEX IF NOT EXISTS alerts_due ON alerts (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL;
  -- Counters of the current minute, written on every request: unlogged (no WAL, no fsync); a crash only forgets a minute.
  CREATE UNLOGGED TABLE IF NOT EXISTS rate_windows (agent_id text PRIMARY KEY, window_start timestamptz NOT NULL, hits integer NOT NULL);
  CREATE TABLE IF NOT EXISTS tokens (
    token_id text PRIMARY KEY, kind text NOT NULL CHECK (kind IN ('agent', 'provider')), agent_id text, name text,
    role text CHECK (role IN ('read', 'admin')), hash text NOT NULL, label text, created_at timestamptz NOT NULL, revoked_at timestamptz
  );
  CREATE INDEX IF NOT EXISTS tokens_agent ON tokens (agent_id);
`;

// Version 3: the events an agent reports in its heartbeats are kept (the fleet view's data-loss and
// data-quality counts, a device's events on its time axis). `agent_seq` is the agent's own number
// for the event; with its time it makes a resent event a no-op (a fresh outbox starts again at 1).
const V3_SQLITE = `
  ALTER TABLE events ADD COLUMN agent_seq INTEGER;
  ALTER TABLE events ADD COLUMN severity TEXT;
  CREATE UNIQUE INDEX events_agent_seq ON events (agent_id, agent_seq, at) WHERE agent_seq IS NOT NULL;
  CREATE INDEX events_device ON events (agent_id, device_key, at) WHERE device_key IS NOT NULL;
`;

const V3_POSTGRES = `
  ALTER TABLE events ADD COLUMN IF NOT EXISTS agent_seq bigint;
  ALTER TABLE events ADD COLUMN IF NOT EXISTS severity text;
  CREATE UNIQUE INDEX IF NOT EXISTS events_agent_seq ON events (agent_id, agent_seq, at) WHERE agent_seq IS NOT NULL;
  CREATE INDEX IF NOT EXISTS events_device ON events (agent_id, device_key, at) WHERE device_key IS NOT NULL;
`;

// Signed documents published for an agent (remote configurations, update manifests). The signed
// text is kept as TEXT, never jsonb: its bytes are what the signature covers.
const V4_SQLITE = `
  CREATE TABLE published (
    agent_id TEXT NOT NULL, kind TEXT NOT NULL, version INTEGER NOT NULL, document TEXT NOT NULL, summary TEXT NOT NULL, created_at TEXT NOT NULL,
    PRIMARY KEY (agent_id, kind, version)
  ) STRICT;
`;

const V4_POSTGRES = `
  CREATE TABLE IF NOT EXISTS published (
    agent_id text NOT NULL, kind text NOT NULL, version bigint NOT NULL, document text NOT NULL, summary text NOT NULL, created_at timestamptz NOT NULL,
    PRIMARY KEY (agent_id, kind, version)
  );
`;

/** The printed counters as an SQL list (a rise of one is a printed page: the billing core's idle rule). */
const PRINTED_SQL = PRINTED_COUNTERS.map((c) => `'${c}'`).join(', ');

// Version 5: daily meter snapshots for the billing export (snapshots.ts): per (agent, device, UTC
// day) the first and last reading, and both readings of every break (slot `b:<reading id>`), as
// columns beside the reading's JSON. Existing readings are backfilled here; ingest keeps it after.
const V5_SQLITE = `
  CREATE TABLE meter_snapshots (
    agent_id TEXT NOT NULL, device_key TEXT NOT NULL, day TEXT NOT NULL, slot TEXT NOT NULL,
    reading_id TEXT NOT NULL, read_at TEXT NOT NULL, serial TEXT, source TEXT, counters TEXT NOT NULL, sources TEXT, units TEXT,
    PRIMARY KEY (agent_id, device_key, day, slot)
  ) STRICT;
  CREATE TEMP TABLE snapshot_meters AS
    SELECT agent_id, device_key, reading_id, read_at, substr(read_at, 1, 10) AS day, body ->> '$.device.serial' AS serial, body ->> '$.source' AS source,
           COALESCE(body -> '$.counters', '{}') AS counters, body -> '$.sources' AS sources, body -> '$.units' AS units,
           row_number() OVER (PARTITION BY agent_id, device_key, substr(read_at, 1, 10) ORDER BY read_at, reading_id) AS up,
           row_number() OVER (PARTITION BY agent_id, device_key, substr(read_at, 1, 10) ORDER BY read_at DESC, reading_id DESC) AS down
    FROM readings;
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'first', reading_id, read_at, serial, source, counters, sources, units FROM snapshot_meters WHERE up = 1;
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'last', reading_id, read_at, serial, source, counters, sources, units FROM snapshot_meters WHERE down = 1;
  CREATE TEMP TABLE snapshot_breaks AS
    SELECT * FROM (
      SELECT m.*, lag(reading_id) OVER w AS p_id, lag(read_at) OVER w AS p_at, lag(day) OVER w AS p_day, lag(serial) OVER w AS p_serial, lag(source) OVER w AS p_source,
             lag(counters) OVER w AS p_counters, lag(sources) OVER w AS p_sources, lag(units) OVER w AS p_units
      FROM snapshot_meters m WINDOW w AS (PARTITION BY agent_id, device_key ORDER BY read_at, reading_id))
    WHERE p_id IS NOT NULL AND (serial IS NOT p_serial OR units IS NOT p_units OR sources IS NOT p_sources OR (counters <> p_counters AND (
      (SELECT count(*) FROM json_each(counters)) <> (SELECT count(*) FROM json_each(p_counters))
      OR EXISTS (SELECT 1 FROM json_each(counters) c LEFT JOIN json_each(p_counters) p ON p.key = c.key WHERE p.key IS NULL OR c.value < p.value))));
  INSERT OR IGNORE INTO meter_snapshots SELECT agent_id, device_key, day, 'b:' || reading_id, reading_id, read_at, serial, source, counters, sources, units FROM snapshot_breaks;
  INSERT OR IGNORE INTO meter_snapshots SELECT agent_id, device_key, p_day, 'b:' || p_id, p_id, p_at, p_serial, p_source, p_counters, p_sources, p_units FROM snapshot_breaks;
  CREATE TEMP TABLE snapshot_pages AS
    SELECT * FROM (SELECT m.*, lag(counters) OVER w AS p_counters FROM snapshot_meters m WINDOW w AS (PARTITION BY agent_id, device_key ORDER BY read_at, reading_id))
    WHERE p_counters IS NOT NULL AND EXISTS (SELECT 1 FROM json_each(counters) c JOIN json_each(p_counters) p ON p.key = c.key WHERE c.key IN (${PRINTED_SQL}) AND c.value > p.value);
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'page', reading_id, read_at, serial, source, counters, sources, units
    FROM (SELECT *, row_number() OVER (PARTITION BY agent_id, device_key, day ORDER BY read_at DESC, reading_id DESC) AS k FROM snapshot_pages) WHERE k = 1;
  DROP TABLE snapshot_pages;
  DROP TABLE snapshot_breaks;
  DROP TABLE snapshot_meters;
`;

const V5_POSTGRES = `
  CREATE TABLE IF NOT EXISTS meter_snapshots (
    agent_id text NOT NULL, device_key text NOT NULL, day date NOT NULL, slot text NOT NULL,
    reading_id text NOT NULL, read_at timestamptz NOT NULL, serial text, source text, counters jsonb NOT NULL, sources jsonb, units jsonb,
    PRIMARY KEY (agent_id, device_key, day, slot)
  );
  CREATE TEMP TABLE snapshot_meters ON COMMIT DROP AS
    SELECT agent_id, device_key, reading_id, read_at, (read_at AT TIME ZONE 'UTC')::date AS day, body->'device'->>'serial' AS serial, body->>'source' AS source,
           COALESCE(body->'counters', '{}') AS counters, body->'sources' AS sources, body->'units' AS units,
           row_number() OVER (PARTITION BY agent_id, device_key, (read_at AT TIME ZONE 'UTC')::date ORDER BY read_at, reading_id) AS up,
           row_number() OVER (PARTITION BY agent_id, device_key, (read_at AT TIME ZONE 'UTC')::date ORDER BY read_at DESC, reading_id DESC) AS down
    FROM readings;
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'first', reading_id, read_at, serial, source, counters, sources, units FROM snapshot_meters WHERE up = 1 ON CONFLICT DO NOTHING;
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'last', reading_id, read_at, serial, source, counters, sources, units FROM snapshot_meters WHERE down = 1 ON CONFLICT DO NOTHING;
  CREATE TEMP TABLE snapshot_breaks ON COMMIT DROP AS
    SELECT * FROM (
      SELECT m.*, lag(reading_id) OVER w AS p_id, lag(read_at) OVER w AS p_at, lag(day) OVER w AS p_day, lag(serial) OVER w AS p_serial, lag(source) OVER w AS p_source,
             lag(counters) OVER w AS p_counters, lag(sources) OVER w AS p_sources, lag(units) OVER w AS p_units
      FROM snapshot_meters m WINDOW w AS (PARTITION BY agent_id, device_key ORDER BY read_at, reading_id)) s
    WHERE p_id IS NOT NULL AND (serial IS DISTINCT FROM p_serial OR units IS DISTINCT FROM p_units OR sources IS DISTINCT FROM p_sources OR (counters <> p_counters AND (
      (SELECT count(*) FROM jsonb_object_keys(counters)) <> (SELECT count(*) FROM jsonb_object_keys(p_counters))
      OR EXISTS (SELECT 1 FROM jsonb_each(counters) c LEFT JOIN jsonb_each(p_counters) p ON p.key = c.key WHERE p.key IS NULL OR c.value < p.value))));
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'b:' || reading_id, reading_id, read_at, serial, source, counters, sources, units FROM snapshot_breaks ON CONFLICT DO NOTHING;
  INSERT INTO meter_snapshots SELECT agent_id, device_key, p_day, 'b:' || p_id, p_id, p_at, p_serial, p_source, p_counters, p_sources, p_units FROM snapshot_breaks ON CONFLICT DO NOTHING;
  INSERT INTO meter_snapshots SELECT agent_id, device_key, day, 'page', reading_id, read_at, serial, source, counters, sources, units
    FROM (SELECT s.*, row_number() OVER (PARTITION BY agent_id, device_key, day ORDER BY read_at DESC, reading_id DESC) AS k
          FROM (SELECT m.*, lag(counters) OVER w AS p_counters FROM snapshot_meters m WINDOW w AS (PARTITION BY agent_id, device_key ORDER BY read_at, reading_id)) s
          WHERE p_counters IS NOT NULL AND EXISTS (SELECT 1 FROM jsonb_each(counters) c JOIN jsonb_each(p_counters) p ON p.key = c.key WHERE c.key IN (${PRINTED_SQL}) AND c.value > p.value)) t
    WHERE k = 1 ON CONFLICT DO NOTHING;
`;

// Version 6: a day's last printed page that is also its last reading is a flag on the `last` row
// (`page`), no longer a second row of the same reading (snapshots.ts, pageCollapseSql); existing
// snapshots are folded the same way. SQLite also moves sources and units (two JSON texts of ~150
// bytes that change a few times in a device's life) out of the rows into meter_declarations, one
// row per device and distinct pair, numbered per device: a snapshot row shrinks to about a third
// and the export parses each pair once per device (PostgreSQL keeps them in the row: jsonb, and
// its export is not the one measured).
const V6_SQLITE = `
  CREATE TABLE meter_declarations (
    agent_id TEXT NOT NULL, device_key TEXT NOT NULL, decl INTEGER NOT NULL, sources TEXT, units TEXT,
    PRIMARY KEY (agent_id, device_key, decl)
  ) STRICT;
  INSERT INTO meter_declarations
    SELECT agent_id, device_key, row_number() OVER (PARTITION BY agent_id, device_key ORDER BY since, sources, units), sources, units
    FROM (SELECT agent_id, device_key, sources, units, min(read_at) AS since FROM meter_snapshots GROUP BY agent_id, device_key, sources, units);
  CREATE TABLE meter_snapshots_v6 (
    agent_id TEXT NOT NULL, device_key TEXT NOT NULL, day TEXT NOT NULL, slot TEXT NOT NULL,
    reading_id TEXT NOT NULL, read_at TEXT NOT NULL, serial TEXT, source TEXT, counters TEXT NOT NULL, decl INTEGER NOT NULL, page INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (agent_id, device_key, day, slot)
  ) STRICT;
  INSERT INTO meter_snapshots_v6
    SELECT s.agent_id, s.device_key, s.day, s.slot, s.reading_id, s.read_at, s.serial, s.source, s.counters, d.decl, 0
    FROM meter_snapshots s JOIN meter_declarations d ON d.agent_id = s.agent_id AND d.device_key = s.device_key AND d.sources IS s.sources AND d.units IS s.units
    ORDER BY s.agent_id, s.device_key, s.day, s.slot;
  DROP TABLE meter_snapshots;
  ALTER TABLE meter_snapshots_v6 RENAME TO meter_snapshots;
  ${pageCollapseSql(EVERY_DAY).join(';\n')};
`;

const V6_POSTGRES = `
  ALTER TABLE meter_snapshots ADD COLUMN IF NOT EXISTS page boolean NOT NULL DEFAULT false;
  ${pageCollapseSql(EVERY_DAY).join(';\n')};
`;

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'reference receiver (before tenancy)', sqlite: V1_SQLITE, postgres: '' },
  { version: 2, name: 'tenant keys, tokens, acknowledged commands, alerts, events, rate windows', sqlite: V2_SQLITE, postgres: V2_POSTGRES },
  { version: 3, name: 'events reported by agents', sqlite: V3_SQLITE, postgres: V3_POSTGRES },
  { version: 4, name: 'published remote configurations and update manifests', sqlite: V4_SQLITE, postgres: V4_POSTGRES },
  { version: 5, name: 'daily meter snapshots for the billing export', sqlite: V5_SQLITE, postgres: V5_POSTGRES },
  { version: 6, name: 'daily meter snapshots: the last printed page folded into the last reading', sqlite: V6_SQLITE, postgres: V6_POSTGRES },
];

export const LATEST_SCHEMA = MIGRATIONS.at(-1)?.version ?? 0;

/** The migrations still to run after `applied`, in order; a database newer than this code is refused. */
export function pendingMigrations(applied: readonly number[], where: string): Migration[] {
  const newest = Math.max(0, ...applied);
  if (newest > LATEST_SCHEMA) throw new Error(`${where} has receiver schema version ${newest}; this meterbox knows up to ${LATEST_SCHEMA}: upgrade meterbox`);
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => !done.has(m.version));
}
