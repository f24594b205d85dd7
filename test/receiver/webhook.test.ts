/**
 * Stale-agent alerts to a local HTTP sink, with two receiver nodes on one database (SQLite and
 * PostgreSQL): an agent that stops sending heartbeats raises one signed `agent.stale` POST, its
 * next heartbeat one `agent.recovered`; a sink that fails gets the alert again later; whichever
 * node sweeps, each transition is alerted once.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../src/receiver/index.js';
import { apiValidators } from '../../src/receiver/schema.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import { signature } from '../../src/receiver/webhook.js';
import { Heartbeat } from '../../src/upload/index.js';
import { waitFor } from '../daemon/harness.js';
import { fakeClock, tempDir } from '../store/helpers.js';
import { captureLogger } from '../upload/helpers.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { backends, titled } from './backends.js';

const b = await backends();
const tmp = tempDir('mbx-webhook-');
afterAll(async () => {
  await b.cleanup();
  tmp.cleanup();
});
const v = apiValidators();
const SECRET = 'whsec-3c9a1e7f0b2d5c84';

interface Hit {
  body: Record<string, unknown>;
  raw: string;
  signature: string | undefined;
  status: number;
}

/** A webhook endpoint on 127.0.0.1 that records what it gets and fails the next `failNext` POSTs with 500. */
async function startSink(): Promise<{ url: string; hits: Hit[]; failNext: number; close(): Promise<void> }> {
  const sink = { url: '', hits: [] as Hit[], failNext: 0, close: async () => undefined as void };
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8').on('data', (d: string) => (raw += d));
    req.on('end', () => {
      const status = sink.failNext > 0 ? (sink.failNext--, 500) : 204;
      sink.hits.push({ body: JSON.parse(raw) as Record<string, unknown>, raw, signature: req.headers['x-meterbox-signature'] as string | undefined, status });
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  sink.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/meterbox`;
  sink.close = () => new Promise<void>((r) => server.close(() => r()));
  return sink;
}

for (const backend of b.list) {
  describe.skipIf(!!backend.skip)(titled(backend, 'stale-agent webhook, two nodes'), () => {
    const clock = fakeClock();
    const cap = captureLogger();
    let sink: Awaited<ReturnType<typeof startSink>>;
    let nodes: RunningReceiver[] = [];
    const AGENT = 'box-quiet';
    const TOKEN = 'tok-Q-0e6b3f9c1a7d2e45';

    beforeAll(async () => {
      sink = await startSink();
      const db = await backend.newDb();
      const opts = { db, tokens: { [AGENT]: TOKEN }, staleAfterSeconds: 60, sweepIntervalMs: 40, webhook: { url: sink.url, secret: SECRET }, now: clock.now, logger: cap.logger };
      nodes = [await startReceiver({ ...opts, nodeId: 'node-1' }), await startReceiver({ ...opts, nodeId: 'node-2' })];
    });
    afterAll(async () => {
      for (const n of nodes) await n.close();
      await sink?.close();
    });

    const beat = async (node: RunningReceiver) => {
      const caFile = join(tmp.dir, `${backend.name}-${node.port}.pem`);
      writeFileSync(caFile, node.certPem);
      const hb = new Heartbeat({ url: node.url, agentId: AGENT, token: TOKEN, caFile, logger: cap.logger, now: clock.now });
      const r = await hb.sendOnce({ version: '0.1.0', uptimeSeconds: 1, deviceCount: 0 });
      hb.close();
      expect(r.ok).toBe(true);
    };
    /** Lets both nodes finish five more sweeps each (counted, not timed), so a second alert would have been sent by now. */
    const settle = async () => {
      const target = await Promise.all(nodes.map(async (n) => (await n.status()).sweeps + 5));
      await waitFor(async () => ((await Promise.all(nodes.map(async (n, i) => (await n.status()).sweeps >= (target[i] as number)))).every(Boolean) ? true : undefined), 15_000, 'five more sweeps on each node');
    };

    it('silence longer than stale-after: one signed agent.stale POST, whichever node sweeps', async () => {
      await beat(nodes[0]!);
      clock.advance(61_000);
      await waitFor(() => (sink.hits.length > 0 ? true : undefined), 15_000, 'the stale alert');
      await settle();
      expect(sink.hits).toHaveLength(1);
      const hit = sink.hits[0]!;
      expect(hit.body).toMatchObject({ event: 'agent.stale', agentId: AGENT, staleAfterSeconds: 60, secondsSinceSeen: 61, attempt: 1 });
      expect(['node-1', 'node-2']).toContain(hit.body.node);
      expect(v.check('AgentAlert', hit.body)).toEqual([]);
      expect(hit.signature).toBe(signature(SECRET, hit.raw));
      expect((await nodes[1]!.agents()).find((a) => a.agentId === AGENT)).toMatchObject({ stale: true });
    });

    it('the next heartbeat: agent.recovered, retried until the sink takes it, still once', async () => {
      sink.failNext = 1;
      await beat(nodes[1]!);
      await waitFor(() => (sink.hits.length >= 2 ? true : undefined), 15_000, 'the first recovered attempt');
      expect(sink.hits[1]).toMatchObject({ status: 500, body: { event: 'agent.recovered', agentId: AGENT, attempt: 1 } });
      clock.advance(6_000); // past the first retry delay (5 s)
      await waitFor(() => (sink.hits.length >= 3 ? true : undefined), 15_000, 'the retry');
      await settle();
      expect(sink.hits.map((h) => [h.body.event, h.status])).toEqual([
        ['agent.stale', 204],
        ['agent.recovered', 500],
        ['agent.recovered', 204],
      ]);
      expect(sink.hits[2]?.body).toMatchObject({ attempt: 2, silentSeconds: 61 });
      expect(cap.text()).toContain('webhook alert not delivered; will retry');
    });
  });
}
