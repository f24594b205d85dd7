/**
 * Acknowledged commands, end to end: the provider queues a command (admin API); the agent's real
 * Heartbeat acts on it once, even while it is sent again, and acknowledges it in the heartbeat
 * after it finished; a failed one is not acknowledged and comes again; an expired one is dropped
 * and reported; an agent that does not acknowledge gets each command once. Then the real daemon
 * (`meterbox run`): a provider's read-now runs a poll, and the command is acknowledged after it.
 */
import axios from 'axios';
import { mkdirSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../src/receiver/index.js';
import type { CommandRow, RunningReceiver } from '../../src/receiver/types.js';
import { Heartbeat, type HeartbeatCommandName } from '../../src/upload/index.js';
import { DaemonProcess, TOKEN as LAB_TOKEN, labConfig, startLabFleet, waitFor, writeConfig } from '../daemon/harness.js';
import { fakeClock, tempDir } from '../store/helpers.js';
import { captureLogger } from '../upload/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
const tmp = tempDir('mbx-commands-');
afterAll(async () => {
  await b.cleanup();
  tmp.cleanup();
});

const AGENT = 'box-cmd';
const TOKEN = 'tok-CMD-4b7e1d0a9c3f2e58';
const ADMIN = 'prov-admin-6f2a9d1c0e7b4a35';

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'acknowledged commands'), () => {
    let rx: RunningReceiver;
    const clock = fakeClock();
    const cap = captureLogger();
    const admin = () => axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: rx.certPem }), validateStatus: () => true, proxy: false, headers: { authorization: `Bearer ${ADMIN}` } });
    const queue = async (name: string, ttlSeconds?: number) => (await admin().post(`/v1/agents/${AGENT}/commands`, { name, ...(ttlSeconds ? { ttlSeconds } : {}) })).data as { id: string };
    const states = async () => ((await admin().get(`/v1/agents/${AGENT}/commands`)).data as { commands: CommandRow[] }).commands;
    const heartbeat = (onCommand: (c: HeartbeatCommandName) => void | Promise<void>) => {
      const caFile = join(tmp.dir, `rx-${backend.name}.pem`);
      writeFileSync(caFile, rx.certPem);
      return new Heartbeat({ url: rx.url, agentId: AGENT, token: TOKEN, caFile, logger: cap.logger, now: clock.now, onCommand });
    };
    const snap = { version: '0.1.0', uptimeSeconds: 1, deviceCount: 0 };
    const sentAcks = () => rx.requests().filter((r) => r.path === '/v1/heartbeat').map((r) => (r.body as { acks?: string[] }).acks);

    beforeAll(async () => {
      rx = await startReceiver({ db: await backend.newDb(), tokens: { [AGENT]: TOKEN, ops: { role: 'admin', token: ADMIN } }, logger: cap.logger, now: clock.now, sweepIntervalMs: 50 });
    });
    afterAll(() => rx?.close());

    it('acted on once while it is re-sent, acknowledged in the heartbeat after it finished, then no longer sent', async () => {
      const { id } = await queue('read-now');
      let finish!: () => void;
      const calls: HeartbeatCommandName[] = [];
      const hb = heartbeat((c) => {
        calls.push(c);
        return new Promise<void>((r) => (finish = r)); // the poll is still running
      });
      expect((await hb.sendOnce(snap)).commands).toEqual(['read-now']);
      expect((await states())[0]).toMatchObject({ id, state: 'sent', sent: 1 });
      // Not acknowledged yet: sent again, and not acted on twice.
      expect((await hb.sendOnce(snap)).commands).toEqual([]);
      expect(calls).toEqual(['read-now']);
      expect((await states())[0]).toMatchObject({ state: 'sent', sent: 2 });
      finish();
      await new Promise((r) => setImmediate(r));
      expect(await hb.sendOnce(snap)).toMatchObject({ ok: true, commands: [], acked: 1 });
      expect((await states())[0]).toMatchObject({ state: 'acked', ack: 'agent', sent: 2 });
      expect(await hb.sendOnce(snap)).toMatchObject({ ok: true, commands: [], acked: 0 });
      expect(sentAcks()).toEqual([[], [], [id], []]);
      hb.close();
      rx.clearRequests();
    });

    it('a command whose run failed is not acknowledged: it comes again and is acted on again', async () => {
      const { id } = await queue('discover-now');
      let attempt = 0;
      const hb = heartbeat(async () => {
        if (++attempt === 1) throw new Error('discovery could not start');
      });
      expect((await hb.sendOnce(snap)).commands).toEqual(['discover-now']);
      await new Promise((r) => setImmediate(r));
      expect((await hb.sendOnce(snap)).commands).toEqual(['discover-now']);
      await new Promise((r) => setImmediate(r));
      expect(await hb.sendOnce(snap)).toMatchObject({ acked: 1, commands: [] });
      expect(attempt).toBe(2);
      expect((await states()).find((c) => c.id === id)).toMatchObject({ state: 'acked', sent: 2 });
      expect(cap.text()).toContain('discovery could not start');
      hb.close();
    });

    it('a command not acknowledged before it expires is dropped and reported (event, state), never sent again', async () => {
      const { id } = await queue('read-now', 60);
      clock.advance(61_000);
      await waitFor(async () => ((await states()).find((c) => c.id === id)?.state === 'expired' ? true : undefined), 10_000, 'the sweep to expire the command');
      const events = ((await admin().get(`/v1/events?agentId=${AGENT}&kind=command.expired`)).data as { events: { message: string; data: { id: string } }[] }).events;
      expect(events).toEqual([expect.objectContaining({ data: expect.objectContaining({ id, sent: 0 }) })]);
      expect(events[0]?.message).toMatch(/expired unacknowledged/);
      const hb = heartbeat(() => undefined);
      expect((await hb.sendOnce(snap)).commands).toEqual([]);
      hb.close();
    });

    it('an agent that does not acknowledge (no acks field) gets each command once', async () => {
      const { id } = await queue('read-now');
      const c = axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: rx.certPem }), validateStatus: () => true, proxy: false, headers: { authorization: `Bearer ${TOKEN}` } });
      const old = { agentId: AGENT, version: '0.0.9', clock: clock.now().toISOString(), uptimeSeconds: 1, outbox: { depth: 0 }, deviceCount: 0, recentErrors: {}, dataLoss: {}, events: [] };
      expect(((await c.post('/v1/heartbeat', old)).data as { commands: { id: string }[] }).commands.map((x) => x.id)).toEqual([id]);
      expect(((await c.post('/v1/heartbeat', old)).data as { commands: unknown[] }).commands).toEqual([]);
      expect((await states()).find((x) => x.id === id)).toMatchObject({ state: 'acked', ack: 'legacy', sent: 1 });
    });
  });
}

describe('meterbox run: a provider read-now runs a poll, acknowledged after it', () => {
  let rx: RunningReceiver;
  let daemon: DaemonProcess | undefined;
  let fleet: Awaited<ReturnType<typeof startLabFleet>>;

  beforeAll(async () => {
    fleet = await startLabFleet(2);
    rx = await startReceiver({ dbPath: join(tmp.dir, 'daemon-rx.db'), tokens: { 'lab-box': LAB_TOKEN }, logger: captureLogger().logger });
    const caFile = join(tmp.dir, 'daemon-rx.pem');
    writeFileSync(caFile, rx.certPem);
    const dir = join(tmp.dir, 'daemon');
    mkdirSync(dir);
    // Polls only on start and on request; heartbeats every 2 s carry the command and, later, its ack.
    const cfg = labConfig({ fleet, dir, providerUrl: rx.url, caFile, schedules: { poll: '0 0 1 1 *', discovery: '0 0 1 1 *' }, extra: { logging: { level: 'debug' } } });
    writeConfig(join(dir, 'config.json'), cfg);
    daemon = new DaemonProcess(join(dir, 'config.json'));
  });
  afterAll(async () => {
    daemon?.kill();
    await rx?.close();
    await fleet?.close();
  });

  it('the poll runs because of the command, then the next heartbeat acknowledges it', async () => {
    const d = daemon as DaemonProcess;
    const time = (l: Record<string, unknown>) => (typeof l.time === 'number' ? l.time : Date.parse(String(l.time)));
    await d.waitForLog((l) => l.component === 'job.heartbeat' && l.msg === 'job done', 30_000, 'a first heartbeat');
    const cmd = await rx.queueCommand('lab-box', 'read-now');
    const started = await d.waitForLog((l) => l.msg === 'job started' && l.reason === 'provider:read-now', 20_000, 'the poll asked for');
    const done = await d.waitForLog((l) => l.component === 'job.poll' && l.msg === 'job done' && time(l) >= time(started), 30_000, 'that poll to finish');
    const acked = await waitFor(async () => (await rx.store.commands('lab-box')).find((c) => c.id === cmd.id && c.state === 'acked'), 20_000, 'the ack');
    expect(acked).toMatchObject({ ack: 'agent' });
    expect(Date.parse(acked.ackedAt as string)).toBeGreaterThanOrEqual(time(done));
    // Acted on once, though the command went out in every heartbeat until acknowledged.
    expect(d.lines().filter((l) => l.msg === 'job started' && l.reason === 'provider:read-now')).toHaveLength(1);
  }, 90_000);
});
