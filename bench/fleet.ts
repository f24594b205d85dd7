/**
 * `npm run bench -- fleet`: the provider's server under a fleet. 2,000 simulated agents, each with
 * its own token (issued into the database, as `receiver token add` does) and 50 devices, poll and
 * upload in compressed time (a poll every 19 s instead of every 15 min: 5,263 readings/s offered)
 * and send heartbeats (every 10 s: 200/s), against `meterbox receiver --workers 2` (two node
 * processes on one port) on PostgreSQL, then the same against SQLite with two processes and with
 * one, side by side in one run. The first 5 s (connections, JIT, every agent's first devices) are
 * not counted.
 *
 * Open loop, like a real fleet: each agent polls on its own phase whether or not the server keeps
 * up; like the real uploader it has one upload in flight at a time, batches what piled up (≤ 500
 * readings), and retries failures (429 after Retry-After, network errors and 5xx after a backoff)
 * with the same ids. Printed: readings/s stored, upload and heartbeat latency (p50, p99),
 * heartbeats/s, requests retried, duplicates and lost readings counted in the database after the
 * backlog drained, and the receivers' RSS (VmRSS/VmHWM of the worker processes).
 *
 * The database is a throwaway cluster with PostgreSQL's default durability (fsync on), reached
 * over its Unix socket, on the same machine as the receivers and this load generator: they all
 * share its cores (and so does anything else running), so the CPU each side used in the window is
 * printed too.
 */
import { Agent, request } from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzip } from 'node:zlib';
import Database from 'better-sqlite3';
import { v7 as uuidv7 } from 'uuid';
import { openStore } from '../src/receiver/store/open.js';
import { selfSignedPair } from '../src/net/tls.js';
import { generateToken } from '../src/receiver/tokens.js';
import { postgresUnavailable, startCluster, type PostgresCluster } from './postgres-cluster.js';
import { processCpuSeconds, processMemory, spawnReceiver } from './receiver-process.js';
import { sampleReading } from './store.js';

const gzipAsync = promisify(gzip);

export interface FleetBenchOptions {
  agents: number;
  devices: number;
  /** Compressed poll interval of every agent, seconds. */
  pollSeconds: number;
  heartbeatSeconds: number;
  /** How long the fleet generates load. */
  seconds: number;
  /** The first seconds of it are not counted (connections, JIT, first devices of every agent). */
  warmupSeconds: number;

  /** Connections the load generator keeps open to the receiver (like a load balancer's pool). */
  sockets: number;
  /** PostgreSQL connections per receiver process (--pool-size); undefined: the receiver's default. */
  poolSize?: number;
  /** How the receivers reach PostgreSQL: its Unix socket (same machine, the usual way) or TCP on 127.0.0.1. */
  pgVia: 'socket' | 'tcp';
  /** What to run, in order: a store and how many receiver processes (--workers) share it. */
  backends: { kind: 'postgres' | 'sqlite'; workers: number }[];
}

/** `postgres:2,sqlite:2,sqlite:1` → backends (workers default to 2). */
export function parseBackends(spec: string): FleetBenchOptions['backends'] {
  return spec
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean)
    .map((b) => {
      const [kind, workers = '2'] = b.split(':');
      if ((kind !== 'postgres' && kind !== 'sqlite') || !(Number(workers) >= 1)) throw new Error(`bench fleet: '${b}' is not postgres[:N] or sqlite[:N]`);
      return { kind, workers: Number(workers) };
    });
}

interface Stats {
  uploadMs: number[];
  heartbeatMs: number[];
  readingsStored: number;
  readingsInWindow: number;
  uploads: number;
  heartbeats: number;
  heartbeatsInWindow: number;
  retried: Record<string, number>;
}

interface SimAgent {
  id: string;
  token: string;
  ordinal: number;
  nextPoll: number;
  nextHeartbeat: number;
  cycle: number;
  pending: { id: string; json: string }[];
  templates: ((id: string, readAt: string, total: number) => string)[];
  uploading: boolean;
  beating: boolean;
  retryAt: number;
  failures: number;
  generated: number;
}

interface Outcome {
  backend: string;
  kind: 'postgres' | 'sqlite';
  stats: Stats;
  windowSeconds: number;
  drainSeconds: number;
  generated: number;
  rows: number;
  distinct: number;
  deviceSum: number;
  perAgentShort: number;
  rss: { sum: number; peakSum: number; each: number[] };
  /** CPU seconds used during the load window. */
  cpu: { receiver: number; postgres: number; generator: number };
}

/**
 * A device's reading as a JSON template with three holes (id, readAt, counters): the generator
 * fills them with string joins, so making 5,000 readings a second costs it little CPU.
 */
function readingTemplate(device: number, serial: string): (id: string, readAt: string, total: number) => string {
  const T = 987654321;
  const mono = Math.floor(T * 0.7);
  const json = JSON.stringify(sampleReading({ device, serial, readAt: '@AT@', total: T, id: '@ID@' }));
  const parts = json.split(/"@ID@"|"@AT@"|987654321|691358024|296296297/);
  const order = [...json.matchAll(/"@ID@"|"@AT@"|987654321|691358024|296296297/g)].map((m) => m[0]);
  if (mono !== 691358024 || parts.length !== order.length + 1) throw new Error('reading template: unexpected sample');
  return (id, readAt, total) => {
    const m = Math.floor(total * 0.7);
    const fill: Record<string, string> = { '"@ID@"': `"${id}"`, '"@AT@"': `"${readAt}"`, '987654321': String(total), '691358024': String(m), '296296297': String(total - m) };
    let out = parts[0] as string;
    for (let i = 0; i < order.length; i++) out += (fill[order[i] as string] as string) + (parts[i + 1] as string);
    return out;
  };
}

const pct = (xs: number[], p: number) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] as number;
};

function post(agent: Agent, url: URL, token: string, body: Buffer, gzipped: boolean): Promise<{ status: number; text: string; retryAfter?: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': String(body.length), ...(gzipped ? { 'content-encoding': 'gzip' } : {}) },
        timeout: 60_000,
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (d: string) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text, ...(typeof res.headers['retry-after'] === 'string' ? { retryAfter: res.headers['retry-after'] } : {}) }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end(body);
  });
}

async function runBackend(kind: 'postgres' | 'sqlite', workers: number, o: FleetBenchOptions, dir: string, cluster: PostgresCluster | undefined): Promise<Outcome> {
  let db = join(dir, `fleet-${workers}.db`);
  if (kind === 'postgres') {
    const c = cluster as PostgresCluster;
    const name = `fleet_${workers}`;
    await c.createDatabase(name);
    db = o.pgVia === 'socket' ? c.socketUrl(name) : c.url(name);
  }
  // Tokens into the database, hashed, as `meterbox receiver token add` does.
  const agents: SimAgent[] = [];
  const store = await openStore(db);
  const readToken = generateToken();
  await store.addToken({ id: readToken.id, kind: 'provider', name: 'bench', role: 'read', hash: readToken.hash, createdAt: new Date().toISOString() });
  for (let i = 0; i < o.agents; i++) {
    const t = generateToken();
    const id = `site-${String(i + 1).padStart(5, '0')}`;
    await store.addToken({ id: t.id, kind: 'agent', agentId: id, hash: t.hash, createdAt: new Date().toISOString() });
    const templates = Array.from({ length: o.devices }, (_, d) => readingTemplate(i * o.devices + d, `S${i}x${d}`));
    agents.push({ id, token: t.token, templates, ordinal: i, nextPoll: 0, nextHeartbeat: 0, cycle: 0, pending: [], uploading: false, beating: false, retryAt: 0, failures: 0, generated: 0 });
  }
  await store.close();
  const pair = await selfSignedPair('127.0.0.1');
  writeFileSync(join(dir, `${kind}-cert.pem`), pair.cert);
  writeFileSync(join(dir, `${kind}-key.pem`), pair.key);
  const rx = await spawnReceiver(
    ['--listen', '127.0.0.1:0', '--db', db, '--workers', String(workers), '--cert', join(dir, `${kind}-cert.pem`), '--key', join(dir, `${kind}-key.pem`), '--stale-after', '86400', ...(o.poolSize ? ['--pool-size', String(o.poolSize)] : [])],
    { METERBOX_LOG_LEVEL: 'warn' },
    60_000,
  );
  const pids = [...rx.output().matchAll(/worker (\d+) listening/g)].map((m) => Number(m[1]));
  if (pids.length === 0) pids.push(rx.pid);
  const peak = new Map<number, number>();
  const sampler = setInterval(() => {
    for (const p of pids) peak.set(p, Math.max(peak.get(p) ?? 0, processMemory(p)?.rss ?? 0));
  }, 500);

  const httpAgent = new Agent({ keepAlive: true, maxSockets: o.sockets, ca: pair.cert });
  const readingsUrl = new URL('/v1/readings', rx.url);
  const heartbeatUrl = new URL('/v1/heartbeat', rx.url);
  const stats: Stats = { uploadMs: [], heartbeatMs: [], readingsStored: 0, readingsInWindow: 0, uploads: 0, heartbeats: 0, heartbeatsInWindow: 0, retried: {} };
  const pollMs = o.pollSeconds * 1000;
  const hbMs = o.heartbeatSeconds * 1000;
  // CPU seconds per process at the start of the window (database backends may appear later: they start from 0).
  const cpuPids = () => ({ receiver: pids, postgres: cluster?.pids() ?? [] });
  const snapshot = () => new Map([...cpuPids().receiver, ...cpuPids().postgres].map((p) => [p, processCpuSeconds(p)]));
  let cpuAtStart = snapshot();
  let generatorAtStart = process.cpuUsage();
  const cpu = { receiver: 0, postgres: 0, generator: 0 };
  const closeWindow = () => {
    const used = (list: number[]) => list.reduce((n, p) => n + Math.max(0, processCpuSeconds(p) - (cpuAtStart.get(p) ?? 0)), 0);
    const g = process.cpuUsage(generatorAtStart);
    Object.assign(cpu, { receiver: used(cpuPids().receiver), postgres: used(cpuPids().postgres), generator: (g.user + g.system) / 1e6 });
  };
  const start = Date.now();
  const windowStart = start + o.warmupSeconds * 1000;
  const windowEnd = start + o.seconds * 1000;
  const counted = (t: number) => t >= windowStart && t <= windowEnd;
  for (const a of agents) {
    a.nextPoll = start + Math.random() * pollMs;
    a.nextHeartbeat = start + Math.random() * hbMs;
  }
  const retry = (a: SimAgent, why: string, retryAfter?: string) => {
    stats.retried[why] = (stats.retried[why] ?? 0) + 1;
    a.failures++;
    const after = retryAfter !== undefined && Number.isFinite(Number(retryAfter)) ? Number(retryAfter) * 1000 : 0;
    a.retryAt = Date.now() + Math.max(after, Math.random() * Math.min(5000, 100 * 2 ** a.failures));
  };
  const upload = async (a: SimAgent) => {
    a.uploading = true;
    const batch = a.pending.slice(0, 500);
    const body = await gzipAsync(`{"agentId":"${a.id}","sentAt":"${new Date().toISOString()}","readings":[${batch.map((r) => r.json).join(',')}]}`);
    const t = performance.now();
    const sentAt = Date.now();
    try {
      const res = await post(httpAgent, readingsUrl, a.token, body, true);
      const ms = performance.now() - t;
      if (res.status !== 200) return retry(a, `HTTP ${res.status}`, res.retryAfter);
      if (counted(sentAt)) stats.uploadMs.push(ms);
      stats.uploads++;
      const receipt = JSON.parse(res.text) as { accepted: string[]; duplicate: string[] };
      const done = new Set([...receipt.accepted, ...receipt.duplicate]);
      a.pending = a.pending.filter((r) => !done.has(r.id));
      a.failures = 0;
      stats.readingsStored += receipt.accepted.length;
      if (counted(Date.now())) stats.readingsInWindow += receipt.accepted.length;
    } catch (err) {
      retry(a, (err as NodeJS.ErrnoException).code ?? (err as Error).message);
    } finally {
      a.uploading = false;
    }
  };
  const heartbeat = async (a: SimAgent) => {
    a.beating = true;
    const body = Buffer.from(
      JSON.stringify({ agentId: a.id, version: 'bench', clock: new Date().toISOString(), uptimeSeconds: 1, outbox: { depth: a.pending.length }, deviceCount: o.devices, recentErrors: {}, dataLoss: {}, events: [], acks: [] }),
    );
    const t = performance.now();
    const sentAt = Date.now();
    try {
      const res = await post(httpAgent, heartbeatUrl, a.token, body, false);
      if (res.status === 200) {
        if (counted(sentAt)) stats.heartbeatMs.push(performance.now() - t);
        stats.heartbeats++;
        if (counted(Date.now())) stats.heartbeatsInWindow++;
      } else stats.retried[`heartbeat HTTP ${res.status}`] = (stats.retried[`heartbeat HTTP ${res.status}`] ?? 0) + 1;
    } catch (err) {
      stats.retried[`heartbeat ${(err as Error).message}`] = (stats.retried[`heartbeat ${(err as Error).message}`] ?? 0) + 1;
    } finally {
      a.beating = false;
    }
  };

  // One tick drives every agent: due polls fill the agent's outbox, an idle agent with readings uploads, due heartbeats go out.
  await new Promise<void>((resolve) => {
    let windowOpen = true;
    let warming = true;
    const tick = setInterval(() => {
      const t = Date.now();
      if (warming && t >= windowStart) {
        warming = false;
        cpuAtStart = snapshot();
        generatorAtStart = process.cpuUsage();
      }
      if (windowOpen && t >= windowEnd) {
        windowOpen = false;
        closeWindow();
      }
      let busy = false;
      for (const a of agents) {
        if (t < windowEnd && t >= a.nextPoll) {
          const readAt = new Date(Date.parse('2026-11-01T00:00:00Z') + a.cycle * 900_000).toISOString();
          for (let d = 0; d < o.devices; d++) {
            const id = uuidv7();
            a.pending.push({ id, json: (a.templates[d] as (id: string, readAt: string, total: number) => string)(id, readAt, 1000 + a.cycle * 37 + d) });
          }
          a.generated += o.devices;
          a.cycle++;
          a.nextPoll += pollMs;
        }
        if (t < windowEnd && t >= a.nextHeartbeat && !a.beating) {
          a.nextHeartbeat += hbMs;
          void heartbeat(a);
        }
        if (!a.uploading && a.pending.length > 0 && t >= a.retryAt) void upload(a);
        busy ||= a.uploading || a.beating || a.pending.length > 0;
      }
      if (t >= windowEnd && !busy) {
        clearInterval(tick);
        resolve();
      }
    }, 20);
  });
  const drainSeconds = (Date.now() - windowEnd) / 1000;
  clearInterval(sampler);
  httpAgent.destroy();
  const memory = pids.map((p) => processMemory(p));
  await rx.stop();

  // Count in the database: every generated reading once, per agent; devices counted each once.
  let rows: number;
  let distinct: number;
  let deviceSum: number;
  let perAgent: Map<string, number>;
  if (kind === 'postgres') {
    const c = cluster as PostgresCluster;
    const [r] = await c.query<{ n: string; d: string }>(db, 'SELECT COUNT(*) AS n, COUNT(DISTINCT (agent_id, reading_id)) AS d FROM readings');
    const [dv] = await c.query<{ n: string }>(db, 'SELECT COALESCE(SUM(readings), 0) AS n FROM devices');
    rows = Number(r?.n);
    distinct = Number(r?.d);
    deviceSum = Number(dv?.n);
    perAgent = new Map((await c.query<{ agent_id: string; n: string }>(db, 'SELECT agent_id, COUNT(*) AS n FROM readings GROUP BY agent_id')).map((x) => [x.agent_id, Number(x.n)]));
  } else {
    const s = new Database(db, { readonly: true });
    const r = s.prepare(`SELECT COUNT(*) AS n, COUNT(DISTINCT agent_id || '/' || reading_id) AS d FROM readings`).get() as { n: number; d: number };
    rows = r.n;
    distinct = r.d;
    deviceSum = s.prepare('SELECT COALESCE(SUM(readings), 0) FROM devices').pluck().get() as number;
    perAgent = new Map((s.prepare('SELECT agent_id, COUNT(*) AS n FROM readings GROUP BY agent_id').all() as { agent_id: string; n: number }[]).map((x) => [x.agent_id, x.n]));
    s.close();
  }
  const perAgentShort = agents.reduce((n, a) => n + Math.max(0, a.generated - (perAgent.get(a.id) ?? 0)), 0);
  return {
    backend: `${kind} ×${workers}`,
    kind,
    stats,
    windowSeconds: o.seconds - o.warmupSeconds,
    drainSeconds,
    generated: agents.reduce((n, a) => n + a.generated, 0),
    rows,
    distinct,
    deviceSum,
    perAgentShort,
    cpu,
    rss: { sum: memory.reduce((n, m) => n + (m?.rss ?? 0), 0), peakSum: pids.reduce((n, p, i) => n + Math.max(peak.get(p) ?? 0, memory[i]?.peak ?? 0), 0), each: memory.map((m) => m?.peak ?? 0) },
  };
}

export async function benchFleet(o: FleetBenchOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-fleet-'));
  const offered = (o.agents * o.devices) / o.pollSeconds;
  console.log(
    `fleet: ${o.agents} agents × ${o.devices} devices, each with its own token; a poll every ${o.pollSeconds} s and a heartbeat every ${o.heartbeatSeconds} s ` +
      `(offered ${Math.round(offered)} readings/s, ${Math.round(o.agents / o.heartbeatSeconds)} heartbeats/s) for ${o.seconds} s; ` +
      `meterbox receiver --workers N (×N below)${o.poolSize ? ` --pool-size ${o.poolSize}` : ''}, PostgreSQL over its ${o.pgVia === 'socket' ? 'Unix socket' : 'TCP port'}; ${o.sockets} keep-alive connections; one ${process.platform} machine with ${cpus().length} cores shared by all of it (${(o.seconds - o.warmupSeconds) * cpus().length} CPU-seconds in the measured window after a ${o.warmupSeconds} s warm-up, load average ${loadavg()[0]?.toFixed(1)} at start)`,
  );
  const outcomes: Outcome[] = [];
  let cluster: PostgresCluster | undefined;
  try {
    for (const { kind, workers } of o.backends) {
      if (kind === 'postgres') {
        const why = postgresUnavailable();
        if (why) {
          console.log(`  postgres: skipped (${why})`);
          continue;
        }
        cluster = await startCluster({ durable: true, extra: '-c shared_buffers=128MB' });
      }
      outcomes.push(await runBackend(kind, workers, o, dir, cluster));
      await cluster?.stop();
      cluster = undefined;
    }
  } finally {
    await cluster?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MiB`;
  const rows: [string, (x: Outcome) => string][] = [
    ['readings/s stored', (x) => String(Math.round(x.stats.readingsInWindow / x.windowSeconds))],
    ['uploads', (x) => `${x.stats.uploads} (${Math.round(x.stats.readingsStored / Math.max(1, x.stats.uploads))} readings each)`],
    ['upload p50 / p99', (x) => `${pct(x.stats.uploadMs, 50).toFixed(0)} / ${pct(x.stats.uploadMs, 99).toFixed(0)} ms`],
    ['heartbeats/s', (x) => String(Math.round(x.stats.heartbeatsInWindow / x.windowSeconds))],
    ['heartbeat p50 / p99', (x) => `${pct(x.stats.heartbeatMs, 50).toFixed(0)} / ${pct(x.stats.heartbeatMs, 99).toFixed(0)} ms`],
    ['backlog drained', (x) => `${x.drainSeconds.toFixed(1)} s after the window`],
    ['retried', (x) => Object.entries(x.stats.retried).map(([k, n]) => `${n}× ${k}`).join(', ') || '0'],
    ['generated / stored', (x) => `${x.generated} / ${x.rows}`],
    ['duplicates (db)', (x) => String(x.rows - x.distinct)],
    ['lost (db)', (x) => String(x.perAgentShort)],
    ['device counts', (x) => (x.deviceSum === x.rows ? 'match the readings' : `MISMATCH ${x.deviceSum} ≠ ${x.rows}`)],
    ['CPU in the window', (x) => `receiver ${x.cpu.receiver.toFixed(1)} s, ${x.backend} ${x.kind === 'postgres' ? `${x.cpu.postgres.toFixed(1)} s` : '(in the receiver)'}, generator ${x.cpu.generator.toFixed(1)} s`],
    ['CPU per 1000 readings', (x) => `${((1000 * (x.cpu.receiver + x.cpu.postgres)) / Math.max(1, x.stats.readingsInWindow)).toFixed(2)} s (server side)`],
    ['receiver RSS now', (x) => `${mb(x.rss.sum)} (${x.rss.each.length} workers)`],
    ['receiver RSS peak', (x) => `${mb(x.rss.peakSum)} (${x.rss.each.map(mb).join(' + ')})`],
  ];
  const w = Math.max(...outcomes.map((x) => Math.max(x.backend.length, ...rows.map(([, f]) => f(x).length)))) + 2;
  console.log(`  ${''.padEnd(22)}${outcomes.map((x) => x.backend.padEnd(w)).join('')}`);
  for (const [label, f] of rows) console.log(`  ${label.padEnd(22)}${outcomes.map((x) => f(x).padEnd(w)).join('')}`);
  const pg = outcomes.find((x) => x.kind === 'postgres');
  const sq = outcomes.find((x) => x.kind === 'sqlite');
  if (pg && sq) console.log(`  ${pg.backend} / ${sq.backend}: ${(pg.stats.readingsInWindow / Math.max(1, sq.stats.readingsInWindow)).toFixed(2)}× readings/s, ${(pct(pg.stats.uploadMs, 99) / pct(sq.stats.uploadMs, 99)).toFixed(2)}× upload p99`);
  for (const x of outcomes) {
    const goals = [
      [`≥ 5000 readings/s`, x.stats.readingsInWindow / x.windowSeconds >= 5000],
      [`p99 < 500 ms`, pct(x.stats.uploadMs, 99) < 500],
      [`≥ 100 heartbeats/s`, x.stats.heartbeatsInWindow / x.windowSeconds >= 100],
      ['0 duplicates, 0 lost', x.rows === x.distinct && x.perAgentShort === 0 && x.deviceSum === x.rows],
    ] as const;
    console.log(`  goals ${x.backend}: ${goals.map(([g, ok]) => `${ok ? 'met' : 'MISSED'} ${g}`).join('; ')}`);
    if (x.rows !== x.distinct || x.perAgentShort !== 0) process.exitCode = 1;
  }
}
