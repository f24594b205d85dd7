/**
 * What the fleet view reads from the receiver's store, against SQLite and PostgreSQL alike: the
 * events agents report in their heartbeats (kept once each, counted per agent and kind, filtered
 * by device), each device's newest reading, readings by time window, and the meters of one device
 * cut down from the Reading JSON. Tenancy holds here too: nothing of one agent under another's id.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/contract/reading.js';
import { openStore } from '../../src/receiver/store/open.js';
import type { IncomingReading, ReceiverStore } from '../../src/receiver/store/types.js';
import type { WireEvent } from '../../src/contract/events.js';
import { makeReading } from '../store/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
afterAll(() => b.cleanup());

const incoming = (r: Reading): IncomingReading => ({ id: r.id, readAt: r.readAt, deviceKey: r.device.key, vendor: r.device.vendor, counters: r.counters as Record<string, number>, body: JSON.stringify(r) });
const T0 = Date.parse('2026-11-22T08:00:00.000Z');
const iso = (s: number) => new Date(T0 + s * 1000).toISOString();
const event = (seq: number, at: string, kind: string, deviceKey?: string): WireEvent => ({ seq, at, kind, severity: 'warning', message: `${kind} #${seq}`, ...(deviceKey ? { deviceKey } : {}) });
const beat = (s: ReceiverStore, agentId: string, at: number, events: WireEvent[]) => s.recordHeartbeat({ agentId, at: new Date(T0 + at * 1000), version: '1', body: '{}', acks: [], events });

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'receiver store: what the fleet view reads'), () => {
    const opened: ReceiverStore[] = [];
    const fresh = async () => {
      const s = await openStore(await backend.newDb());
      opened.push(s);
      return s;
    };
    afterAll(async () => {
      for (const s of opened) await s.close();
    });

    it('keeps the events an agent reports once each, counts them per agent and kind, and finds a device’s', async () => {
      const s = await fresh();
      const e1 = event(1, iso(1), 'counter.invalid', 'generic:SIM00001');
      const e2 = event(2, iso(2), 'store.held-dropped');
      await beat(s, 'box-a', 10, [e1, e2]);
      // The heartbeat whose answer was lost sends them again; a fresh outbox starts its numbers at 1 again.
      await beat(s, 'box-a', 20, [e1, e2, event(1, iso(15), 'counter.invalid', 'generic:SIM00002')]);
      await beat(s, 'box-b', 20, [event(1, iso(1), 'counter.invalid', 'generic:SIM00001')]);
      await beat(s, 'box-b', 30, [{ ...event(2, 'not a time', 'retention.dropped-pending') }]);
      expect(await s.agentEventCounts()).toEqual([
        { agentId: 'box-a', kind: 'counter.invalid', count: 2 },
        { agentId: 'box-a', kind: 'store.held-dropped', count: 1 },
        { agentId: 'box-b', kind: 'counter.invalid', count: 1 },
        { agentId: 'box-b', kind: 'retention.dropped-pending', count: 1 },
      ]);
      const dev = await s.events({ agentId: 'box-a', deviceKey: 'generic:SIM00001' });
      expect(dev.map((e) => ({ kind: e.kind, at: e.at, severity: e.severity, agentSeq: e.agentSeq, message: e.message }))).toEqual([{ kind: 'counter.invalid', at: iso(1), severity: 'warning', agentSeq: 1, message: 'counter.invalid #1' }]);
      // A time that is not one becomes the heartbeat's own.
      expect((await s.events({ agentId: 'box-b', kind: 'retention.dropped-pending' }))[0]?.at).toBe(iso(30));
    });

    it('gives each device’s newest reading, per agent (one key from two agents is two devices)', async () => {
      const s = await fresh();
      const a = [makeReading(1, iso(0), 100), makeReading(1, iso(60), 150), makeReading(2, iso(30), 300)];
      await s.storeReadings('box-a', a.map(incoming), new Date(T0));
      await s.storeReadings('box-b', [incoming(makeReading(1, iso(10), 999))], new Date(T0));
      const latest = await s.latestReadings();
      expect(latest.map((r) => [r.agentId, r.deviceKey, r.id])).toEqual([
        ['box-a', 'generic:SIM00001', a[1]?.id],
        ['box-a', 'generic:SIM00002', a[2]?.id],
        ['box-b', 'generic:SIM00001', expect.any(String)],
      ]);
      expect((await s.latestReadings({ agentId: 'box-b' })).map((r) => (r.body.counters as { total: number }).total)).toEqual([999]);
    });

    it('reads a window of readings, newest first when asked, and a device’s meters cut down from the JSON', async () => {
      const s = await fresh();
      const rs = [0, 60, 120, 180].map((t, i) => makeReading(1, iso(t), 100 + i * 10));
      await s.storeReadings('box-a', rs.map(incoming), new Date(T0));
      const win = await s.readings({ agentId: 'box-a', deviceKey: 'generic:SIM00001', since: iso(60), until: iso(180) });
      expect(win.map((r) => r.id)).toEqual([rs[1]?.id, rs[2]?.id]);
      expect((await s.readings({ agentId: 'box-a', newest: true, limit: 1 }))[0]?.id).toBe(rs[3]?.id);
      const meters = await s.meterHistory({ agentId: 'box-a', deviceKey: 'generic:SIM00001', since: iso(0), until: iso(181), supplies: true });
      expect(meters).toHaveLength(4);
      expect(meters[2]).toEqual({ id: rs[2]?.id, readAt: iso(120), serial: 'SIM00001', counters: rs[2]?.counters, sources: rs[2]?.sources, supplies: rs[2]?.supplies });
      const noSupplies = await s.meterHistory({ agentId: 'box-a', deviceKey: 'generic:SIM00001', since: iso(0), until: iso(60) });
      expect(noSupplies).toEqual([{ id: rs[0]?.id, readAt: iso(0), serial: 'SIM00001', counters: rs[0]?.counters, sources: rs[0]?.sources }]);
      expect(await s.meterHistory({ agentId: 'box-b', deviceKey: 'generic:SIM00001', since: iso(0), until: iso(999) })).toEqual([]);
    });
  });
}
