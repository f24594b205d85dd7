/**
 * A swapped-out device is not billed on estimates after it left (issue 12): on both stores, a
 * printer of an agent that stops and another that starts at the same MAC and host after it
 * (replacementCandidates) is marked `replaced_by` in the billing export, its position closes at its
 * last reading (no estimate, not an open period) and a later period bills it nothing. A device that
 * just went silent is still estimated, and a device of another agent at the same address is never
 * taken for a successor (tenancy).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_CONTRACT } from '../../src/billing/index.js';
import { openStore } from '../../src/receiver/store/open.js';
import type { IncomingReading, ReceiverStore } from '../../src/receiver/store/types.js';
import { BILLING_EXPORT, exportRecords, storeBillingContext } from '../../src/web/fleet/billing.js';
import { UsageCache } from '../../src/web/fleet/usage.js';
import { backends, titled } from './backends.js';

const b = await backends();
afterAll(() => b.cleanup());

const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const NOW = Date.parse('2026-03-05T00:00:00Z');
const JAN = { from: T0, to: Date.parse('2026-02-01T00:00:00Z') };
const FEB = { from: JAN.to, to: Date.parse('2026-03-01T00:00:00Z') };

let seq = 0;
/** Hourly readings of one printer from hour `first` to `last` (inclusive), 10 pages an hour. */
function printer(key: string, serial: string, where: { host: string; mac: string }, first: number, last: number, start = 1000): IncomingReading[] {
  const out: IncomingReading[] = [];
  for (let h = first; h <= last; h++) {
    const id = `swap-${String(++seq).padStart(6, '0')}`;
    const readAt = new Date(T0 + h * HOUR).toISOString();
    const total = start + 10 * (h - first);
    const counters = { total, mono: total };
    const units = { total: 'impressions', mono: 'impressions' };
    const body = { id, readAt, device: { key, serial, vendor: 'Generic', model: 'Sim', ...where }, counters, sources: { total: '1.3.6.1.2.1.43.10.2.1.4.1.1', mono: '1.3.6.1.4.1.99999.1' }, units };
    out.push({ id, readAt, deviceKey: key, vendor: 'Generic', model: 'Sim', serial, counters, body: JSON.stringify(body) });
  }
  return out;
}

const SPOT = { host: '10.1.2.3', mac: '00:11:22:33:44:55' };
const LAST_OLD = 19 * 24 + 10; // 20 January 10:00
const FIRST_NEW = 21 * 24 + 9; // 22 January 09:00

async function load(store: ReceiverStore): Promise<void> {
  const put = async (agent: string, rs: IncomingReading[]) => {
    for (let i = 0; i < rs.length; i += 200) await store.storeReadings(agent, rs.slice(i, i + 200), new Date(NOW));
  };
  await put('box-a', printer('generic:OLD', 'SN-OLD', SPOT, 0, LAST_OLD));
  await put('box-a', printer('generic:NEW', 'SN-NEW', SPOT, FIRST_NEW, 59 * 24, 50));
  await put('box-a', printer('generic:QUIET', 'SN-QUIET', { host: '10.1.2.9', mac: '00:11:22:33:44:99' }, 0, LAST_OLD));
  // Another customer's printer at the same address, starting after OLD stopped: not OLD's successor.
  await put('box-b', printer('generic:ELSEWHERE', 'SN-ELSE', SPOT, FIRST_NEW - 24, 59 * 24));
}

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'a swapped-out device in the billing export'), () => {
    it('closes the old position at its last reading, says which device replaced it, and bills it nothing afterwards', { timeout: 120_000 }, async () => {
      const store = await openStore(await backend.newDb());
      try {
        await load(store);
        const rows = async (period: { from: number; to: number }, agent?: string) =>
          new Map((await exportRecords(BILLING_EXPORT, await storeBillingContext(store, new UsageCache(store, () => NOW, DEFAULT_CONTRACT), period, agent))).map((r) => [r.device_key, r]));

        const jan = await rows(JAN);
        const old = jan.get('generic:OLD');
        // Its last reading closes January: 10 pages an hour from hour 0 to its last, nothing estimated.
        expect(old).toMatchObject({ replaced_by: 'generic:NEW', total_opening: 1000, total_closing: 1000 + 10 * LAST_OLD, mono_closing: 1000 + 10 * LAST_OLD, estimated: false });
        expect(String(old?.flags ?? '')).not.toMatch(/open-period|estimated/);
        expect(jan.get('generic:NEW')).toMatchObject({ estimated: false });
        expect(jan.get('generic:NEW')?.replaced_by).toBeUndefined();
        // A device that merely went silent is still estimated to the period's end, and not replaced.
        expect(jan.get('generic:QUIET')).toMatchObject({ estimated: true });
        expect(jan.get('generic:QUIET')?.replaced_by).toBeUndefined();
        expect(jan.get('generic:ELSEWHERE')?.replaced_by).toBeUndefined();

        const feb = await rows(FEB, 'box-a');
        expect(feb.get('generic:OLD')).toMatchObject({ replaced_by: 'generic:NEW', flags: 'replaced before the period' });
        expect(feb.get('generic:OLD')?.total_closing).toBeUndefined();
        expect(feb.get('generic:QUIET')?.total_closing).toBeGreaterThan(1000 + 10 * LAST_OLD);
        expect(feb.get('generic:QUIET')).toMatchObject({ estimated: true });
        expect(feb.has('generic:ELSEWHERE')).toBe(false);
      } finally {
        await store.close();
      }
    });
  });
}
