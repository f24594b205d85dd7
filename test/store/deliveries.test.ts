/** The delivery audit (migration 2): rows written with receipts and failures, shown by `status` (text and JSON). */
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { formatStatus } from '../../src/cli/status.js';
import { MIGRATIONS } from '../../src/store/schema.js';
import { readStatus } from '../../src/store/status.js';
import { Store } from '../../src/store/store.js';
import { fakeClock, makeReading, silent, tempDir } from './helpers.js';

const tmp = tempDir();
afterEach(() => tmp.cleanup());

describe('delivery audit', () => {
  it('migrates a schema-1 database to the current schema keeping its readings', () => {
    const path = join(tmp.dir, 'v1.db');
    const s1 = Store.open(path, { log: silent, migrations: MIGRATIONS.slice(0, 1) });
    s1.saveCycle([makeReading(1, '2026-11-22T08:00:00Z')]);
    s1.close();
    const s2 = Store.open(path, { log: silent });
    expect(s2.opened).toMatchObject({ migratedFrom: 1, schemaVersion: MIGRATIONS.length });
    expect(s2.readings.counts().pending).toBe(1);
    expect(s2.deliveries.recent()).toEqual([]);
    s2.close();
  });

  it('writes the audit row in the receipt transaction and lists deliveries newest first', () => {
    const clock = fakeClock();
    const path = join(tmp.dir, 'a.db');
    const s = Store.open(path, { log: silent, now: clock.now });
    const r = [makeReading(1, '2026-11-22T07:00:00Z'), makeReading(2, '2026-11-22T07:00:01Z')];
    s.saveCycle(r);
    s.recordAttemptFailure([r[0]!.id, r[1]!.id], 'MBX_UPLOAD_SERVER: 503', { kind: 'readings', count: 2, bytes: 700, status: 503, ms: 12, error: 'MBX_UPLOAD_SERVER: 503' });
    clock.advance(60_000);
    s.applyReceipt({ accepted: [r[0]!.id], duplicate: [], rejected: [{ id: r[1]!.id, reason: 'bad' }] }, { kind: 'readings', count: 2, bytes: 690, status: 200, accepted: 1, rejected: 1, ms: 9 });
    s.deliveries.record({ kind: 'heartbeat', count: 0, bytes: 300, ms: 3, error: 'MBX_UPLOAD_NETWORK: ECONNREFUSED' });
    s.close();

    const st = readStatus(path, { now: new Date('2026-11-22T08:05:00Z') });
    expect(st.recentDeliveries.map((d) => [d.kind, d.status, d.count, d.bytes])).toEqual([
      ['heartbeat', undefined, 0, 300],
      ['readings', 200, 2, 690],
      ['readings', 503, 2, 700],
    ]);
    expect(st.recentDeliveries[1]).toMatchObject({ at: '2026-11-22T08:01:00.000Z', accepted: 1, duplicate: 0, rejected: 1 });
    const text = formatStatus(st);
    expect(text).toContain('recent deliveries (newest first)');
    expect(text).toMatch(/1 accepted, 0 duplicate, 1 rejected/);
    expect(text).toContain('MBX_UPLOAD_NETWORK: ECONNREFUSED');
    // A receipt and its audit row commit together: the row count matches the applied receipts.
    const db = new Database(path, { readonly: true });
    expect(db.prepare('SELECT COUNT(*) FROM deliveries').pluck().get()).toBe(3);
    db.close();
  });
});
