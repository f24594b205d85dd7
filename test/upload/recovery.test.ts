/**
 * After an outage: the upload backoff ends as soon as the provider is back (a heartbeat or any
 * 2xx gets through), except for a wait the provider asked for with Retry-After. And failures of
 * the outbox during an upload or heartbeat carry their own MBX_STORE_* code, not the network's.
 * Real HTTPS receiver with its fault injection; a fake clock, so no test waits for a delay.
 */
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningReceiver } from '../../src/receiver/types.js';
import type { Store } from '../../src/store/store.js';
import { Heartbeat, Uploader } from '../../src/upload/index.js';
import { fakeClock, makeReading } from '../store/helpers.js';
import { AGENT, TOKEN, captureLogger, makePki, openStore, startTestReceiver, tempDir, type TestPki } from './helpers.js';

const silent = pino({ level: 'silent' });
const tmp = tempDir('mbx-recovery-');
let pki: TestPki;
let rx: RunningReceiver;

beforeAll(async () => {
  pki = await makePki(tmp.dir);
  rx = await startTestReceiver(tmp.dir, pki.good);
});
afterAll(async () => {
  await rx?.close();
  tmp.cleanup();
});

function setup(name: string, readings = 10) {
  const clock = fakeClock(new Date().toISOString());
  const store = openStore(tmp.dir, `${name}.db`);
  store.saveCycle(Array.from({ length: readings }, (_, i) => makeReading(i + 1, new Date(clock.now().getTime() - 60_000))));
  const conn = { url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, timeoutMs: 5000, now: clock.now };
  // random 0.99: each delay is close to its ceiling, a minute and more.
  const uploader = new Uploader({ ...conn, store: { current: store }, logger: silent, random: () => 0.99, backoff: { baseMs: 60_000, capMs: 15 * 60_000 } });
  const heartbeat = new Heartbeat({ ...conn, store: { current: store }, uploader, logger: silent });
  return { clock, store, uploader, heartbeat };
}

const snap = { version: 'test', uptimeSeconds: 1, deviceCount: 10 };

describe('the backoff ends when the provider is back', () => {
  it('a successful heartbeat makes the next upload run at once, without waiting for the delay', async () => {
    const { clock, store, uploader, heartbeat } = setup('hb-lifts');
    rx.faults.failNext(2, 503);
    const first = await uploader.drainOnce();
    expect(first).toMatchObject({ stop: 'retry', error: { code: 'MBX_UPLOAD_SERVER' } });
    clock.set((first.retryAt as Date).toISOString());
    const second = await uploader.drainOnce();
    expect(second.stop).toBe('retry');
    const waitMs = (second.retryAt as Date).getTime() - clock.now().getTime();
    expect(waitMs).toBeGreaterThan(60_000);
    // The provider is back, but the clock has not moved: the uploader still waits…
    expect((await uploader.drainOnce()).stop).toBe('backoff');
    // …until a heartbeat gets through.
    const hb = await heartbeat.sendOnce(snap);
    expect(hb).toMatchObject({ ok: true, uploadsResumed: true });
    const after = await uploader.drainOnce();
    expect(after).toMatchObject({ stop: 'empty', delivered: 10 });
    expect(store.readings.counts().pending).toBe(0);
    // A heartbeat when nothing was waiting changes nothing.
    expect((await heartbeat.sendOnce(snap)).uploadsResumed).toBe(false);
    store.close();
  });

  it('any 2xx for readings resets the backoff too', async () => {
    const { clock, store, uploader } = setup('2xx-lifts', 3);
    rx.faults.failNext(1, 503);
    const failed = await uploader.drainOnce();
    clock.set((failed.retryAt as Date).toISOString());
    expect(await uploader.drainOnce()).toMatchObject({ stop: 'empty', delivered: 3 });
    expect(uploader.state()).toMatchObject({ failures: 0 });
    expect(uploader.nextAttemptAt).toBeUndefined();
    store.close();
  });

  it('a wait the provider asked for (Retry-After) is honoured, heartbeat or not', async () => {
    const { clock, store, uploader, heartbeat } = setup('retry-after', 2);
    rx.faults.failNext(1, 503, '3600');
    const failed = await uploader.drainOnce();
    expect((failed.retryAt as Date).getTime() - clock.now().getTime()).toBeGreaterThanOrEqual(3_600_000);
    expect(await heartbeat.sendOnce(snap)).toMatchObject({ ok: true, uploadsResumed: false });
    expect((await uploader.drainOnce()).stop).toBe('backoff');
    clock.advance(3_600_000);
    expect(await uploader.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
    store.close();
  });
});

describe('outbox failures keep their own code', () => {
  function readOnly(store: Store) {
    // Every write now fails with SQLITE_READONLY, as on a filesystem remounted read-only.
    store.db.pragma('query_only = 1');
  }

  it('an upload whose receipt cannot be written says MBX_STORE_READONLY, not MBX_UPLOAD_NETWORK', async () => {
    const { store, uploader } = setup('store-ro', 4);
    readOnly(store);
    const r = await uploader.drainOnce();
    expect(r.stop).toBe('retry');
    expect(r.error?.code).toBe('MBX_STORE_READONLY');
    expect(uploader.state().lastError?.code).toBe('MBX_STORE_READONLY');
    store.db.pragma('query_only = 0');
    store.close();
  });

  it('a heartbeat that gets through while the outbox refuses writes is still a success, and says why events stay unreported', async () => {
    const { store } = setup('hb-ro', 1);
    store.events.add({ kind: 'store.write-failed', severity: 'error', message: 'disk full', data: { lost: 0 } });
    const cap = captureLogger();
    const hb = new Heartbeat({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, timeoutMs: 5000, store: { current: store }, logger: cap.logger });
    readOnly(store);
    const r = await hb.sendOnce(snap);
    expect(r.ok).toBe(true);
    expect(r.error).toBeUndefined();
    expect(cap.text()).toContain('MBX_STORE_READONLY');
    store.db.pragma('query_only = 0');
    expect(store.events.unreported().length).toBe(1); // sent again next time
    store.close();
  });
});
