/**
 * End to end over real HTTPS on loopback: simulated printers → readDevice → Outbox (SQLite) →
 * Uploader → reference receiver (SQLite). Every reading arrives exactly once, also when the
 * receiver commits a batch and then the connection is reset (the response is lost), and when it
 * acknowledges only part of a batch. Bodies on the wire are checked against docs/provider-api.yaml.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { readDevice } from '../../src/reader/read-device.js';
import type { Reading } from '../../src/contract/reading.js';
import { apiValidators } from '../../src/receiver/schema.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { listSnmprec, loadSnmprecFile, startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { Outbox } from '../../src/store/outbox.js';
import { readStatus } from '../../src/store/status.js';
import { SCHEMA_VERSION } from '../../src/store/schema.js';
import { Uploader, type UploadResult } from '../../src/upload/index.js';
import { loopbackEndpoint } from '../helpers/net.js';
import { AGENT, TOKEN, makePki, startTestReceiver, tempDir, type TestPki } from './helpers.js';

const silent = pino({ level: 'silent' });

async function drainUntilEmpty(u: Uploader, max = 50): Promise<UploadResult[]> {
  const out: UploadResult[] = [];
  for (let i = 0; i < max; i++) {
    const r = await u.drainOnce();
    out.push(r);
    if (r.stop === 'empty') return out;
    if (r.retryAt) await new Promise((res) => setTimeout(res, Math.max(0, r.retryAt!.getTime() - Date.now()) + 1));
  }
  throw new Error(`outbox not drained after ${max} rounds: ${JSON.stringify(out.at(-1))}`);
}

describe('simulator → read → outbox → upload → receiver', () => {
  const tmp = tempDir();
  let pki: TestPki;
  let fleet: Fleet;
  let rx: RunningReceiver;
  let outbox: Outbox;
  const readings: Reading[] = [];

  beforeAll(async () => {
    pki = await makePki(tmp.dir);
    const { first, port } = await loopbackEndpoint();
    const files = listSnmprec(DEVICE_FIXTURES).slice(0, 6);
    fleet = await startFleet(
      files.map((f, i) => ({ name: f.name, varbinds: loadSnmprecFile(f.path), synthetic: { ordinal: i + 1 } })),
      { auth: { communities: ['public'] }, firstAddress: first, port },
    );
    outbox = new Outbox(join(tmp.dir, 'outbox.db'), { log: silent });
    for (let round = 0; round < 3; round++) {
      const cycle: Reading[] = [];
      for (const d of fleet.devices) {
        const r = await readDevice({ host: d.host, port: d.port, credentials: { version: '2c', community: 'public' }, timeoutMs: 1000, retries: 1 });
        cycle.push(r.reading);
      }
      expect(outbox.record(cycle).stored).toBe(cycle.length);
      readings.push(...cycle);
    }
    rx = await startTestReceiver(tmp.dir, pki.good);
  });
  afterAll(async () => {
    await rx?.close();
    await fleet?.close();
    outbox?.close();
    tmp.cleanup();
  });

  it('delivers every reading exactly once through a lost response (reset after commit) and a partial receipt', async () => {
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: outbox, batch: { maxCount: 4, maxBytes: 1 << 20 }, timeoutMs: 5000, logger: silent, backoff: { baseMs: 5, capMs: 20 } });
    try {
      rx.faults.resetNext(1, true); // first batch: stored, then the connection dies before the receipt
      const first = await u.drainOnce();
      expect(first).toMatchObject({ stop: 'retry', delivered: 0, error: { code: 'MBX_UPLOAD_NETWORK' } });
      expect(await rx.readingCount()).toBe(4);
      expect(outbox.current!.readings.counts().pending).toBe(18);
      rx.faults.partialNext(1, 1); // the retry of it: only the first reading is acknowledged, the rest left out of the receipt
      await drainUntilEmpty(u);

      const total = readings.length;
      expect(total).toBe(18);
      expect(await rx.readingCount()).toBe(total);
      const stored = await rx.readings();
      expect(new Set(stored.map((r) => r.id)).size).toBe(total);
      expect(new Set(stored.map((r) => r.id))).toEqual(new Set(readings.map((r) => r.id)));
      // What arrived is what was read, byte for byte as JSON.
      const byId = new Map(readings.map((r) => [r.id, r]));
      for (const s of stored) expect(s.body).toEqual(JSON.parse(JSON.stringify(byId.get(s.id))));
      const devices = await rx.devices();
      expect(devices).toHaveLength(6);
      expect(devices.every((d) => d.readings === 3)).toBe(true);

      const counts = outbox.current!.readings.counts();
      expect(counts).toMatchObject({ pending: 0, delivered: total, rejected: 0 });

      // The retry after the lost response found the committed readings as duplicates.
      const receipts = rx.requests().filter((q) => q.path === '/v1/readings' && q.status === 200).map((q) => q.response as { duplicate: string[] });
      expect(receipts.some((r) => r.duplicate.length > 0)).toBe(true);
    } finally {
      u.close();
    }
  });

  it('every request and answer on the wire matches docs/provider-api.yaml; bodies were gzip', () => {
    const v = apiValidators();
    const posts = rx.requests().filter((q) => q.path === '/v1/readings');
    expect(posts.length).toBeGreaterThan(4);
    for (const q of posts) {
      expect(q.headers['content-encoding']).toBe('gzip');
      expect(q.wireBytes).toBeLessThan(q.bytes);
      expect(v.check('ReadingsRequest', q.body)).toEqual([]);
      for (const r of (q.body as { readings: unknown[] }).readings) expect(v.check('Reading', r)).toEqual([]);
      expect(v.check('Receipt', q.response)).toEqual([]);
    }
  });

  it('the delivery audit records each request and `status` shows it', () => {
    const st = readStatus(outbox.path, { recentDeliveries: 50 });
    expect(st.db.schemaVersion).toBe(SCHEMA_VERSION);
    const ds = st.recentDeliveries;
    expect(ds.length).toBeGreaterThan(4);
    expect(ds.some((d) => d.status === undefined && d.error?.startsWith('MBX_UPLOAD_NETWORK'))).toBe(true);
    const ok = ds.filter((d) => d.status === 200);
    // 4 readings were committed by the request whose answer was lost: the agent learnt of them as duplicates.
    expect(ok.reduce((n, d) => n + d.accepted, 0)).toBe(readings.length - 4);
    expect(ok.reduce((n, d) => n + d.duplicate, 0)).toBe(4);
    for (const d of ok) expect(d.bytes).toBeGreaterThan(0);
  });
});
