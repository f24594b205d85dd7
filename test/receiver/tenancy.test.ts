/**
 * Tenancy and roles over HTTPS, on SQLite and PostgreSQL: an agent's token reads nothing and
 * writes only its own agent's data; another agent's device key or reading id neither overwrites
 * nor reveals anything; provider tokens read (read role) or also command (admin role); tokens in
 * the database are added, listed and revoked with the CLI and refused at once after revocation;
 * the tokens file takes plain and hashed entries; fault injection exists only when enabled and
 * answers only the admin token. Tokens never reach the logs.
 */
import axios, { type AxiosInstance } from 'axios';
import { writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA } from '../../src/receiver/store/migrations.js';
import { startReceiver } from '../../src/receiver/index.js';
import { apiValidators } from '../../src/receiver/schema.js';
import { hashToken } from '../../src/receiver/tokens.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { runCli } from '../helpers/cli.js';
import { makeReading, tempDir } from '../store/helpers.js';
import { captureLogger } from '../upload/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
const tmp = tempDir('mbx-tenancy-');
afterAll(async () => {
  await b.cleanup();
  tmp.cleanup();
});
const v = apiValidators();

const A = { id: 'box-a', token: 'tok-A-5f1e0c9b2d7a4e38' };
const B = { id: 'box-b', token: 'tok-B-8a3c6e1f0b9d2c47' };
const READ = 'prov-read-2e7d9c4a1b6f3e80';
const ADMIN = 'prov-admin-9c1b4e7a2d5f8c03';
const HASHED_PLAIN = 'tok-H-71c0e5b9d3a2f846';

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'tenancy and roles'), () => {
    let rx: RunningReceiver;
    let db: string;
    let tokensFile: string;
    const cap = captureLogger();
    const client = (token?: string): AxiosInstance =>
      axios.create({ baseURL: rx.url, httpsAgent: new Agent({ ca: rx.certPem }), validateStatus: () => true, proxy: false, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
    const post = (who: { id: string; token: string }, body: Record<string, unknown>) => client(who.token).post('/v1/readings', body);

    beforeAll(async () => {
      db = await backend.newDb();
      tokensFile = join(tmp.dir, `tokens-${backend.name}.json`);
      writeFileSync(tokensFile, JSON.stringify({ [A.id]: A.token, [B.id]: B.token, 'box-h': hashToken(HASHED_PLAIN), viewer: { role: 'read', token: READ }, ops: { role: 'admin', token: hashToken(ADMIN) } }));
      rx = await startReceiver({ db, tokensFile, logger: cap.logger, adminPort: 0 });
    });
    afterAll(() => rx?.close());

    it("an agent token reads nothing: every read endpoint answers 403; no token 401; a provider token 200", async () => {
      for (const path of ['/v1/agents', '/v1/devices', '/v1/devices/x/readings', '/v1/events', '/v1/status', `/v1/agents/${A.id}/commands`, `/v1/billing?from=2026-01-01&to=2026-02-01&agent=${A.id}`, '/v1/billing?from=2026-01-01&to=2026-02-01']) {
        const res = await client(A.token).get(path);
        expect([path, res.status]).toEqual([path, 403]);
        expect(v.check('Error', res.data)).toEqual([]);
        expect((await client().get(path)).status).toBe(401);
      }
      const agents = await client(READ).get('/v1/agents');
      expect(agents.status).toBe(200);
      expect((agents.data as { agents: { agentId: string }[] }).agents.map((a) => a.agentId)).toEqual(['box-a', 'box-b', 'box-h']);
      expect((await client(ADMIN).get('/v1/status')).data).toMatchObject({ store: backend.name, schemaVersion: LATEST_SCHEMA });
    });

    it("an agent cannot post for another: 403 for readings and heartbeats, nothing stored", async () => {
      const res = await post(B, { agentId: A.id, readings: [makeReading(1, '2026-11-22T07:00:00Z')] });
      expect(res.status).toBe(403);
      expect((await client(B.token).post('/v1/heartbeat', { agentId: A.id })).status).toBe(403);
      expect(await rx.readingCount()).toBe(0);
      // A provider token is not an agent: it cannot post readings either.
      expect((await client(ADMIN).post('/v1/readings', { agentId: A.id, readings: [makeReading(1, '2026-11-22T07:00:00Z')] })).status).toBe(403);
    });

    it("B posting A's device key (and A's reading id) is B's own device and reading: A's data is untouched, nothing is revealed", async () => {
      const mine = makeReading(42, '2026-11-22T07:00:00Z', 5000);
      expect((await post(A, { agentId: A.id, readings: [mine] })).data).toEqual({ accepted: [mine.id], duplicate: [], rejected: [] });
      // Same id, same device key, other counters: accepted as B's (a `duplicate` would tell B that the id exists).
      const forged = { ...makeReading(42, '2026-11-22T07:30:00Z', 1), id: mine.id };
      const res = await post(B, { agentId: B.id, readings: [forged] });
      expect(res.data).toEqual({ accepted: [mine.id], duplicate: [], rejected: [] });
      const devices = ((await client(READ).get('/v1/devices')).data as { devices: { key: string; agentId: string; lastCounters: { total: number } }[] }).devices.filter((d) => d.key === mine.device.key);
      expect(devices.map((d) => [d.agentId, d.lastCounters.total])).toEqual([
        [A.id, 5000],
        [B.id, 1],
      ]);
      const key = encodeURIComponent(mine.device.key);
      expect((await client(READ).get(`/v1/devices/${key}/readings`)).status).toBe(409);
      const ofA = (await client(READ).get(`/v1/devices/${key}/readings?agentId=${A.id}`)).data as { readings: unknown[] };
      expect(ofA.readings).toEqual([JSON.parse(JSON.stringify(mine))]);
      const events = ((await client(READ).get('/v1/events?kind=device.key-conflict')).data as { events: { agentId: string; deviceKey: string; data: { otherAgents: string[] } }[] }).events;
      expect(events).toEqual([expect.objectContaining({ agentId: B.id, deviceKey: mine.device.key, data: expect.objectContaining({ otherAgents: [A.id] }) })]);
      for (const e of events) expect(v.check('ReceiverEvent', e)).toEqual([]);
    });

    it('tokens file: plain and sha256 entries work, and an agent added to the file works without a restart', async () => {
      const hb = (token: string, agentId: string) => client(token).post('/v1/heartbeat', { agentId, version: '1', clock: new Date().toISOString(), uptimeSeconds: 1, outbox: { depth: 0 }, deviceCount: 0, recentErrors: {}, dataLoss: {}, events: [], acks: [] });
      expect((await hb(HASHED_PLAIN, 'box-h')).status).toBe(200);
      expect((await hb(hashToken(HASHED_PLAIN), 'box-h')).status).toBe(401); // the hash itself is not a token
      expect((await hb('tok-N-0a9b8c7d6e5f4a3b', 'box-n')).status).toBe(401);
      writeFileSync(tokensFile, JSON.stringify({ [A.id]: A.token, [B.id]: B.token, 'box-h': hashToken(HASHED_PLAIN), 'box-n': 'tok-N-0a9b8c7d6e5f4a3b', viewer: { role: 'read', token: READ }, ops: { role: 'admin', token: hashToken(ADMIN) } }));
      expect((await hb('tok-N-0a9b8c7d6e5f4a3b', 'box-n')).status).toBe(200);
    });

    it('`receiver token add|list|revoke`: a database token works on every node until revoked, then 401 at once', async () => {
      const add = await runCli(['receiver', 'token', 'add', '--agent', 'box-c', '--label', 'site 12', '--db', db, '--json']);
      expect(add.code, add.stderr).toBe(0);
      const made = JSON.parse(add.stdout) as { id: string; token: string; agentId: string };
      expect(made.token).toMatch(/^mbx_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
      const prov = await runCli(['receiver', 'token', 'add', '--provider', 'billing', '--role', 'read', '--db', db, '--json']);
      const billing = JSON.parse(prov.stdout) as { token: string };
      const list = await runCli(['receiver', 'token', 'list', '--db', db]);
      expect(list.stdout).toContain(made.id);
      expect(list.stdout).toContain('site 12');
      expect(list.stdout).not.toContain(made.token.slice(21));

      const second = await startReceiver({ db, tokensFile, logger: cap.logger });
      try {
        const payload = { agentId: 'box-c', readings: [makeReading(9, '2026-11-22T07:00:00Z')] };
        for (const node of [rx, second]) {
          const c = axios.create({ baseURL: node.url, httpsAgent: new Agent({ ca: node.certPem }), validateStatus: () => true, proxy: false });
          expect((await c.post('/v1/readings', payload, { headers: { authorization: `Bearer ${made.token}` } })).status).toBe(200);
          expect((await c.get('/v1/agents', { headers: { authorization: `Bearer ${billing.token}` } })).status).toBe(200);
          expect((await c.get('/v1/agents', { headers: { authorization: `Bearer ${made.token}` } })).status).toBe(403);
        }
        const revoke = await runCli(['receiver', 'token', 'revoke', made.id, '--db', db]);
        expect(revoke.code, revoke.stderr).toBe(0);
        for (const node of [rx, second]) {
          const c = axios.create({ baseURL: node.url, httpsAgent: new Agent({ ca: node.certPem }), validateStatus: () => true, proxy: false });
          const res = await c.post('/v1/readings', payload, { headers: { authorization: `Bearer ${made.token}` } });
          expect(res.status).toBe(401);
        }
        expect((await runCli(['receiver', 'token', 'revoke', made.id, '--db', db])).code).not.toBe(0);
      } finally {
        await second.close();
      }
      expect(cap.text()).not.toContain(made.token);
    });

    it('commands are queued by an admin token only, and only from the allow-list', async () => {
      expect((await client(READ).post(`/v1/agents/${A.id}/commands`, { name: 'read-now' })).status).toBe(403);
      expect((await client(A.token).post(`/v1/agents/${A.id}/commands`, { name: 'read-now' })).status).toBe(403);
      expect((await client(ADMIN).post(`/v1/agents/${A.id}/commands`, { name: 'rm -rf /' })).status).toBe(400);
      const ok = await client(ADMIN).post(`/v1/agents/${A.id}/commands`, { name: 'read-now', ttlSeconds: 600 });
      expect(ok.status).toBe(201);
      expect(v.check('Command', ok.data)).toEqual([]);
      const listed = (await client(READ).get(`/v1/agents/${A.id}/commands`)).data as { commands: unknown[] };
      expect(listed.commands).toEqual([expect.objectContaining({ id: (ok.data as { id: string }).id, state: 'pending', sent: 0 })]);
    });

    it('fault injection answers only the admin token, and exists only when enabled (which needs an admin token)', async () => {
      const url = `${rx.adminUrl}/faults`;
      const call = (token?: string) => axios.get(url, { proxy: false, validateStatus: () => true, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}) });
      expect((await call()).status).toBe(401);
      expect((await call(A.token)).status).toBe(403);
      expect((await call(READ)).status).toBe(403);
      expect((await call(ADMIN)).status).toBe(200);
      expect((await axios.post(url, { fail: { status: 503 } }, { proxy: false, validateStatus: () => true })).status).toBe(401);
      expect(rx.faults.pending()).toEqual({});

      const off = await startReceiver({ db, tokens: { [A.id]: A.token }, logger: cap.logger });
      expect(off.adminUrl).toBeUndefined();
      await off.close();
      await expect(startReceiver({ db, tokens: { [A.id]: A.token }, adminPort: 0, logger: cap.logger })).rejects.toMatchObject({ code: 'MBX_RECEIVER_CONFIG' });
    });

    it('no token, no secret in the logs', () => {
      const text = cap.text();
      for (const t of [A.token, B.token, READ, ADMIN, HASHED_PLAIN]) expect(text).not.toContain(t);
    });
  });
}
