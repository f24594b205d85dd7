/**
 * Billing at the receiver (issue 12), over HTTPS on SQLite and PostgreSQL: readings are validated
 * at ingest (counter.rollback, reading.gap, device.replaced… as the receiver's own events, with
 * evidence; the readings are stored as received); the receiver's billing contract is configuration
 * (a bad one is MBX_CONFIG_INVALID naming the field); GET /v1/billing and `meterbox receiver billing`
 * give the contract units per device (the fleet view's billing export: one function), JSON and CSV,
 * with the estimated flag; provider tokens only (an agent token is 403); a reading from another
 * channel (manual) stands where the box has none, and the box's reading wins where both cover a time.
 */
import axios, { type AxiosInstance } from 'axios';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/contract/reading.js';
import { startReceiver } from '../../src/receiver/index.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { Printer } from '../billing/device-model.js';
import { runCli } from '../helpers/cli.js';
import { makeReading } from '../store/helpers.js';
import { captureLogger } from '../upload/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
const tmp = mkdtempSync(join(tmpdir(), 'mbx-rx-billing-'));
afterAll(() => b.cleanup());

const A = { id: 'box-a', token: 'tok-A-billing-5f1e0c9b2d7a' };
const B = { id: 'box-b', token: 'tok-B-billing-8a3c6e1f0b9d' };
const READ = 'prov-read-billing-2e7d9c4a1b6f';
const HOUR = 3_600_000;
const T0 = Date.parse('2026-01-01T00:00:00Z');
const at = (h: number) => new Date(T0 + h * HOUR).toISOString();

it('refuses a bad billing contract at start, naming the field (MBX_CONFIG_INVALID)', async () => {
  await expect(startReceiver({ db: await b.sqlite.newDb(), tokens: { [A.id]: A.token }, billing: { gapHours: 0 } as never })).rejects.toMatchObject({
    code: 'MBX_CONFIG_INVALID',
    message: expect.stringMatching(/billing\.gapHours: reading gap window in hours: a whole number ≥ 1/),
  });
});

/** A Reading of `p` at hour `h` (its counters and units, with the agent's identity fields). */
function readingOf(p: Printer, h: number, n = 7): Reading {
  const m = p.read(T0 + h * HOUR);
  const r = makeReading(n, at(h));
  return { ...r, device: { ...r.device, serial: p.serial, key: `generic:DEV${n}` }, counters: m.counters, sources: m.sources ?? {}, ...(m.units ? { units: m.units } : {}) };
}

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'billing at the receiver'), () => {
    let rx: RunningReceiver;
    const cap = captureLogger();
    const client = (token: string): AxiosInstance => axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: rx.certPem }), validateStatus: () => true, proxy: false, headers: { authorization: `Bearer ${token}` } });
    const post = async (who: { id: string; token: string }, readings: Reading[]) => {
      const res = await client(who.token).post('/v1/readings', { agentId: who.id, readings });
      expect(res.status).toBe(200);
      return res.data as { accepted: string[] };
    };

    beforeAll(async () => {
      rx = await startReceiver({ db: await backend.newDb(), tokens: { [A.id]: A.token, [B.id]: B.token, viewer: { role: 'read', token: READ } }, logger: cap.logger, billing: { gapHours: 48 } });
    });
    afterAll(() => rx?.close());

    it('validates readings at ingest: a rollback and a gap become events with evidence, the readings are stored as received', async () => {
      const first = Array.from({ length: 24 }, (_, h) => makeReading(1, at(h), 10_000 + 10 * h));
      await post(A, first.slice(0, 12));
      await post(A, first.slice(12));
      // Three days later (a gap over the configured 48 h), lower than before (a rollback).
      const back = makeReading(1, at(24 * 3 + 23), 9_000);
      expect((await post(A, [back])).accepted).toEqual([back.id]);
      const events = ((await client(READ).get('/v1/events', { params: { agentId: A.id } })).data as { events: { kind: string; deviceKey?: string; data?: Record<string, unknown> }[] }).events;
      const billing = events.filter((e) => e.data?.raisedBy === 'receiver');
      expect(billing.map((e) => e.kind).sort()).toEqual(['counter.rollback', 'counter.rollback', 'counter.rollback', 'reading.gap']);
      expect(billing.find((e) => e.kind === 'reading.gap')).toMatchObject({ deviceKey: 'generic:SIM00001', data: { hours: 72, readingIds: [first[23]?.id, back.id] } });
      expect(billing.find((e) => e.kind === 'counter.rollback' && e.data?.counter === 'total')?.data).toMatchObject({ previous: 10_230, current: 9_000 });
      const stored = await rx.readings({ agentId: A.id, deviceKey: 'generic:SIM00001', limit: 100 });
      expect(stored.at(-1)?.body).toEqual(JSON.parse(JSON.stringify(back)));
      // Another agent's readings of a device with the same key are validated on their own: no event crosses tenants.
      await post(B, [makeReading(1, at(24 * 3 + 23), 50)]);
      const bEvents = ((await client(READ).get('/v1/events', { params: { agentId: B.id } })).data as { events: { data?: Record<string, unknown> }[] }).events;
      expect(bEvents.filter((e) => e.data?.raisedBy === 'receiver')).toEqual([]);
    });

    it('GET /v1/billing: contract units per device as JSON and CSV, the box winning over a manual reading, tenancy kept', async () => {
      // Device 7 of agent A: 10 days, read every 6 hours; a known mix of A4/A3, simplex/duplex, mono/colour and scans.
      const p = new Printer('SN-7');
      const readings: Reading[] = [];
      const truth: { h: number; mono: number; color: number; scans: number }[] = [];
      for (let h = 24 * 100; h <= 24 * 110; h += 6) {
        readings.push(readingOf(p, h));
        truth.push({ h, ...p.trueUnits() });
        p.print({ sheets: 10 }).print({ sheets: 3, size: 'A3', duplex: true }).print({ sheets: 4, color: true, duplex: true }).print({ sheets: 1, size: 'A3', color: true }).scan(7);
      }
      await post(A, readings);
      // A manual reading at day 105 12:00 (the box read at 12:00 too: it wins) and one at day 114 (after the box's last: it stands).
      const manualCovered = { ...readingOf(p, 24 * 105 + 12), counters: { total: 1, mono: 1, color: 0 }, source: 'manual' };
      p.print({ sheets: 50 });
      const manualAfter = { ...readingOf(p, 24 * 114), source: 'manual' };
      await post(A, [manualCovered, manualAfter]);
      await post(B, [readingOf(new Printer('SN-B'), 24 * 101, 8)]);

      const from = '2026-04-12'; // day 101
      const to = '2026-04-19'; // day 108
      const res = await client(READ).get('/v1/billing', { params: { from, to, agent: A.id } });
      expect(res.status).toBe(200);
      const dev = (res.data.devices as Record<string, unknown>[]).find((d) => d.device_key === 'generic:DEV7');
      const t = (h: number) => truth.find((x) => x.h === h) as { mono: number; color: number; scans: number };
      const open = t(24 * 101);
      const close = t(24 * 108);
      expect(dev).toMatchObject({
        agent_id: A.id,
        serial: 'SN-7',
        period_from: from,
        period_to: to,
        units_mono: close.mono - open.mono,
        units_color: close.color - open.color,
        units_scan: Math.floor(close.scans / 2) - Math.floor(open.scans / 2),
        estimated: false,
        source: 'box',
      });
      expect(new Set(res.data.devices.map((d: Record<string, unknown>) => d.agent_id))).toEqual(new Set([A.id]));
      expect(res.data.contract).toMatchObject({ unitsPerLargeSide: 2, scansPerUnit: 2, gapHours: 48 });

      // Past the box's last reading, the manual reading stands and says so; the closing is exact (no estimate).
      const late = (await client(READ).get('/v1/billing', { params: { from: '2026-04-19', to: '2026-04-26', agent: A.id } })).data.devices.find((d: Record<string, unknown>) => d.device_key === 'generic:DEV7');
      const trueEnd = p.trueUnits();
      expect(late).toMatchObject({ units_mono: trueEnd.mono - t(24 * 108).mono, source: 'box manual', estimated: false });

      // A period whose end has no reading near it: interpolated, flagged estimated.
      const est = (await client(READ).get('/v1/billing', { params: { from: '2026-04-12', to: '2026-04-23', agent: A.id } })).data.devices.find((d: Record<string, unknown>) => d.device_key === 'generic:DEV7');
      expect(est).toMatchObject({ estimated: true, flags: expect.stringMatching(/estimated/) });

      // CSV for an ERP import: the same rows.
      const csv = await client(READ).get('/v1/billing', { params: { from, to, agent: A.id, format: 'csv' }, responseType: 'text' });
      expect(csv.headers['content-type']).toMatch(/text\/csv/);
      const lines = (csv.data as string).trim().split('\r\n');
      expect(lines[0]).toBe(res.data.columns.join(','));
      expect(lines[0]).toMatch(/^agent_id,device_key,serial,model,period_from,period_to,total_opening,total_closing,mono_opening,mono_closing,.*,units_mono,units_color,units_scan,estimated,source,flags,not_computable$/);
      const row = lines.find((l) => l.includes('generic:DEV7'))?.split(',') ?? [];
      expect(row[res.data.columns.indexOf('units_mono')]).toBe(String(close.mono - open.mono));

      // Tenancy: provider tokens only, like every read endpoint (agent tokens read nothing, their own billing included); no token is 401.
      const one = await client(READ).get('/v1/billing', { params: { from, to, agent: B.id } });
      expect(one.status).toBe(200);
      expect(one.data.devices.map((d: Record<string, unknown>) => [d.agent_id, d.device_key])).toEqual([[B.id, 'generic:DEV8'], [B.id, 'generic:SIM00001']]);
      for (const params of [{ from, to }, { from, to, agent: B.id }, { from, to, agent: A.id }]) {
        const res = await client(B.token).get('/v1/billing', { params });
        expect([params, res.status, res.data.devices]).toEqual([params, 403, undefined]);
      }
      expect((await axios.get(`${rx.url}/v1/billing`, { params: { from, to }, httpsAgent: new Agent({ ca: rx.certPem }), validateStatus: () => true, proxy: false })).status).toBe(401);
      expect((await client(READ).get('/v1/billing', { params: { from: '2026-13-01', to } })).data.error.message).toMatch(/^from must be a date/);

      // The CLI gives the same export from the database.
      if (backend.name === 'sqlite') {
        const cli = await runCli(['receiver', 'billing', '--db', rx.store.location, '--from', from, '--to', to, '--agent', A.id, '--csv']);
        expect(cli.code).toBe(0);
        expect(cli.stdout.trim().split('\r\n')).toEqual(lines);
        const json = await runCli(['receiver', 'billing', '--db', rx.store.location, '--from', from, '--to', to, '--json']);
        expect(JSON.parse(json.stdout).devices.map((d: Record<string, unknown>) => d.device_key).sort()).toEqual(['generic:DEV7', 'generic:DEV8', 'generic:SIM00001', 'generic:SIM00001']);
        const table = await runCli(['receiver', 'billing', '--db', rx.store.location, '--from', from, '--to', to]);
        expect(table.stdout).toMatch(/generic:DEV7/);
        // The contract file of --billing: an A3 side worth 3 units changes the figure; a bad field is named.
        const contractFile = join(tmp, 'contract.json');
        writeFileSync(contractFile, JSON.stringify({ unitsPerLargeSide: 3 }));
        const three = JSON.parse((await runCli(['receiver', 'billing', '--db', rx.store.location, '--from', from, '--to', to, '--agent', A.id, '--json', '--billing', contractFile])).stdout);
        const largeMono = (dev?.largeMono_closing as number) - (dev?.largeMono_opening as number);
        expect(three.devices.find((d: Record<string, unknown>) => d.device_key === 'generic:DEV7').units_mono).toBe(close.mono - open.mono + largeMono);
        writeFileSync(contractFile, JSON.stringify({ scansPerUnit: 0 }));
        const bad = await runCli(['receiver', 'billing', '--db', rx.store.location, '--from', from, '--to', to, '--billing', contractFile]);
        expect(bad.code).not.toBe(0);
        expect(bad.stderr).toMatch(/billing\.scansPerUnit: scans per unit: a whole number ≥ 1.*MBX_CONFIG_INVALID/);
      }
    });
  });
}
