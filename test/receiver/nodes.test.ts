/**
 * Stateless nodes. Three `meterbox receiver` processes start at once on one fresh PostgreSQL
 * database (racing migrations) behind a TCP load balancer; six agents (the real uploader and
 * outbox) drain their backlogs through it while one node is SIGKILLed in the middle of two batches —
 * one it had committed but not yet answered, one not yet committed. The agents retry through the
 * balancer, and every reading is stored exactly once, counted in the database. Then `--workers 2`:
 * two node processes on one port, a dead worker replaced.
 */
import axios from 'axios';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { Agent } from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { spawnReceiver, type ReceiverProcess } from '../../bench/receiver-process.js';
import { selfSignedPair } from '../../src/net/tls.js';
import type { NodeStatus } from '../../src/receiver/types.js';
import { Store } from '../../src/store/store.js';
import { Uploader } from '../../src/upload/index.js';
import { waitFor } from '../daemon/harness.js';
import { runCli } from '../helpers/cli.js';
import { makeReading, tempDir } from '../store/helpers.js';
import { backends, titled } from './backends.js';

const b = await backends();
const tmp = tempDir('mbx-nodes-');
const running: ReceiverProcess[] = [];
afterAll(async () => {
  for (const r of running) await r.stop('SIGKILL');
  await b.cleanup();
  tmp.cleanup();
});
const ADMIN = 'prov-admin-1f7c3a9e5b0d2c68';

/** The `readings batch` log lines of a node (it logs one per stored batch). */
const batchLines = (n: ReceiverProcess) =>
  n
    .output()
    .split('\n')
    .filter((l) => l.includes('"msg":"readings batch"'))
    .map((l) => JSON.parse(l) as { accepted: number; duplicate: number });

/** Round-robin TCP balancer on 127.0.0.1: a connection goes to the next backend that accepts it. */
async function startBalancer(ports: readonly number[]): Promise<{ port: number; close(): Promise<void> }> {
  let next = 0;
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    client.pause();
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    const first = next++;
    const attempt = (i: number) => {
      if (i >= ports.length) return client.destroy();
      const up = net.connect(ports[(first + i) % ports.length] as number, '127.0.0.1');
      sockets.add(up);
      let connected = false;
      up.once('connect', () => {
        connected = true;
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
      up.on('error', () => (connected ? client.destroy() : attempt(i + 1)));
      up.on('close', () => {
        sockets.delete(up);
        if (connected) client.destroy();
      });
      client.on('error', () => up.destroy());
      client.on('close', () => up.destroy());
    };
    attempt(0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.skipIf(!!b.postgres.skip)(titled(b.postgres, 'three nodes on one PostgreSQL, one killed mid-batch'), () => {
  it('every reading of every agent is stored exactly once', async () => {
    const db = await b.postgres.newDb();
    const pair = await selfSignedPair('127.0.0.1');
    const certFile = join(tmp.dir, 'cert.pem');
    writeFileSync(certFile, pair.cert);
    writeFileSync(join(tmp.dir, 'key.pem'), pair.key);
    const agents = Array.from({ length: 6 }, (_, i) => ({ id: `site-${i + 1}`, token: `tok-site-${i + 1}-${'x'.repeat(12)}` }));
    const tokensFile = join(tmp.dir, 'tokens.json');
    writeFileSync(tokensFile, JSON.stringify({ ...Object.fromEntries(agents.map((a) => [a.id, a.token])), ops: { role: 'admin', token: ADMIN } }));
    const args = ['--listen', '127.0.0.1:0', '--db', db, '--tokens', tokensFile, '--cert', certFile, '--key', join(tmp.dir, 'key.pem'), '--admin-port', '0'];
    const nodes = await Promise.all([0, 1, 2].map(() => spawnReceiver(args, { METERBOX_LOG_LEVEL: 'info' })));
    running.push(...nodes);
    const ports = nodes.map((n) => Number(new URL(n.url).port));
    const lb = await startBalancer(ports);
    const victim = nodes[1] as ReceiverProcess;
    const adminUrl = /fault injection on (http:\/\/\S+)/.exec(victim.output())?.[1] as string;
    const asAdmin = { headers: { authorization: `Bearer ${ADMIN}` }, proxy: false as const };
    // The victim holds its first batch after committing it and its second before: it dies holding both.
    await axios.post(`${adminUrl}/faults`, { delay: { ms: 60_000, count: 1, afterCommit: true } }, asAdmin);
    await axios.post(`${adminUrl}/faults`, { delay: { ms: 60_000, count: 1 } }, asAdmin);

    const perAgent = 150;
    const outboxes = agents.map((a) => {
      const dir = join(tmp.dir, a.id);
      mkdirSync(dir);
      const store = Store.open(join(dir, 'outbox.db'), { log: pino({ level: 'silent' }) });
      for (let cycle = 0; cycle < perAgent / 30; cycle++) store.saveCycle(Array.from({ length: 30 }, (_, d) => makeReading(d, new Date(Date.parse('2026-11-22T00:00:00Z') + cycle * 900_000), 1000 + cycle)));
      return { ...a, store, ids: new Set(store.db.prepare('SELECT id FROM readings').pluck().all() as string[]) };
    });
    const url = `https://127.0.0.1:${lb.port}`;
    const drain = async (o: (typeof outboxes)[number]) => {
      const u = new Uploader({ url, agentId: o.id, token: o.token, caFile: certFile, store: { current: o.store }, batch: { maxCount: 10, maxBytes: 1 << 20 }, backoff: { baseMs: 50, capMs: 400 }, timeoutMs: 90_000, proxy: null, logger: pino({ level: 'silent' }) });
      try {
        for (let rounds = 0; rounds < 500; rounds++) {
          const r = await u.drainOnce();
          if (r.stop === 'empty') return;
          if (r.stop !== 'retry' && r.stop !== 'backoff' && r.stop !== 'limit') throw new Error(`${o.id}: upload stopped (${r.stop}) ${r.error?.message ?? ''}`);
          await new Promise((res) => setTimeout(res, Math.max(0, (r.retryAt?.getTime() ?? Date.now()) - Date.now())));
        }
        throw new Error(`${o.id}: not drained after 500 rounds`);
      } finally {
        u.close();
      }
    };
    const draining = Promise.all(outboxes.map(drain));
    // Kill the victim once it holds both: one committed, one not.
    await waitFor(
      async () => (victim.output().includes('holding the receipt after commit') && ((await axios.get(`${adminUrl}/faults`, asAdmin)).data as { delay?: unknown }).delay === undefined) || undefined,
      60_000,
      'the victim to hold two batches',
    );
    await victim.stop('SIGKILL');
    await draining;
    await lb.close();

    const q = b.postgres.pg!.query;
    const [row] = await q<{ n: string; distinct_ids: string }>(db, 'SELECT COUNT(*) AS n, COUNT(DISTINCT (agent_id, reading_id)) AS distinct_ids FROM readings');
    expect(Number(row!.n)).toBe(agents.length * perAgent);
    expect(Number(row!.distinct_ids)).toBe(agents.length * perAgent);
    for (const o of outboxes) {
      const stored = await q<{ reading_id: string }>(db, 'SELECT reading_id FROM readings WHERE agent_id = $1', [o.id]);
      expect(new Set(stored.map((r) => r.reading_id))).toEqual(o.ids);
      expect(o.store.readings.counts()).toMatchObject({ pending: 0, delivered: perAgent, rejected: 0 });
      o.store.close();
    }
    // Devices counted each reading once too, although some batches were stored twice over the wire.
    const [dev] = await q<{ n: string }>(db, 'SELECT SUM(readings) AS n FROM devices');
    expect(Number(dev!.n)).toBe(agents.length * perAgent);
    const [agg] = await q<{ n: string }>(db, 'SELECT SUM(readings) AS n FROM agents');
    expect(Number(agg!.n)).toBe(agents.length * perAgent);
    // The batches the victim committed but never answered came back to the survivors as duplicates.
    expect(batchLines(nodes[0]!).concat(batchLines(nodes[2]!)).reduce((a, l) => a + l.duplicate, 0)).toBe(10);
    for (const n of [nodes[0]!, nodes[2]!]) await n.stop();
  }, 120_000);
});

describe(titled(b.sqlite, '--workers 2: two node processes on one port'), () => {
  it('both answer, and a worker that dies is replaced', async () => {
    const tokensFile = join(tmp.dir, 'workers-tokens.json');
    const READ = 'prov-read-8e4a2c0f6d1b9e37';
    writeFileSync(tokensFile, JSON.stringify({ viewer: { role: 'read', token: READ } }));
    const rx = await spawnReceiver(['--listen', '127.0.0.1:0', '--workers', '2', '--db', join(tmp.dir, 'workers.db'), '--tokens', tokensFile, '--write-cert', join(tmp.dir, 'workers.pem')], {}, 90_000);
    running.push(rx);
    expect(rx.output()).toMatch(/\(2 workers\)/);
    const ca = readFileSync(join(tmp.dir, 'workers.pem'), 'utf8');
    const pidsAnswering = async (n: number) => {
      const pids = new Set<number>();
      for (let i = 0; i < n; i++) {
        const res = await axios.get(`${rx.url}/v1/status`, { httpsAgent: new Agent({ ca, keepAlive: false }), headers: { authorization: `Bearer ${READ}` }, proxy: false });
        pids.add((res.data as NodeStatus).pid);
      }
      return pids;
    };
    const pids = await pidsAnswering(12);
    expect(pids.size).toBe(2);
    expect(pids.has(rx.pid)).toBe(false);
    const dead = [...pids][0] as number;
    process.kill(dead, 'SIGKILL');
    await waitFor(() => (/starting another/.test(rx.output()) && (rx.output().match(/worker \d+ listening/g) ?? []).length >= 3 ? true : undefined), 20_000, 'a replacement worker');
    const after = await pidsAnswering(12);
    expect(after.size).toBe(2);
    expect(after.has(dead)).toBe(false);
    await rx.stop('SIGTERM');
    expect(rx.child.exitCode).toBe(0);
    for (const pid of after) expect(() => process.kill(pid, 0)).toThrow();
  }, 180_000);

  it('a worker that cannot start stops the receiver with its reason, instead of hanging or retrying forever', async () => {
    const bad = join(tmp.dir, 'not-a-certificate.pem');
    writeFileSync(bad, 'this is not PEM\n');
    const r = await runCli(['receiver', '--listen', '127.0.0.1:0', '--workers', '2', '--db', join(tmp.dir, 'bad-cert.db'), '--cert', bad, '--key', bad], { timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('[MBX_RECEIVER_TLS]');
    expect(r.stderr).toMatch(/worker \d+ could not start .*\[MBX_RECEIVER_START\]/);
    expect(r.stdout).not.toMatch(/listening/);
  }, 150_000);
});
