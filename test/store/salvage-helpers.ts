/** A populated outbox, its content read back with SQL, and page-level damage for the salvage tests. */
import Database from 'better-sqlite3';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { Store } from '../../src/store/store.js';
import { fakeClock, makeReading, silent } from './helpers.js';

export interface Content {
  readings: Map<string, string>;
  devices: Set<string>;
  /** Devices with what a discovery sweep knew of them (the credential that worked). */
  swept: Set<string>;
  events: number;
  unreportedEvents: number;
  deliveries: number;
}

/**
 * `cycles` poll cycles of `devices` devices; the first half delivered, a few rejected, device
 * events (some reported), what a discovery sweep knew of every device and a delivery audit. Closed, so the WAL is
 * checkpointed into the file.
 */
export function populate(path: string, cycles: number, devices = 5): Content {
  const clock = fakeClock('2026-11-22T00:00:00.000Z');
  const s = Store.open(path, { log: silent, now: clock.now });
  const ids: string[] = [];
  for (let t = 0; t < cycles; t++) {
    clock.advance(60_000);
    const cycle = Array.from({ length: devices }, (_, n) => makeReading(n + 1, clock.now(), 1000 + t));
    s.saveCycle(cycle);
    ids.push(...cycle.map((r) => r.id));
    if (t % 7 === 0) s.events.add({ kind: 'device.moved', severity: 'info', message: `cycle ${t}`, data: { t } });
  }
  const half = ids.slice(0, Math.floor(ids.length / 2));
  for (let i = 0; i < half.length; i += 50) {
    const part = half.slice(i, i + 50);
    s.applyReceipt({ accepted: part.slice(0, -1), duplicate: [], rejected: [{ id: part.at(-1) as string, reason: 'test rejection' }] }, { kind: 'readings', count: part.length, bytes: 1000, status: 200 });
  }
  const first = s.events.unreported(3).map((e) => e.seq);
  s.events.markReported(first);
  const at = clock.now().toISOString();
  s.devices.saveSweep(Array.from({ length: devices }, (_, n) => ({ key: `generic:SIM${String(n + 1).padStart(5, '0')}`, keySource: 'serial' as const, vendor: 'Generic', serial: `SIM${String(n + 1).padStart(5, '0')}`, hosts: [`10.0.0.${n + 1}`], label: 'lab', credential: 'lab', firstSeen: at, lastSeen: at })));
  s.close();
  return content(path);
}

export function content(path: string): Content {
  const db = new Database(path, { readonly: true });
  try {
    const readings = new Map((db.prepare('SELECT id, state FROM readings').all() as { id: string; state: string }[]).map((r) => [r.id, r.state]));
    return {
      readings,
      devices: new Set(db.prepare('SELECT key FROM devices').pluck().all() as string[]),
      swept: new Set(db.prepare('SELECT key FROM devices WHERE credential IS NOT NULL').pluck().all() as string[]),
      events: db.prepare('SELECT COUNT(*) FROM events').pluck().get() as number,
      unreportedEvents: db.prepare('SELECT COUNT(*) FROM events WHERE reported_at IS NULL').pluck().get() as number,
      deliveries: db.prepare('SELECT COUNT(*) FROM deliveries').pluck().get() as number,
    };
  } finally {
    db.close();
  }
}

export interface PageInfo {
  name: string;
  pageno: number;
  pagetype: 'internal' | 'leaf' | 'overflow';
  path: string;
}

/** Every page of every table and index, from SQLite's dbstat (root pages have path '/'). */
export function pages(path: string): PageInfo[] {
  const db = new Database(path, { readonly: true });
  try {
    return db.prepare('SELECT name, pageno, pagetype, path FROM dbstat ORDER BY name, path').all() as PageInfo[];
  } finally {
    db.close();
  }
}

export function pageSize(path: string): number {
  return readFileSync(path).readUInt16BE(16);
}

/** Overwrites page `pgno` of `file` with a pattern that is no valid b-tree page. */
export function damagePage(file: string, pgno: number, size: number, offsetInFile = (pgno - 1) * size): void {
  const junk = Buffer.alloc(size);
  for (let i = 0; i < size; i++) junk[i] = (i * 131 + pgno * 7 + 0x5a) & 0xff;
  junk[0] = 0x77; // not a page type
  const fd = openSync(file, 'r+');
  try {
    writeSync(fd, junk, 0, size, offsetInFile);
  } finally {
    closeSync(fd);
  }
}
