/**
 * Each failure class against the real receiver over HTTPS on loopback: what the uploader does
 * with the batch, which error code it reports, how it times the retry, and what it logs
 * (never the token).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningReceiver } from '../../src/receiver/types.js';
import type { Store } from '../../src/store/store.js';
import { Heartbeat, Uploader, type UploaderOptions } from '../../src/upload/index.js';
import { waitFor } from '../daemon/harness.js';
import { makeReading } from '../store/helpers.js';
import { AGENT, TOKEN, captureLogger, makePki, openStore, startTestReceiver, tempDir, type TestPki } from './helpers.js';

const tmp = tempDir();
let pki: TestPki;
let rx: RunningReceiver;
const cap = captureLogger();
let n = 0;

beforeAll(async () => {
  pki = await makePki(tmp.dir);
  rx = await startTestReceiver(tmp.dir, pki.good);
});
afterAll(async () => {
  await rx?.close();
  expect(cap.text()).not.toContain(TOKEN);
  tmp.cleanup();
});
afterEach(() => rx?.faults.clear());

function setup(count: number, extra: Partial<UploaderOptions> = {}): { store: Store; u: Uploader } {
  const store = openStore(tmp.dir, `outbox-${++n}.db`);
  store.saveCycle(Array.from({ length: count }, (_, i) => makeReading(1000 * n + i, new Date(Date.parse('2026-11-22T08:00:00Z') + i * 1000))));
  const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, batch: { maxCount: 10, maxBytes: 1 << 20 }, timeoutMs: 2000, logger: cap.logger, random: () => 1, backoff: { baseMs: 100, capMs: 1000 }, ...extra });
  return { store, u };
}

describe('retryable failures deliver nothing and back off', () => {
  it('503 with Retry-After: nothing delivered, retry not before Retry-After, then delivered', async () => {
    const { store, u } = setup(3);
    rx.faults.failNext(1, 503, '2');
    const t0 = Date.now();
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'retry', delivered: 0, error: { code: 'MBX_UPLOAD_SERVER' } });
    expect(r.retryAt!.getTime() - t0).toBeGreaterThanOrEqual(1900);
    expect(store.readings.counts().pending).toBe(3);
    expect((await u.drainOnce()).stop).toBe('backoff');
    expect(store.status().recentDeliveries[0]).toMatchObject({ status: 503, count: 3 });
    u.reconfigure({ ...(u as unknown as { opts: UploaderOptions }).opts }); // a reload resets the backoff
    expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 3 });
    u.close();
  });

  it('429: rate limited, retried after the backoff', async () => {
    const { store, u } = setup(2);
    rx.faults.failNext(1, 429, '0');
    const before = Date.now();
    const r = await u.drainOnce();
    const after = Date.now();
    expect(r).toMatchObject({ stop: 'retry', error: { code: 'MBX_UPLOAD_RATE_LIMITED' } });
    // random() = 1: the first retry waits the full base delay (100 ms) from the failure, whenever that came.
    const retryAt = r.retryAt!.getTime();
    expect(retryAt).toBeGreaterThanOrEqual(before + 100);
    expect(retryAt).toBeLessThanOrEqual(after + 100);
    await new Promise((res) => setTimeout(res, Math.max(0, retryAt - Date.now()) + 20));
    expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
    expect(store.readings.counts().delivered).toBe(2);
    u.close();
  });

  it('connection reset before commit: nothing stored, the attempt is counted, the retry delivers', async () => {
    const { store, u } = setup(2);
    rx.faults.resetNext(1);
    const before = await rx.readingCount();
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'retry', error: { code: 'MBX_UPLOAD_NETWORK' } });
    expect(await rx.readingCount()).toBe(before);
    const row = store.db.prepare('SELECT attempts, last_error AS e FROM readings LIMIT 1').get() as { attempts: number; e: string };
    expect(row.attempts).toBe(1);
    expect(row.e).toMatch(/^MBX_UPLOAD_NETWORK/);
    await new Promise((res) => setTimeout(res, 120));
    expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 2 });
    u.close();
  });

  it('timeout: a receiver slower than timeoutMs is a timeout', async () => {
    const { store, u } = setup(1, { timeoutMs: 300 });
    const seen = rx.requests().length;
    rx.faults.delayNext(1, 1500);
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'retry', error: { code: 'MBX_UPLOAD_TIMEOUT' } });
    expect(store.readings.counts().pending).toBe(1);
    u.close();
    // The receiver goes on with the abandoned request after its 1.5 s delay and only then records
    // it. Left in flight, it landed among the next tests' requests on a busy machine (the 413 test
    // takes the last three /v1/readings requests as its own); it ends within this test instead.
    await waitFor(() => (rx.requests().length > seen ? true : undefined), 10_000, 'the receiver to finish the abandoned request');
  });
});

describe('401/403 stop uploads until the config changes or a heartbeat succeeds', () => {
  it('a wrong token: one request, then no more; the log says what to check; a heartbeat with a good token lifts it', async () => {
    const { store, u } = setup(2, { token: 'tok-wrong-but-long-enough' });
    // This test's (refused) requests only: the receiver has served other tests' requests before.
    const mine = () => rx.requests().filter((q) => q.status === 401).length;
    const before = mine();
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'auth', error: { code: 'MBX_UPLOAD_AUTH' } });
    expect(r.error!.message).toMatch(/check the upload token/);
    expect(await u.drainOnce()).toMatchObject({ stop: 'auth' });
    expect(await u.drainOnce()).toMatchObject({ stop: 'auth' });
    expect(mine() - before).toBe(1); // never hammers
    expect(u.state().authBlocked).toMatchObject({ status: 401 });
    expect(store.status().recentEvents.map((e) => e.kind)).toContain('upload.auth-failed');
    expect(cap.lines.some((l) => l.includes('MBX_UPLOAD_AUTH') && l.includes('check the upload token'))).toBe(true);
    expect(cap.text()).not.toContain('tok-wrong-but-long-enough');

    // The provider fixes the registration; here: the heartbeat runs with the right token and succeeds.
    const hb = new Heartbeat({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, uploader: u, logger: cap.logger });
    expect((await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 1, deviceCount: 0 })).ok).toBe(true);
    expect(u.state().authBlocked).toBeUndefined();
    hb.close();
    u.close();
  });

  it('403 (token of another agent) blocks too; reconfigure with the right token resumes', async () => {
    const { store, u } = setup(1, { token: 'tok-other-0123456789' });
    expect(await u.drainOnce()).toMatchObject({ stop: 'auth', error: { code: 'MBX_UPLOAD_AUTH' } });
    expect(u.state().authBlocked?.status).toBe(403);
    u.reconfigure({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger });
    expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 1 });
    u.close();
  });
});

describe('other 4xx quarantine the batch; 413 splits first', () => {
  it('400: the batch is set aside as rejected with the reason, the next batch still goes', async () => {
    const { store, u } = setup(15);
    rx.faults.inject({ fail: { status: 400, count: 1, message: 'batch refused by policy' } });
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'empty', quarantined: 10, delivered: 5 });
    const rejected = store.db.prepare("SELECT last_error AS e FROM readings WHERE state = 'rejected'").all() as { e: string }[];
    expect(rejected).toHaveLength(10);
    expect(rejected[0]!.e).toContain('batch refused by policy');
    expect(store.status(20).recentEvents.map((e) => e.kind)).toContain('upload.quarantined');
    u.close();
  });

  it('413: halves the batch until it fits; a single reading still refused is quarantined alone', async () => {
    const { store, u } = setup(8);
    rx.faults.failNext(1, 413);
    const r = await u.drainOnce();
    expect(r).toMatchObject({ stop: 'empty', delivered: 8, quarantined: 0 });
    const sizes = rx.requests().filter((q) => q.path === '/v1/readings').slice(-3).map((q) => (q.body as { readings?: unknown[] } | undefined)?.readings?.length ?? 8);
    expect(sizes).toEqual([8, 4, 4]);

    const s2 = setup(1);
    rx.faults.failNext(1, 413);
    expect(await s2.u.drainOnce()).toMatchObject({ stop: 'empty', quarantined: 1 });
    expect(s2.store.readings.counts().rejected).toBe(1);
    expect(store.readings.counts().rejected).toBe(0);
    s2.u.close();
    u.close();
  });

  it('a reading the receiver finds invalid is rejected alone with its reason; the rest are delivered', async () => {
    const store = openStore(tmp.dir, `outbox-${++n}.db`);
    const good = makeReading(1, '2026-11-22T08:00:00Z');
    const bad = { ...makeReading(2, '2026-11-22T08:00:01Z'), counters: { total: -5 } };
    store.saveCycle([good, bad]);
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger });
    expect(await u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 1, rejected: 1 });
    const row = store.db.prepare('SELECT state, last_error AS e FROM readings WHERE id = ?').get(bad.id) as { state: string; e: string };
    expect(row.state).toBe('rejected');
    expect(row.e).toMatch(/counters\/total/);
    u.close();
  });
});

describe('TLS: verification is always on, and the error names the certificate and why', () => {
  it('wrong CA: MBX_TLS_UNTRUSTED naming the issuer', async () => {
    const rx2 = await startTestReceiver(tmp.dir, pki.otherCaLeaf);
    const { store, u } = setup(1, { url: rx2.url });
    const r = await u.drainOnce();
    expect(r.error?.code).toBe('MBX_TLS_UNTRUSTED');
    expect(r.error?.message).toMatch(/issued by CN=some other CA/);
    expect(r.error?.message).toContain(`caFile (now ${pki.caFile})`);
    expect(await rx2.readingCount()).toBe(0);
    expect(store.readings.counts().pending).toBe(1);
    u.close();
    await rx2.close();
  });

  it('no caFile: the system CAs do not trust a private CA', async () => {
    const { u } = setup(1, { caFile: undefined });
    expect((await u.drainOnce()).error?.code).toBe('MBX_TLS_UNTRUSTED');
    u.close();
  });

  it('expired certificate: MBX_TLS_EXPIRED saying which certificate expired and when', async () => {
    const rx2 = await startTestReceiver(tmp.dir, pki.expired);
    const { u } = setup(1, { url: rx2.url });
    const r = await u.drainOnce();
    expect(r.error?.code).toBe('MBX_TLS_EXPIRED');
    expect(r.error?.message).toMatch(/server certificate CN=127\.0\.0\.1 expired on \d{4}-/);
    expect(r.error?.message).toMatch(/check this box's clock/);
    u.close();
    await rx2.close();
  });

  it('hostname mismatch: MBX_TLS_HOSTNAME naming the names the certificate is for', async () => {
    const rx2 = await startTestReceiver(tmp.dir, pki.wrongName);
    const { u } = setup(1, { url: rx2.url });
    const r = await u.drainOnce();
    expect(r.error?.code).toBe('MBX_TLS_HOSTNAME');
    expect(r.error?.message).toContain('DNS:wrong.example');
    u.close();
    await rx2.close();
  });

  it('mTLS: a receiver that requires client certificates accepts ours and refuses a box without one', async () => {
    const rx2 = await startTestReceiver(tmp.dir, pki.good, { clientCa: pki.caCert });
    const a = setup(1, { url: rx2.url, clientCert: pki.client.certFile, clientKey: pki.client.keyFile });
    expect(await a.u.drainOnce()).toMatchObject({ stop: 'empty', delivered: 1 });
    const b = setup(1, { url: rx2.url });
    const r = await b.u.drainOnce();
    expect(r.stop).toBe('retry');
    expect(['MBX_TLS_CLIENT_CERT', 'MBX_UPLOAD_NETWORK']).toContain(r.error?.code);
    a.u.close();
    b.u.close();
    await rx2.close();
  });

  it('refuses plain http and a missing token at construction', () => {
    const store = openStore(tmp.dir, `outbox-${++n}.db`);
    expect(() => new Uploader({ url: 'http://127.0.0.1:1', agentId: AGENT, token: TOKEN, store: { current: store } })).toThrow(/must be https/);
    expect(() => new Uploader({ url: rx.url, agentId: AGENT, store: { current: store } })).toThrow(/no upload token/);
  });
});
