/**
 * The outbox's disk need, measured: the WAL never grows past one bounded step (poll cycle,
 * receipt batch, retention step, vacuum step), whatever the outbox goes through: filling to its
 * cap, a large drain, a lowered cap that prunes most of the file, compaction and dropping of
 * pending readings. The peak is printed; WAL_HEADROOM_BYTES must stay above it with margin.
 * Also the verdicts doctor and /healthz give from free space against that need.
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assessHealth } from '../../src/daemon/health.js';
import { WAL_HEADROOM_BYTES, diskVerdict, outboxDiskNeed } from '../../src/store/disk.js';
import { Outbox } from '../../src/store/outbox.js';
import type { Store } from '../../src/store/store.js';
import { fakeClock, makeReading, silent, tempDir } from './helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('mbx-disk-');
});
afterEach(() => tmp.cleanup());

const MiB = 1024 * 1024;
const size = (p: string) => {
  try {
    return statSync(p).size;
  } catch {
    return 0;
  }
};

describe('the WAL stays within its headroom', () => {
  it('through filling, a large drain, a lowered cap, compaction and dropped pending readings', () => {
    const path = join(tmp.dir, 'outbox.db');
    const clock = fakeClock('2026-11-01T00:00:00.000Z');
    const cap = 12 * MiB;
    const o = new Outbox(path, { log: silent, now: clock.now, retention: { sizeCapBytes: cap, maxAgeDays: 90 } });
    const store = o.current as Store;
    let peakFiles = 0;
    const track = () => (peakFiles = Math.max(peakFiles, size(path) + size(`${path}-wal`)));
    const poll = (devices: number) => {
      clock.advance(3_600_000);
      o.record(Array.from({ length: devices }, (_, n) => makeReading(n + 1, clock.now(), 1000 + n)));
      track();
    };
    // 1. Fill to the cap with pending readings, a poll cycle of 200 devices at a time.
    while (store.usedBytes() < cap * 0.9) poll(200);
    // 2. Deliver everything in batches of 500, as the uploader does (receipt, then checkpoint).
    for (let batch = store.readings.nextBatch({ maxCount: 500 }); batch.length > 0; batch = store.readings.nextBatch({ maxCount: 500 })) {
      store.applyReceipt({ accepted: batch.map((b) => b.id), duplicate: [], rejected: [] }, { kind: 'readings', count: batch.length, bytes: 1, status: 200 });
      store.checkpoint();
      track();
    }
    // 3. A quarter of the cap: retention prunes three quarters of the file.
    store.retention.sizeCapBytes = 3 * MiB;
    store.enforceRetention();
    track();
    expect(store.events.count(['retention.pruned'])).toBeGreaterThan(0);
    // 4. Pending readings past the cap (each poll applies retention): compaction, then the oldest dropped.
    for (let i = 0; i < 40; i++) poll(200);
    expect(store.events.count(['retention.compacted'])).toBeGreaterThan(0);
    const peakWal = store.walPeakBytes;
    console.log(`disk need: WAL peak ${(peakWal / MiB).toFixed(2)} MiB (headroom ${WAL_HEADROOM_BYTES / MiB} MiB); database + WAL peak ${(peakFiles / MiB).toFixed(1)} MiB for a ${cap / MiB} MiB cap`);
    expect(peakWal).toBeGreaterThan(0);
    expect(peakWal * 2).toBeLessThanOrEqual(WAL_HEADROOM_BYTES);
    expect(peakFiles).toBeLessThanOrEqual(cap + WAL_HEADROOM_BYTES);
    // After the last checkpoint the WAL is empty again.
    expect(size(`${path}-wal`)).toBe(0);
    o.close();
  }, 120_000);
});

describe('free space against the need', () => {
  const need = outboxDiskNeed({ capBytes: 200 * MiB, fileBytes: 50 * MiB });
  it('needs the growth to the cap plus the WAL headroom', () => {
    expect(need.needBytes).toBe(150 * MiB + WAL_HEADROOM_BYTES);
    expect(outboxDiskNeed({ capBytes: 10 * MiB, fileBytes: 12 * MiB }).needBytes).toBe(WAL_HEADROOM_BYTES);
  });
  it('warns before the disk is full, and says how far to lower the cap', () => {
    expect(diskVerdict(500 * MiB, need, '/var/lib/meterbox').verdict).toBe('ok');
    const low = diskVerdict(100 * MiB, need, '/var/lib/meterbox');
    expect(low.verdict).toBe('low');
    expect(low.message).toMatch(/disk will fill before the outbox reaches its cap: 100 MiB free on \/var\/lib\/meterbox/);
    expect(low.remedy).toMatch(/lower storage\.maxBytes to at most 134 MiB/);
    expect(diskVerdict(8 * MiB, need, '/x').verdict).toBe('critical');
  });
  it('/healthz: a low disk is a warning (still 200), a critical one a reason (503)', () => {
    const base = { now: new Date(), startedAt: new Date(), jobs: [], jitterMs: {}, store: { writable: true } };
    const low = assessHealth({ ...base, disk: diskVerdict(100 * MiB, need, '/d') });
    expect(low).toMatchObject({ status: 'ok', reasons: [] });
    expect(low.warnings[0]).toMatch(/disk will fill/);
    const critical = assessHealth({ ...base, disk: diskVerdict(MiB, need, '/d') });
    expect(critical.status).toBe('unhealthy');
    expect(critical.reasons[0]).toMatch(/disk almost full/);
  });
});
