/**
 * Billing at the receiver (issue 12), over HTTPS on SQLite and PostgreSQL: readings are validated
 * at ingest (counter.rollback, reading.gap, device.replaced… as the receiver's own events, with
 * evidence; the readings are stored as received); the receiver's billing contract is configuration
 * (a bad one is MBX_CONFIG_INVALID naming the field).
 */
import axios, { type AxiosInstance } from 'axios';
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/contract/reading.js';
import { startReceiver } from '../../src/receiver/index.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { makeReading } from '../store/helpers.js';
import { captureLogger } from '../upload/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
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
  });
}
