/**
 * The outbox schema as numbered migrations. Append new migrations; never edit a released one.
 * `planMigrations` is pure: it decides what to run from the version found in `meta`.
 */
import { MeterboxError } from '../contract/errors.js';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * A discovery registry entry (migration 3's JSON) onto the device columns of migration 5: the
 * discovery columns of an existing device, or a new device discovery found but never read.
 * Entries that are not well-formed are left out (the old loader skipped them too). `source` yields
 * rows (key, device): the registry table when migrating, one salvaged row of an old file.
 */
export function registryIntoDevices(source: string): string {
  return `INSERT INTO devices (key, key_source, vendor, model, serial, mac, host, first_seen, last_seen, hosts, label, credential, first_swept, last_swept)
        SELECT key, json_extract(device, '$.keySource'), json_extract(device, '$.vendor'),
               CASE json_type(device, '$.model') WHEN 'text' THEN json_extract(device, '$.model') END,
               CASE json_type(device, '$.serial') WHEN 'text' THEN json_extract(device, '$.serial') END,
               CASE json_type(device, '$.mac') WHEN 'text' THEN json_extract(device, '$.mac') END,
               json_extract(device, '$.hosts[0]'),
               json_extract(device, '$.firstSeen'), json_extract(device, '$.lastSeen'),
               json_extract(device, '$.hosts'),
               CASE json_type(device, '$.label') WHEN 'text' THEN json_extract(device, '$.label') END,
               json_extract(device, '$.credential'), json_extract(device, '$.firstSeen'), json_extract(device, '$.lastSeen')
        FROM ${source}
        WHERE json_valid(device) AND json_type(device) = 'object' AND json_extract(device, '$.key') = key
          AND json_extract(device, '$.keySource') IN ('serial', 'mac', 'host') AND json_type(device, '$.vendor') = 'text'
          AND json_type(device, '$.hosts') = 'array' AND NOT EXISTS (SELECT 1 FROM json_each(device, '$.hosts') WHERE type <> 'text')
          AND json_type(device, '$.credential') = 'text' AND json_type(device, '$.firstSeen') = 'text' AND json_type(device, '$.lastSeen') = 'text'
        ON CONFLICT (key) DO UPDATE SET hosts = excluded.hosts, label = excluded.label, credential = excluded.credential,
          first_swept = excluded.first_swept, last_swept = excluded.last_swept;`;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
      CREATE TABLE meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;

      CREATE TABLE devices (
        key             TEXT PRIMARY KEY,
        key_source      TEXT NOT NULL,
        vendor          TEXT NOT NULL,
        model           TEXT,
        serial          TEXT,
        mac             TEXT,
        host            TEXT NOT NULL,
        identity        TEXT NOT NULL,          -- DeviceIdentity JSON of the last reading
        counters        TEXT,                   -- Counters JSON of the last reading (anomaly checks)
        first_seen      TEXT NOT NULL,
        last_seen       TEXT NOT NULL,
        last_reading_at TEXT
      ) STRICT;

      CREATE TABLE readings (
        seq          INTEGER PRIMARY KEY,       -- insertion order (rowid)
        id           TEXT NOT NULL UNIQUE,      -- Reading.id (UUIDv7), the idempotency key
        device_key   TEXT NOT NULL,
        read_at      TEXT NOT NULL,             -- ISO 8601 UTC, sorts as text
        day          TEXT NOT NULL,             -- UTC day of read_at, for compaction
        state        TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'delivered', 'rejected')),
        body         TEXT NOT NULL,             -- the Reading JSON as sent to the provider
        bytes        INTEGER NOT NULL,          -- UTF-8 length of body
        attempts     INTEGER NOT NULL DEFAULT 0,
        last_error   TEXT,
        stored_at    TEXT NOT NULL,
        delivered_at TEXT
      ) STRICT;
      CREATE INDEX readings_pending ON readings (read_at, seq) WHERE state = 'pending';
      CREATE INDEX readings_pending_day ON readings (day, device_key) WHERE state = 'pending';
      CREATE INDEX readings_delivered ON readings (read_at, seq) WHERE state = 'delivered';
      CREATE INDEX readings_rejected ON readings (read_at, seq) WHERE state = 'rejected';

      CREATE TABLE events (
        seq         INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        kind        TEXT NOT NULL,
        severity    TEXT NOT NULL CHECK (severity IN ('info', 'warning', 'error')),
        device_key  TEXT,
        message     TEXT NOT NULL,
        data        TEXT,                       -- JSON with counts and details
        reported_at TEXT                        -- set once the heartbeat has carried it
      ) STRICT;
      CREATE INDEX events_unreported ON events (seq) WHERE reported_at IS NULL;
    `,
  },
  {
    version: 2,
    name: 'delivery audit',
    sql: `
      CREATE TABLE deliveries (
        seq       INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,              -- when the request was answered (or failed)
        kind      TEXT NOT NULL CHECK (kind IN ('readings', 'heartbeat')),
        count     INTEGER NOT NULL,           -- readings in the request (0 for a heartbeat)
        bytes     INTEGER NOT NULL,           -- request body bytes on the wire (gzip)
        status    INTEGER,                    -- HTTP status; NULL when no answer came
        accepted  INTEGER NOT NULL DEFAULT 0,
        duplicate INTEGER NOT NULL DEFAULT 0,
        rejected  INTEGER NOT NULL DEFAULT 0,
        ms        INTEGER,
        error     TEXT                        -- MBX_ code and message of a failure
      ) STRICT;
    `,
  },
  {
    version: 3,
    name: 'discovery registry',
    // What discovery knows beyond readings: every address a device answers at, its label and the
    // credential that worked, so a restart neither forgets credentials nor misses a move.
    sql: `
      CREATE TABLE registry (
        key    TEXT PRIMARY KEY,
        device TEXT NOT NULL                  -- the discovery registry's entry, JSON
      ) STRICT;
    `,
  },
  {
    version: 4,
    name: 'data-quality problems per device',
    // The problems (invalid counter, broken walk, …) of the device's last reading, JSON: an event is
    // raised when a problem appears, not again on every poll while it lasts.
    sql: `ALTER TABLE devices ADD COLUMN problems TEXT;`,
  },
  {
    version: 5,
    name: 'one device registry',
    // The discovery registry (version 3, one JSON document per device) becomes columns of devices,
    // so a device is one row whether a sweep or a reading saw it first. A device discovery found but
    // never read has no identity, counters or reading time yet; one it no longer finds at any
    // address may have no host. The table is rebuilt (SQLite cannot drop NOT NULL) under its own
    // name, so its index keeps the name salvage looks for.
    sql: `
      ALTER TABLE devices RENAME TO devices_v4;
      CREATE TABLE devices (
        key             TEXT PRIMARY KEY,
        key_source      TEXT NOT NULL,
        vendor          TEXT NOT NULL,
        model           TEXT,
        serial          TEXT,
        mac             TEXT,
        host            TEXT,                   -- where it was last read, or found alone by a sweep
        identity        TEXT,                   -- DeviceIdentity JSON of the last reading; NULL before one
        counters        TEXT,                   -- Counters JSON of the last reading (anomaly checks)
        first_seen      TEXT NOT NULL,
        last_seen       TEXT NOT NULL,
        last_reading_at TEXT,
        problems        TEXT,                   -- keys of the last reading's data problems, JSON
        hosts           TEXT,                   -- discovery: JSON list of where the last sweep that saw it found it
        label           TEXT,                   -- discovery: the label of the target it was found in
        credential      TEXT,                   -- discovery: the credential set that worked last
        first_swept     TEXT,                   -- discovery: first and last sweep that saw it
        last_swept      TEXT
      ) STRICT;
      INSERT INTO devices (key, key_source, vendor, model, serial, mac, host, identity, counters, first_seen, last_seen, last_reading_at, problems)
        SELECT key, key_source, vendor, model, serial, mac, host, identity, counters, first_seen, last_seen, last_reading_at, problems FROM devices_v4;
      DROP TABLE devices_v4;
      ${registryIntoDevices('registry')}
      DROP TABLE registry;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * The migrations to run on a database at `current` (0 = empty). Refuses a database made by a
 * newer meterbox and a migration list with gaps (a programming error).
 */
export function planMigrations(current: number, migrations: readonly Migration[] = MIGRATIONS, path?: string): Migration[] {
  migrations.forEach((m, i) => {
    if (m.version !== i + 1) throw new MeterboxError('MBX_STORE_MIGRATION', `migration list is not numbered 1..n (found ${m.version} at position ${i + 1})`);
  });
  const latest = migrations.length;
  if (!Number.isInteger(current) || current < 0) {
    throw new MeterboxError('MBX_STORE_MIGRATION', `${path ?? 'database'}: unreadable schema version ${String(current)}`, { path });
  }
  if (current > latest) {
    throw new MeterboxError(
      'MBX_STORE_SCHEMA_NEWER',
      `${path ?? 'database'}: schema version ${current} was written by a newer meterbox (this one knows up to ${latest}); upgrade meterbox or move the file aside`,
      { path, found: current, supported: latest },
    );
  }
  return migrations.slice(current);
}
