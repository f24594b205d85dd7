/**
 * The store contract, run against SQLite and PostgreSQL alike: migrations that run once and again
 * harmlessly (also two openers at once), readings exactly once per (agent, id) also under
 * concurrent writers, tenancy in the keys (ids and device keys of one agent never touch
 * another's), acknowledged commands and their expiry, stale transitions taken once across nodes,
 * alerts leased and ordered, rate windows, tokens.
 */
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../src/contract/reading.js';
import { openStore } from '../../src/receiver/store/open.js';
import { LATEST_SCHEMA, MIGRATIONS } from '../../src/receiver/store/migrations.js';
import type { IncomingReading, ReceiverStore } from '../../src/receiver/store/types.js';
import { hashToken } from '../../src/receiver/tokens.js';
import { makeReading } from '../store/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
afterAll(() => b.cleanup());

const incoming = (r: Reading): IncomingReading => ({
  id: r.id,
  readAt: new Date(r.readAt).toISOString(),
  deviceKey: r.device.key,
  vendor: r.device.vendor,
  ...(r.device.model ? { model: r.device.model } : {}),
  ...(r.device.serial ? { serial: r.device.serial } : {}),
  counters: r.counters as Record<string, number>,
  body: JSON.stringify(r),
});
const T0 = new Date('2026-11-22T08:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'receiver store contract'), () => {
    const opened: ReceiverStore[] = [];
    const fresh = async (db?: string) => {
      const s = await openStore(db ?? (await backend.newDb()), { alerts: true });
      opened.push(s);
      return s;
    };
    afterAll(async () => {
      for (const s of opened) await s.close();
    });

    it('migrations run at open, once; opening again (and two openers at once) changes nothing', async () => {
      const db = await backend.newDb();
      const [a, c] = await Promise.all([fresh(db), fresh(db)]);
      expect(await a.schemaVersion()).toBe(LATEST_SCHEMA);
      expect(await c.schemaVersion()).toBe(LATEST_SCHEMA);
      await a.storeReadings('box-a', [incoming(makeReading(1, T0))], T0);
      const again = await fresh(db);
      expect(await again.schemaVersion()).toBe(LATEST_SCHEMA);
      expect(await again.readingCount()).toBe(1);
    });

    it('stores a reading once per (agent, id): a batch sent again is all duplicates', async () => {
      const s = await fresh();
      const batch = [1, 2, 3].map((n) => incoming(makeReading(n, at(n))));
      expect(await s.storeReadings('box-a', batch, T0)).toEqual({ accepted: batch.map((r) => r.id), duplicate: [] });
      expect(await s.storeReadings('box-a', batch, at(5))).toEqual({ accepted: [], duplicate: batch.map((r) => r.id) });
      expect(await s.readingCount()).toBe(3);
      const stored = await s.readings({ agentId: 'box-a' });
      expect(stored.map((r) => r.body)).toEqual(batch.map((r) => JSON.parse(r.body)));
      expect((await s.agents(at(10), 900)).find((x) => x.agentId === 'box-a')).toMatchObject({ readings: 3 });
    });

    it('concurrent writers of the same ids (two connections): every id stored once, each id accepted once', async () => {
      const db = await backend.newDb();
      const [x, y] = [await fresh(db), await fresh(db)];
      const batch = Array.from({ length: 40 }, (_, i) => incoming(makeReading(i % 8, at(i))));
      const rounds = await Promise.all([x, y, x, y].map((s, i) => s.storeReadings('box-a', i % 2 ? [...batch].reverse() : batch, T0)));
      const accepted = rounds.flatMap((r) => r.accepted);
      expect(accepted.sort()).toEqual(batch.map((r) => r.id).sort());
      expect(rounds.reduce((n, r) => n + r.duplicate.length, 0)).toBe(3 * batch.length);
      expect(await x.readingCount()).toBe(batch.length);
      const devices = await y.devices({ agentId: 'box-a' });
      expect(devices.reduce((n, d) => n + d.readings, 0)).toBe(batch.length);
    });

    it("tenancy: another agent's reading id is that agent's own, and a device key from two agents is two devices plus one event", async () => {
      const s = await fresh();
      const mine = makeReading(7, at(1), 5000);
      await s.storeReadings('box-a', [incoming(mine)], at(1));
      // box-b re-posts box-a's id and device key with other counters: stored as box-b's, nothing of box-a's changes.
      const theirs = { ...makeReading(7, at(2), 1), id: mine.id };
      expect(await s.storeReadings('box-b', [incoming(theirs)], at(2))).toEqual({ accepted: [mine.id], duplicate: [] });
      expect(await s.readingCount('box-a')).toBe(1);
      expect((await s.readings({ agentId: 'box-a' }))[0]?.body).toEqual(JSON.parse(JSON.stringify(mine)));
      const devices = await s.devices({ deviceKey: mine.device.key });
      expect(devices.map((d) => [d.agentId, d.lastCounters?.total])).toEqual([
        ['box-a', 5000],
        ['box-b', 1],
      ]);
      const events = await s.events({ kind: 'device.key-conflict' });
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({ agentId: 'box-b', deviceKey: mine.device.key, data: { otherAgents: ['box-a'] } });
      // More readings of a known device add no event.
      await s.storeReadings('box-a', [incoming(makeReading(7, at(3), 5100))], at(3));
      await s.storeReadings('box-b', [incoming(makeReading(7, at(3), 2))], at(3));
      expect(await s.events({ kind: 'device.key-conflict' })).toHaveLength(1);
    });

    it('two agents adding one device key at the same moment (two connections) still make one event', async () => {
      const db = await backend.newDb();
      const [x, y] = [await fresh(db), await fresh(db)];
      for (let round = 0; round < 5; round++) {
        const keyed = (n: number) => incoming(makeReading(100 + round, at(n)));
        await Promise.all([x.storeReadings(`box-x${round}`, [keyed(1)], T0), y.storeReadings(`box-y${round}`, [keyed(2)], T0)]);
      }
      const events = await x.events({ kind: 'device.key-conflict' });
      expect(events).toHaveLength(5);
      expect(new Set(events.map((e) => e.deviceKey)).size).toBe(5);
    });

    it('a device keeps the counters of its newest reading; an older one arriving late only adds to the count', async () => {
      const s = await fresh();
      await s.storeReadings('box-a', [incoming(makeReading(3, at(100), 900))], at(100));
      await s.storeReadings('box-a', [incoming(makeReading(3, at(50), 500))], at(101));
      const [d] = await s.devices({ agentId: 'box-a' });
      expect(d).toMatchObject({ readings: 2, lastReadAt: at(100).toISOString(), lastCounters: { total: 900 } });
    });

    it('commands: re-sent until acknowledged, acknowledged only by their agent; an agent without acks gets each once', async () => {
      const s = await fresh();
      const c = await s.queueCommand('box-a', 'read-now', T0, 3600);
      const hb = (agentId: string, t: number, acks?: string[]) => s.recordHeartbeat({ agentId, at: at(t), version: '1', body: '{}', ...(acks ? { acks } : {}) });
      expect((await hb('box-a', 1, [])).commands).toEqual([c]);
      expect((await hb('box-a', 2, [])).commands).toEqual([c]);
      expect((await hb('box-b', 3, [c.id])).commands).toEqual([]); // another agent's ack is ignored
      expect((await s.commands('box-a'))[0]).toMatchObject({ state: 'sent', sent: 2 });
      expect((await hb('box-a', 4, [c.id])).commands).toEqual([]);
      expect((await s.commands('box-a'))[0]).toMatchObject({ state: 'acked', ack: 'agent', sent: 2, ackedAt: at(4).toISOString() });

      const legacy = await s.queueCommand('box-c', 'discover-now', T0, 3600);
      expect((await hb('box-c', 5)).commands).toEqual([legacy]);
      expect((await hb('box-c', 6)).commands).toEqual([]);
      expect((await s.commands('box-c'))[0]).toMatchObject({ state: 'acked', ack: 'legacy', sent: 1 });
    });

    it('commands not acknowledged in time expire: dropped, reported as an event, no longer sent', async () => {
      const s = await fresh();
      const c = await s.queueCommand('box-a', 'read-now', T0, 60);
      await s.recordHeartbeat({ agentId: 'box-a', at: at(10), version: '1', body: '{}', acks: [] });
      const r = await s.sweep(at(61), 900, 86_400);
      expect(r.expired).toEqual([{ agentId: 'box-a', id: c.id, name: 'read-now', sent: 1 }]);
      expect((await s.sweep(at(62), 900, 86_400)).expired).toEqual([]);
      expect((await s.recordHeartbeat({ agentId: 'box-a', at: at(63), version: '1', body: '{}', acks: [c.id] })).commands).toEqual([]);
      expect((await s.commands('box-a'))[0]).toMatchObject({ state: 'expired', expiredAt: at(61).toISOString() });
      expect(await s.events({ agentId: 'box-a', kind: 'command.expired' })).toEqual([expect.objectContaining({ data: expect.objectContaining({ id: c.id, name: 'read-now', sent: 1 }) })]);
    });

    it('stale and recovered: each transition taken once even by two sweepers at once, with events and ordered alerts', async () => {
      const db = await backend.newDb();
      const [s, other] = [await fresh(db), await fresh(db)];
      await s.recordHeartbeat({ agentId: 'box-a', at: T0, version: '1', body: '{"n":1}' });
      await s.recordHeartbeat({ agentId: 'box-b', at: at(50), version: '1', body: '{}' });
      expect((await s.sweep(at(60), 60, 86_400)).stale).toEqual([]);
      const [r1, r2] = await Promise.all([s.sweep(at(61), 60, 86_400), other.sweep(at(61), 60, 86_400)]);
      expect([...r1.stale, ...r2.stale]).toEqual(['box-a']);
      expect((await s.agents(at(61), 60)).find((a) => a.agentId === 'box-a')).toMatchObject({ stale: true, staleSince: at(61).toISOString() });
      expect((await s.recordHeartbeat({ agentId: 'box-a', at: at(90), version: '1', body: '{}' })).recovered).toBe(true);
      expect((await s.recordHeartbeat({ agentId: 'box-a', at: at(91), version: '1', body: '{}' })).recovered).toBe(false);
      const events = await s.events({ agentId: 'box-a' });
      expect(events.map((e) => e.kind)).toEqual(['agent.stale', 'agent.recovered']);
      expect(events[1]).toMatchObject({
        message: 'agent box-a recovered: heartbeat again after 90 s of silence',
        data: { event: 'agent.recovered', agentId: 'box-a', at: at(90).toISOString(), staleSince: at(61).toISOString(), lastSeenBefore: T0.toISOString(), silentSeconds: 90 },
      });
      expect(Object.keys(events[1]!.data!).sort()).toEqual(['agentId', 'at', 'event', 'lastSeenBefore', 'silentSeconds', 'staleSince']);
      // recovered waits until stale is delivered; a claimed alert is not handed to another node while leased.
      const first = await s.claimAlerts(at(92), 10, 60);
      expect(first.map((a) => [a.agentId, a.kind])).toEqual([['box-a', 'agent.stale']]);
      expect(first[0]?.payload).toMatchObject({ event: 'agent.stale', agentId: 'box-a', lastSeen: T0.toISOString(), staleAfterSeconds: 60 });
      expect(await other.claimAlerts(at(93), 10, 60)).toEqual([]);
      await s.alertDelivered(first[0]!, at(94));
      const second = await other.claimAlerts(at(95), 10, 60);
      expect(second.map((a) => a.kind)).toEqual(['agent.recovered']);
      expect(second[0]?.payload).toEqual(events[1]?.data);
    });

    it('alerts: a failed one is retried when due, or given up with an alert.failed event; an expired lease frees it', async () => {
      const s = await fresh();
      await s.recordHeartbeat({ agentId: 'box-a', at: T0, version: '1', body: '{}' });
      await s.sweep(at(100), 60, 86_400);
      const [a] = await s.claimAlerts(at(100), 10, 30);
      expect(await s.claimAlerts(at(129), 10, 30)).toEqual([]);
      const [leased] = await s.claimAlerts(at(131), 10, 30); // the first node died holding it
      expect(leased).toMatchObject({ seq: a!.seq, attempts: 2 });
      await s.alertFailed(leased!, 'webhook answered HTTP 500', at(200), at(132));
      expect(await s.claimAlerts(at(199), 10, 30)).toEqual([]);
      const [third] = await s.claimAlerts(at(200), 10, 30);
      expect(third?.attempts).toBe(3);
      await s.alertFailed(third!, 'webhook unreachable: ECONNREFUSED', undefined, at(201));
      expect(await s.claimAlerts(at(10_000), 10, 30)).toEqual([]);
      expect(await s.events({ kind: 'alert.failed' })).toEqual([expect.objectContaining({ agentId: 'box-a', message: expect.stringContaining('ECONNREFUSED') })]);
    });

    it('published documents: only a newer version per agent and kind is taken; the newest of each is listed, byte for byte', async () => {
      const s = await fresh();
      const doc = (v: number) => JSON.stringify({ envelope: `{"version":${v},"note":"  spaces kept  "}`, signature: 'x', keyId: 'k' });
      const row = (agentId: string, kind: 'config' | 'update', version: number) => ({ agentId, kind, version, document: doc(version), summary: { version: `v${version}` }, createdAt: at(version).toISOString() });
      expect(await s.publish(row('a', 'config', 5))).toBe(true);
      expect(await s.publish(row('a', 'config', 5))).toBe(false);
      expect(await s.publish(row('a', 'config', 4))).toBe(false);
      expect(await s.publish(row('a', 'config', 7))).toBe(true);
      expect(await s.publish(row('a', 'update', 1))).toBe(true);
      expect(await s.publish(row('b', 'config', 2))).toBe(true);
      const mine = await s.published({ agentId: 'a' });
      expect(mine.map((p) => [p.kind, p.version])).toEqual([['config', 7], ['update', 1]]);
      expect(mine[0]?.document).toBe(doc(7));
      expect(mine[0]).toMatchObject({ summary: { version: 'v7' }, createdAt: at(7).toISOString() });
      expect((await s.published({ kind: 'config' })).map((p) => [p.agentId, p.version])).toEqual([['a', 7], ['b', 2]]);
      expect(await s.published({ agentId: 'c' })).toEqual([]);
    });

    it('rate windows count per agent and per minute; a lagging clock counts into the current window', async () => {
      const s = await fresh();
      const w1 = new Date('2026-11-22T08:00:00.000Z');
      const w2 = new Date('2026-11-22T08:01:00.000Z');
      expect([await s.rateHit('box-a', w1), await s.rateHit('box-a', w1), await s.rateHit('box-b', w1)]).toEqual([1, 2, 1]);
      expect(await s.rateHit('box-a', w2)).toBe(1);
      expect(await s.rateHit('box-a', w1)).toBe(2);
      // Counted with the token lookup: only for a live agent token whose hash matches (a known id alone spends nothing).
      await s.addToken({ id: 'dddddddddddddddd', kind: 'agent', agentId: 'box-a', hash: hashToken('secret-a'), createdAt: T0.toISOString() });
      expect(await s.findToken('dddddddddddddddd', { windowStart: w2, hash: hashToken('guess') })).not.toHaveProperty('hits');
      expect(await s.findToken('dddddddddddddddd', { windowStart: w2, hash: hashToken('secret-a') })).toMatchObject({ agentId: 'box-a', hits: 3 });
      expect(await s.findToken('dddddddddddddddd')).not.toHaveProperty('hits');
      await s.revokeTokens({ id: 'dddddddddddddddd' }, w2);
      expect(await s.findToken('dddddddddddddddd', { windowStart: w2, hash: hashToken('secret-a') })).not.toHaveProperty('hits');
      expect(await s.rateHit('box-a', w2)).toBe(4);
    });

    it('tokens: stored hashed, found by id, listed without hashes, revoked by id or by agent', async () => {
      const s = await fresh();
      const base = { createdAt: T0.toISOString() };
      await s.addToken({ ...base, id: 'aaaaaaaaaaaaaaaa', kind: 'agent', agentId: 'box-a', hash: hashToken('x1') });
      await s.addToken({ ...base, id: 'bbbbbbbbbbbbbbbb', kind: 'agent', agentId: 'box-a', hash: hashToken('x2') });
      await s.addToken({ ...base, id: 'cccccccccccccccc', kind: 'provider', name: 'ops', role: 'admin', hash: hashToken('x3'), label: 'on-call' });
      expect(await s.findToken('cccccccccccccccc')).toMatchObject({ kind: 'provider', role: 'admin', name: 'ops', hash: hashToken('x3') });
      expect(await s.tokenAgents()).toEqual(['box-a']);
      const listed = await s.listTokens();
      expect(listed).toHaveLength(3);
      expect(JSON.stringify(listed)).not.toContain('sha256');
      expect(await s.revokeTokens({ id: 'cccccccccccccccc' }, at(1))).toBe(1);
      expect(await s.revokeTokens({ agentId: 'box-a' }, at(2))).toBe(2);
      expect(await s.revokeTokens({ agentId: 'box-a' }, at(3))).toBe(0);
      expect((await s.findToken('aaaaaaaaaaaaaaaa'))?.revokedAt).toBe(at(2).toISOString());
      expect(await s.tokenAgents()).toEqual([]);
    });

    it('agents: known ones never seen are listed as stale; the heartbeat log is pruned by age', async () => {
      const s = await fresh();
      await s.recordHeartbeat({ agentId: 'box-a', at: T0, version: '2.0', body: '{"deviceCount":3}' });
      await s.recordHeartbeat({ agentId: 'box-a', at: at(3600), version: '2.0', body: '{"deviceCount":4}' });
      const agents = await s.agents(at(3610), 900, ['box-z']);
      expect(agents).toEqual([
        expect.objectContaining({ agentId: 'box-a', stale: false, secondsSinceSeen: 10, version: '2.0', lastHeartbeat: { deviceCount: 4 } }),
        expect.objectContaining({ agentId: 'box-z', stale: true, readings: 0 }),
      ]);
      expect(await s.heartbeatCount('box-a')).toBe(2);
      expect((await s.sweep(at(3700), 900, 1800)).prunedHeartbeats).toBe(1);
      expect(await s.heartbeatCount()).toBe(1);
    });
  });
}

describe('a receiver database from before tenancy (SQLite, no schema_migrations)', () => {
  it('is migrated at open: readings, devices, agents and commands carried over, keyed by agent', async () => {
    const path = await b.sqlite.newDb();
    const old = new Database(path);
    old.exec(MIGRATIONS[0]!.sqlite); // the reference receiver's own tables, as it created them
    const r = makeReading(5, T0, 4200);
    old.prepare('INSERT INTO readings VALUES (?, ?, ?, ?, ?, ?)').run(r.id, 'box-old', r.device.key, r.readAt, T0.toISOString(), JSON.stringify(r));
    old.prepare('INSERT INTO devices VALUES (?, ?, ?, ?, ?, 1, ?, ?)').run(r.device.key, 'box-old', 'Generic', 'Color Laser 9000', r.device.serial, r.readAt, JSON.stringify(r.counters));
    old.prepare('INSERT INTO agents VALUES (?, ?, ?, ?, 3, 1, ?)').run('box-old', T0.toISOString(), '0.1.0', '{"deviceCount":1}', r.readAt);
    old.prepare('INSERT INTO commands (agent_id, name, created_at, delivered_at) VALUES (?, ?, ?, NULL)').run('box-old', 'read-now', T0.toISOString());
    old.close();
    const s = await openStore(path);
    try {
      expect(await s.schemaVersion()).toBe(LATEST_SCHEMA);
      expect((await s.readings({ agentId: 'box-old' })).map((x) => x.body)).toEqual([JSON.parse(JSON.stringify(r))]);
      expect(await s.devices()).toEqual([expect.objectContaining({ agentId: 'box-old', key: r.device.key, readings: 1, lastCounters: r.counters })]);
      expect((await s.agents(at(60), 900)).find((a) => a.agentId === 'box-old')).toMatchObject({ readings: 1, version: '0.1.0', stale: false });
      // A command it had queued and not handed out is kept; having no time to live, it expires at the next sweep (and is reported).
      expect(await s.commands('box-old')).toEqual([expect.objectContaining({ name: 'read-now', sent: 0 })]);
      // The same reading again is a duplicate of its own agent's, and another agent's is its own.
      expect(await s.storeReadings('box-old', [incoming(r)], at(1))).toEqual({ accepted: [], duplicate: [r.id] });
      expect(await s.storeReadings('box-new', [incoming(r)], at(1))).toEqual({ accepted: [r.id], duplicate: [] });
    } finally {
      await s.close();
    }
  });
});
