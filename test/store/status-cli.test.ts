/** `meterbox status` as a real subprocess, against a database the test keeps open (as the daemon would). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import type { StatusSnapshot } from '../../src/store/status.js';
import { runCli } from '../helpers/cli.js';
import { makeReading, silent, tempDir } from './helpers.js';
import { damagePage, pageSize, pages, populate } from './salvage-helpers.js';

let tmp: ReturnType<typeof tempDir>;
beforeEach(() => {
  tmp = tempDir('mbx-status-');
});
afterEach(() => tmp.cleanup());

describe('meterbox status', () => {
  it('prints the outbox while another process holds it open, as text and as --json', async () => {
    const db = join(tmp.dir, 'outbox.db');
    const s = Store.open(db, { log: silent });
    const a = makeReading(1, new Date(Date.now() - 3_600_000));
    const b = makeReading(2, new Date(Date.now() - 60_000));
    s.saveCycle([a, b]);
    s.applyReceipt({ accepted: [a.id], duplicate: [], rejected: [] });
    try {
      const json = await runCli(['status', '--db', db, '--json']);
      expect(json.code, json.stderr).toBe(0);
      const st = JSON.parse(json.stdout) as StatusSnapshot;
      expect(st.outbox).toMatchObject({ pending: 1, delivered: 1, rejected: 0, oldestPendingAt: b.readAt });
      expect(st.outbox.oldestPendingAgeSeconds).toBeGreaterThanOrEqual(59);
      expect(st.devices.map((d) => d.key)).toEqual(['generic:SIM00001', 'generic:SIM00002']);
      expect(st.lastDelivery?.count).toBe(1);
      expect(st.db.fileBytes).toBeGreaterThan(0);

      const text = await runCli(['status', '--db', db]);
      expect(text.code, text.stderr).toBe(0);
      expect(text.stdout).toMatch(/outbox\s+1 pending, 1 delivered, 0 rejected/);
      expect(text.stdout).toMatch(/oldest pending\s+\S+ \(1m \d+s ago\)/);
      expect(text.stdout).toContain('generic:SIM00002');
    } finally {
      s.close();
    }
  });

  it('fails clearly with a code when there is no database', async () => {
    const res = await runCli(['status', '--db', join(tmp.dir, 'missing.db')]);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no outbox database here .*\[MBX_STORE_NOT_FOUND\]/);
    expect(res.stdout).toBe('');
  });

  it('opens a damaged file read-only and says what is still readable instead of refusing', async () => {
    const db = join(tmp.dir, 'damaged.db');
    const before = populate(db, 60);
    const leaves = pages(db).filter((p) => p.name === 'readings' && p.pagetype === 'leaf');
    damagePage(db, (leaves.at(-2) as { pageno: number }).pageno, pageSize(db));
    damagePage(db, (pages(db).find((p) => p.name === 'events' && p.path === '/') as { pageno: number }).pageno, pageSize(db));
    const copy = readFileSync(db);
    const json = await runCli(['status', '--db', db, '--json', '--check']);
    expect(json.code, json.stderr).toBe(0);
    const st = JSON.parse(json.stdout) as StatusSnapshot;
    expect(st.damaged?.check).toMatch(/quick_check|SQLITE_CORRUPT/);
    const readable = st.outbox.pending + st.outbox.delivered + st.outbox.rejected;
    const u = st.damaged?.unrecoverable.readings;
    expect(readable + (u?.pending ?? 0) + (u?.delivered ?? 0) + (u?.rejected ?? 0)).toBe(before.readings.size);
    expect(u?.pending).toBeGreaterThan(0);
    expect(st.devices).toHaveLength(5);
    const text = await runCli(['status', '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/^DAMAGED +/m);
    expect(text.stdout).toMatch(new RegExp(`readable +${st.outbox.pending} pending, ${st.outbox.delivered} delivered`));
    expect(text.stdout).toMatch(/unreadable +\d+ pending/);
    // Nothing was written: the file is byte for byte what it was.
    expect(Buffer.compare(copy, readFileSync(db))).toBe(0);
  });
});
