/**
 * The reference receiver and the heartbeat: heartbeats recorded and answered with commands from
 * the allow-list, agents going stale after silence, read endpoints, per-reading rejects and
 * duplicates, the admin (fault) endpoint on loopback, a self-signed certificate with its
 * fingerprint, the `meterbox receiver` CLI. Answers are checked against docs/provider-api.yaml.
 */
import { X509Certificate } from 'node:crypto';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import axios from 'axios';
import { Agent } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiValidators } from '../../src/receiver/schema.js';
import { startReceiver } from '../../src/receiver/index.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { Heartbeat, Uploader, type HeartbeatCommandName } from '../../src/upload/index.js';
import { makeReading } from '../store/helpers.js';
import { ADMIN_TOKEN, AGENT, READ_TOKEN, TOKEN, captureLogger, makePki, openStore, startTestReceiver, tempDir, type TestPki } from '../upload/helpers.js';

const exec = promisify(execFile);
const tmp = tempDir('mbx-receiver-');
let pki: TestPki;
let rx: RunningReceiver;
let clock = Date.parse('2026-11-22T08:00:00.000Z');
const cap = captureLogger();
const v = apiValidators();

beforeAll(async () => {
  pki = await makePki(tmp.dir);
  rx = await startTestReceiver(tmp.dir, pki.good, { staleAfterSeconds: 60, now: () => new Date(clock), adminPort: 0 });
});
afterAll(async () => {
  await rx?.close();
  tmp.cleanup();
});

const api = (token = TOKEN) => axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: pki.caCert }), validateStatus: () => true, headers: { authorization: `Bearer ${token}` }, proxy: false });
/** The provider reading the API (read-only role). */
const prov = () => api(READ_TOKEN);
const asAdmin = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, proxy: false as const };

describe('heartbeat', () => {
  it('is received and recorded; read-now is executed, an unknown command is ignored and logged', async () => {
    const store = openStore(tmp.dir, 'hb.db');
    store.saveCycle([makeReading(1, '2026-11-22T07:00:00Z')]);
    store.events.add({ kind: 'retention.dropped-pending', severity: 'error', message: 'dropped 3 readings' });
    const done: HeartbeatCommandName[] = [];
    const hb = new Heartbeat({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger, now: () => new Date(clock), onCommand: (c) => void done.push(c) });
    rx.queueCommand(AGENT, 'read-now');
    rx.queueCommand(AGENT, 'rm -rf /');
    const r = await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 42, deviceCount: 1, recentErrors: { MBX_SNMP_TIMEOUT: 1 }, lastPoll: { at: '2026-11-22T07:59:00.000Z', durationMs: 800, devices: 1, ok: 1, failed: 0 } });
    expect(r).toMatchObject({ ok: true, status: 200, commands: ['read-now'], ignored: ['rm -rf /'], eventsReported: 1 });
    expect(done).toEqual(['read-now']);
    expect(cap.lines.some((l) => l.includes('not on the allow-list') && l.includes('rm -rf /'))).toBe(true);
    expect(cap.text()).not.toContain(TOKEN);

    const seen = rx.requests().filter((q) => q.path === '/v1/heartbeat').at(-1)!;
    expect(v.check('HeartbeatRequest', seen.body)).toEqual([]);
    expect(v.check('HeartbeatResponse', seen.response)).toEqual([]);
    const body = seen.body as { outbox: { depth: number; oldestPendingAgeSeconds: number }; dataLoss: Record<string, number>; diskFreeBytes: number; clock: string };
    expect(body.outbox).toMatchObject({ depth: 1, oldestPendingAgeSeconds: 3600 });
    expect(body.dataLoss).toEqual({ 'retention.dropped-pending': 1 });
    expect(body.diskFreeBytes).toBeGreaterThan(0);
    expect(body.clock).toBe('2026-11-22T08:00:00.000Z');
    // Reported events are not sent again; commands are delivered once.
    const again = await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 43, deviceCount: 1 });
    expect(again).toMatchObject({ ok: true, commands: [], eventsReported: 0 });
    expect(store.status().recentDeliveries[0]).toMatchObject({ kind: 'heartbeat', status: 200 });
    hb.close();
  });

  it('succeeds while readings are being rejected', async () => {
    const store = openStore(tmp.dir, 'rejecting.db');
    store.saveCycle([makeReading(5, '2026-11-22T07:00:00Z')]);
    rx.faults.inject({ fail: { status: 422, count: 5 } });
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger });
    expect(await u.drainOnce()).toMatchObject({ quarantined: 1 });
    const hb = new Heartbeat({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger });
    expect((await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 1, deviceCount: 1 })).ok).toBe(true);
    rx.faults.clear();
    u.close();
    hb.close();
  });

  it('a wrong token is refused with 401 and MBX_UPLOAD_AUTH', async () => {
    const hb = new Heartbeat({ url: rx.url, agentId: AGENT, token: 'nope-nope-nope', caFile: pki.caFile, logger: cap.logger });
    const r = await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 1, deviceCount: 0 });
    expect(r).toMatchObject({ ok: false, status: 401, error: { code: 'MBX_UPLOAD_AUTH' } });
    hb.close();
  });
});

describe('agents and staleness', () => {
  it('GET /v1/agents: fresh after a heartbeat, stale after silence longer than stale-after; never-seen agents are stale', async () => {
    let res = await prov().get('/v1/agents');
    expect(res.status).toBe(200);
    const a = (res.data as { agents: { agentId: string; stale: boolean; version?: string }[] }).agents;
    expect(a.find((x) => x.agentId === AGENT)).toMatchObject({ stale: false, version: '0.1.0' });
    expect(a.find((x) => x.agentId === 'other-box')).toMatchObject({ stale: true });
    for (const x of a) expect(v.check('AgentStatus', x)).toEqual([]);
    clock += 61_000;
    res = await prov().get('/v1/agents');
    expect((res.data as { agents: { agentId: string; stale: boolean; secondsSinceSeen: number }[] }).agents.find((x) => x.agentId === AGENT)).toMatchObject({ stale: true, secondsSinceSeen: 61 });
    expect((await rx.agents()).find((x) => x.agentId === AGENT)?.stale).toBe(true);
  });

  it('read endpoints need a token and list devices and their readings', async () => {
    expect((await axios.get(`${rx.url}/v1/devices`, { httpsAgent: new Agent({ ca: pki.caCert }), validateStatus: () => true, proxy: false })).status).toBe(401);
    const store = openStore(tmp.dir, 'read.db');
    const r1 = makeReading(77, '2026-11-22T07:00:00Z');
    const r2 = makeReading(77, '2026-11-22T07:10:00Z', 2000);
    store.saveCycle([r1, r2]);
    const u = new Uploader({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, store: { current: store }, logger: cap.logger });
    await u.drainOnce();
    u.close();
    const devices = (await prov().get('/v1/devices')).data as { devices: { key: string; readings: number; lastCounters: Record<string, number> }[] };
    const d = devices.devices.find((x) => x.key === r1.device.key)!;
    expect(d).toMatchObject({ readings: 2, lastCounters: r2.counters });
    for (const x of devices.devices) expect(v.check('DeviceSummary', x)).toEqual([]);
    const readings = (await prov().get(`/v1/devices/${encodeURIComponent(d.key)}/readings`)).data as { readings: { id: string }[] };
    expect(readings.readings.map((x) => x.id)).toEqual([r1.id, r2.id]);
    for (const x of readings.readings) expect(v.check('Reading', x)).toEqual([]);
    expect((await prov().get('/v1/devices/nope/readings')).status).toBe(404);
    // An agent's token reads nothing.
    expect((await api().get('/v1/devices')).status).toBe(403);
  });

  it('a batch posted twice is stored once: the second receipt lists duplicates', async () => {
    const r = makeReading(88, '2026-11-22T07:00:00Z');
    const body = { agentId: AGENT, sentAt: '2026-11-22T08:00:00.000Z', readings: [r, { ...makeReading(89, '2026-11-22T07:00:00Z'), readAt: 'yesterday' }] };
    const first = await api().post('/v1/readings', body);
    expect(first.data).toMatchObject({ accepted: [r.id], duplicate: [] });
    expect((first.data as { rejected: { reason: string }[] }).rejected[0]!.reason).toMatch(/readAt/);
    const second = await api().post('/v1/readings', body);
    expect(second.data).toMatchObject({ accepted: [], duplicate: [r.id] });
    expect(await rx.readings({ deviceKey: r.device.key })).toHaveLength(1);
    expect((await api().post('/v1/readings', { ...body, agentId: 'other-box' })).status).toBe(403);
    expect((await api().post('/v1/readings', { agentId: AGENT })).status).toBe(400);
  });
});

describe('admin endpoint and CLI', () => {
  it('the admin endpoint is on 127.0.0.1 and sets faults with the admin token', async () => {
    expect(rx.adminUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    await axios.post(`${rx.adminUrl}/faults`, { fail: { status: 503, count: 1, retryAfter: '7' } }, asAdmin);
    const res = await api().post('/v1/readings', { agentId: AGENT, readings: [makeReading(90, '2026-11-22T07:00:00Z')] });
    expect(res.status).toBe(503);
    expect(res.headers['retry-after']).toBe('7');
    expect(v.check('Error', res.data)).toEqual([]);
    await axios.post(`${rx.adminUrl}/commands`, { agentId: AGENT, name: 'discover-now' }, asAdmin);
    const hb = new Heartbeat({ url: rx.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, logger: cap.logger });
    expect((await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 1, deviceCount: 0 })).commands).toEqual(['discover-now']);
    hb.close();
  });

  it('without a certificate it generates a self-signed one and reports its SHA-256 fingerprint', async () => {
    const r = await startReceiver({ dbPath: join(tmp.dir, 'self.db'), tokens: { a: 'tok-aaaaaaaa', ops: { role: 'read', token: 'tok-provider' } }, logger: cap.logger });
    try {
      expect(r.fingerprint).toBe(new X509Certificate(r.certPem).fingerprint256);
      expect(r.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      const res = await axios.get(`${r.url}/v1/agents`, { httpsAgent: new Agent({ ca: r.certPem }), headers: { authorization: 'Bearer tok-provider' }, proxy: false });
      expect(res.status).toBe(200);
    } finally {
      await r.close();
    }
  });

  it('`meterbox receiver agents --db` lists agents with last-seen and stale, text and JSON', async () => {
    const db = join(tmp.dir, 'cli.db');
    const tokens = join(tmp.dir, 'tokens.json');
    writeFileSync(tokens, JSON.stringify({ [AGENT]: TOKEN }));
    const r = await startReceiver({ dbPath: db, tokensFile: tokens, cert: pki.good.cert, key: pki.good.key, logger: cap.logger });
    const hb = new Heartbeat({ url: r.url, agentId: AGENT, token: TOKEN, caFile: pki.caFile, logger: cap.logger });
    expect((await hb.sendOnce({ version: '9.9.9', uptimeSeconds: 1, deviceCount: 0 })).ok).toBe(true);
    hb.close();
    await r.close();
    const main = join(process.cwd(), 'dist/cli/main.js');
    const json = await exec(process.execPath, [main, 'receiver', 'agents', '--db', db, '--json']);
    const out = JSON.parse(json.stdout) as { agents: { agentId: string; stale: boolean; version: string }[] };
    expect(out.agents).toEqual([expect.objectContaining({ agentId: AGENT, stale: false, version: '9.9.9' })]);
    const text = await exec(process.execPath, [main, 'receiver', 'agents', '--db', db, '--stale-after', '1']);
    expect(text.stdout).toContain(AGENT);
    await new Promise((res) => setTimeout(res, 1100));
    expect((await exec(process.execPath, [main, 'receiver', 'agents', '--db', db, '--stale-after', '1'])).stdout).toContain('STALE');
  });
});
