/**
 * Migration 5 (one device registry) on a database built at schema 4, the previous release's:
 * the discovery registry's JSON entries become columns of devices. A device that was read keeps
 * everything its row held and gains what discovery knew; a device discovery found but never read
 * becomes a row without a reading; malformed entries are left out, as the old loader skipped them.
 * A damaged schema-4 file salvaged into a schema-5 database merges its registry the same way.
 */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import { salvageInto } from '../../src/store/salvage.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { readStatus } from '../../src/store/status.js';
import { Store } from '../../src/store/store.js';
import { makeReading, silent, tempDir } from './helpers.js';

const PREVIOUS = 4;
const SEEN = '2026-11-01T03:00:00.000Z';
const LATER = '2026-11-21T03:00:00.000Z';

/** A registry entry as schema 3/4 stored it: contract/devices.ts SweptDevice as JSON. */
const entry = (serial: string, hosts: string[], extra: Record<string, unknown> = {}) => ({
  key: `generic:${serial}`,
  keySource: 'serial',
  vendor: 'Generic',
  model: 'Color Laser 9000',
  serial,
  hosts,
  label: 'floor-2',
  credential: 'office-v3',
  firstSeen: SEEN,
  lastSeen: LATER,
  ...extra,
});

let tmp: ReturnType<typeof tempDir>;
let path: string;
beforeEach(() => {
  tmp = tempDir('mbx-registry-');
  path = join(tmp.dir, 'outbox.db');
});
afterEach(() => tmp.cleanup());

/**
 * A schema-4 outbox the way the previous release left it: its own migrations, two devices read
 * (and polled), the registry knowing those two, one printer not under contract (never read), and
 * entries the old loader skipped.
 */
function previousRelease(file: string): void {
  const old = Store.open(file, { log: silent, migrations: MIGRATIONS.slice(0, PREVIOUS) });
  expect(old.opened.schemaVersion).toBe(PREVIOUS);
  old.saveCycle([makeReading(1, '2026-11-20T08:00:00Z'), makeReading(2, '2026-11-20T08:00:01Z')]);
  old.saveCycle([makeReading(1, '2026-11-21T08:00:00Z', 1500)]);
  const put = old.db.prepare('INSERT INTO registry (key, device) VALUES (?, ?)');
  for (const e of [entry('SIM00001', ['10.0.0.1']), entry('SIM00002', ['10.0.0.2'], { label: undefined }), entry('NOTREAD9', ['10.0.9.9'], { mac: '02:00:5e:00:09:09' })]) put.run(e.key, JSON.stringify(e));
  put.run('junk:1', JSON.stringify({ key: 'junk:1' }));
  put.run('junk:2', JSON.stringify({ ...entry('JUNK2', ['10.0.0.7']), key: 'junk:2', hosts: [7] }));
  put.run('junk:3', 'not json');
  old.close();
}

function deviceRow(file: string, key: string): Record<string, unknown> | undefined {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM devices WHERE key = ?').get(key) as Record<string, unknown> | undefined;
  } finally {
    db.close();
  }
}

describe('one device registry: migration 5', () => {
  it('moves the registry into devices, keeps every device row, drops the registry table', () => {
    previousRelease(path);
    const before = deviceRow(path, 'generic:SIM00001');
    const s = Store.open(path, { log: silent });
    expect(s.opened).toMatchObject({ migratedFrom: PREVIOUS, schemaVersion: MIGRATIONS.length });
    expect(MIGRATIONS.length).toBe(5);
    const tables = s.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name").pluck().all();
    expect(tables).toEqual(['deliveries', 'devices', 'events', 'meta', 'readings']);

    // The read devices: every column they had, plus what discovery knew.
    const after = deviceRow(path, 'generic:SIM00001') as Record<string, unknown>;
    for (const [k, v] of Object.entries(before as Record<string, unknown>)) expect(after[k], k).toEqual(v);
    expect(after).toMatchObject({ hosts: '["10.0.0.1"]', label: 'floor-2', credential: 'office-v3', first_swept: SEEN, last_swept: LATER, last_reading_at: '2026-11-21T08:00:00Z' });
    expect(JSON.parse(after.counters as string)).toMatchObject({ total: 1500 });

    // The printer discovery found but never read: a row without a reading, not shown as a read device.
    expect(deviceRow(path, 'generic:NOTREAD9')).toMatchObject({ host: '10.0.9.9', identity: null, counters: null, last_reading_at: null, mac: '02:00:5e:00:09:09', credential: 'office-v3', first_seen: SEEN });
    expect(s.devices.hosts().map((d) => d.key).sort()).toEqual(['generic:SIM00001', 'generic:SIM00002']);
    expect(s.devices.lastReadingAt()).toBe('2026-11-21T08:00:00Z');

    // Discovery's working copy comes back as it was saved; the malformed entries stay out.
    const registry = DeviceRegistry.restore(s.devices.swept());
    expect(registry.devices().map((d) => d.key)).toEqual(['generic:NOTREAD9', 'generic:SIM00001', 'generic:SIM00002']);
    // Identity fields are the row's (its last reading's, as discovery's would be); the rest is the entry's.
    expect(registry.get('generic:SIM00002')).toEqual({ key: 'generic:SIM00002', keySource: 'serial', vendor: 'Generic', model: 'Color Laser 9000', serial: 'SIM00002', mac: makeReading(2, SEEN).device.mac, hosts: ['10.0.0.2'], credential: 'office-v3', firstSeen: SEEN, lastSeen: LATER });
    expect(registry.credentialHint('10.0.9.9')).toBe('office-v3');
    s.close();

    // `meterbox status` shows the devices it has readings of, as before.
    expect(readStatus(path).devices.map((d) => d.key)).toEqual(['generic:SIM00001', 'generic:SIM00002']);
  });

  it('keeps polling the migrated devices the way the previous release did: a later reading updates the same row', () => {
    previousRelease(path);
    const s = Store.open(path, { log: silent });
    s.saveCycle([makeReading(9, '2026-11-22T08:00:00Z')]); // another device at 10.0.0.9
    s.saveCycle([{ ...makeReading(1, '2026-11-22T09:00:00Z', 1600) }]);
    expect(deviceRow(path, 'generic:SIM00001')).toMatchObject({ credential: 'office-v3', last_reading_at: '2026-11-22T09:00:00Z' });
    expect(s.events.unreported(100).filter((e) => e.kind === 'device.moved')).toEqual([]);
    s.close();
  });

  it('salvages the registry of a damaged schema-4 file into the devices of a schema-5 database', () => {
    const old = join(tmp.dir, 'old.db');
    previousRelease(old);
    const s = Store.open(path, { log: silent });
    const report = salvageInto(s.db, old);
    expect(report.recovered.registry).toBe(5); // the entry that is not JSON reads as no registry row at all
    expect(report.recovered.devices).toBe(2);
    const swept = s.devices.swept();
    expect(swept.map((d) => d.key)).toEqual(['generic:NOTREAD9', 'generic:SIM00001', 'generic:SIM00002']);
    expect(swept.find((d) => d.key === 'generic:SIM00001')).toMatchObject({ hosts: ['10.0.0.1'], label: 'floor-2', credential: 'office-v3' });
    expect(s.devices.hosts().map((d) => d.key).sort()).toEqual(['generic:SIM00001', 'generic:SIM00002']);
    // Salvage is idempotent.
    salvageInto(s.db, old);
    expect(s.devices.swept()).toEqual(swept);
    s.close();
  });
});
