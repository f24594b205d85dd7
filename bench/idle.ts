/**
 * `npm run bench -- idle`: the daemon's footprint, in two runs side by side.
 * - small: `meterbox run` with 50 simulated devices, a poll every minute, for BENCH_IDLE_SECONDS
 *   (default 150; the closing note reports 600): RSS at the end and its lowest and highest in the
 *   last minute (idle between polls), peak RSS, CPU.
 * - large: 1,000 simulated devices answering after 20 ms, a poll every minute, for
 *   BENCH_IDLE_LARGE_SECONDS (default 150): each poll cycle's time and devices/s (from /healthz),
 *   peak RSS (VmHWM, the kernel's own high-water mark).
 * The simulated devices (`meterbox simulate`) and the provider (`meterbox receiver`, or none with
 * BENCH_IDLE_PROVIDER=down) are processes of their own: only the agent's memory is measured.
 * RSS is also shown split as the kernel counts it: anonymous (the agent's own heap) and file-backed
 * (pages of node's binary, ICU data and libraries: about 50 MiB once TLS, Intl and SQLite ran,
 * 31 MiB for `node -e 0`, shared with every node process and reclaimable).
 * The agent starts as systemd starts it: the shipped unit's ExecStart (node, NODE_FLAGS, the CLI)
 * and its Environment= settings (MALLOC_ARENA_MAX among them); BENCH_IDLE_NODE_OPTIONS adds flags
 * (e.g. `--heapsnapshot-signal=SIGUSR2` to profile its heap). Side by side in the same run: a bare
 * node started the same way that only idles, and the peak RSS of `node -e 0`. At the end, the
 * agent's and the bare node's RSS are split by part (bench/smaps.ts: the binary's code, ICU data and
 * other read-only data, libraries, malloc arenas, stacks, V8's heap). Also beside it, with the
 * provider up: two floor processes (bench/floor-agent.mjs) that do the least any agent must do (the
 * same SNMP reads, SQLite rows and HTTPS posts) with no meterbox code, one with the chosen
 * dependencies and one with node's built-ins: what no change inside meterbox can go below.
 * Traffic stays on 127.0.0.0/8.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { execStartArgv, unitEnvironment } from '../test/helpers/unit.js';
import { CLI_MAIN, freePort, processCpuSeconds, processMemory, spawnReceiver, type ReceiverProcess } from './receiver-process.js';
import { rssBreakdown, type RssPart } from './smaps.js';
import { startSimulator, stopChild } from './simulator-process.js';

export interface IdleRun {
  label: string;
  devices: number;
  latencyMs: number;
  seconds: number;
  /** First loopback address of the simulated fleet. */
  first: string;
  /** Devices read at once in a poll (the config's snmp.pollConcurrency); undefined: the default. */
  pollConcurrency?: number;
}

export interface IdleOptions {
  runs: IdleRun[];
  provider: 'up' | 'down';
  nodeOptions: string[];
}

interface PollSeen {
  at: string;
  durationMs: number;
  devices: number;
  ok: number;
}

interface IdleResult {
  run: IdleRun;
  rssEnd: number;
  peak: number;
  /** The resident set at the end split as anonymous (the agent's own) and file-backed (node's binary, shared). */
  anonEnd: number;
  fileEnd: number;
  /** The highest anonymous resident set sampled. */
  anonPeak: number;
  lastMinute: { min: number; max: number };
  cpuSeconds: number;
  startupCpuSeconds: number;
  polls: PollSeen[];
  discovery?: { durationMs: number; printers: number };
  exit: number | null;
  stopMs: number;
  /** A bare node started as the agent is (the unit's flags and environment) that only idles, at the same moment. */
  bare?: { rss: number; parts?: RssPart[] };
  parts?: RssPart[];
  /** Peak RSS of `node -e 0`, plain and started as the agent is (GNU time); undefined without /usr/bin/time. */
  nodeE0?: { plain: number; asUnit: number };
  /** The floor processes (bench/floor-agent.mjs) at the end, by mode; only with the provider up. */
  floors?: { mode: FloorMode; rss: number; anon: number }[];
}

type FloorMode = 'chosen' | 'builtins';
const FLOOR_AGENT = fileURLToPath(new URL('./floor-agent.mjs', import.meta.url));

const mib = (n: number) => `${(n / 1048576).toFixed(1)} MiB`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function health(url: string): Promise<{ lastPoll?: PollSeen; lastDiscovery?: { durationMs: number; printers: number } } | undefined> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
    return (await res.json()) as { lastPoll?: PollSeen; lastDiscovery?: { durationMs: number; printers: number } };
  } catch {
    return undefined;
  }
}

/** ExecStart of the shipped unit (paths mapped to this checkout) and its environment over this one's. */
function asTheUnitStartsIt(configFile: string, db: string): { argv: string[]; env: NodeJS.ProcessEnv } {
  return { argv: execStartArgv(configFile), env: { ...process.env, ...unitEnvironment(db) } };
}

const GNU_TIME = '/usr/bin/time';

/** Peak RSS (bytes) of `node -e 0`, plain and with the unit's flags and environment; GNU time reports it. */
function peakOfNodeE0(unit: { argv: string[]; env: NodeJS.ProcessEnv }): { plain: number; asUnit: number } | undefined {
  if (!existsSync(GNU_TIME)) return undefined;
  const flags = unit.argv.slice(1, unit.argv.findIndex((a) => a === CLI_MAIN));
  const peak = (args: string[], env: NodeJS.ProcessEnv) => {
    const out = join(tmpdir(), `mbx-bench-e0-${process.pid}`);
    try {
      const r = spawnSync(GNU_TIME, ['-f', '%M', '-o', out, process.execPath, ...args, '-e', '0'], { env, stdio: 'ignore' });
      return r.status === 0 ? Number(readFileSync(out, 'utf8').trim().split('\n').at(-1)) * 1024 : NaN;
    } finally {
      rmSync(out, { force: true });
    }
  };
  return { plain: peak([], process.env), asUnit: peak(flags, unit.env) };
}

async function idleRun(run: IdleRun, o: IdleOptions): Promise<IdleResult> {
  const dir = mkdtempSync(join(tmpdir(), 'mbx-bench-idle-'));
  const sim = await startSimulator({ devices: run.devices, first: run.first, latencyMs: run.latencyMs });
  let rx: ReceiverProcess | undefined;
  let agent: ChildProcess | undefined;
  let bare: ChildProcess | undefined;
  const floors: { mode: FloorMode; child: ChildProcess }[] = [];
  try {
    const token = 'bench-idle-token-0123456789';
    const agentId = `bench-idle-${run.devices}`;
    let provider: Record<string, unknown> = { url: `https://127.0.0.1:${await freePort()}`, token };
    if (o.provider === 'up') {
      writeFileSync(join(dir, 'tokens.json'), JSON.stringify({ [agentId]: token }));
      rx = await spawnReceiver(['--listen', '127.0.0.1:0', '--db', join(dir, 'receiver.db'), '--tokens', join(dir, 'tokens.json'), '--write-cert', join(dir, 'provider.pem'), '--stale-after', '86400']);
      provider = { url: rx.url, token, caFile: join(dir, 'provider.pem') };
    }
    const healthPort = await freePort();
    const config = {
      agentId,
      provider,
      credentials: [{ name: 'bench', version: '2c', community: 'bench' }],
      targets: [`${sim.hosts[0]}-${sim.hosts.at(-1)}`],
      snmp: { port: sim.port, timeoutMs: 2000, retries: 1, ...(run.pollConcurrency ? { pollConcurrency: run.pollConcurrency } : {}) },
      schedules: { poll: '0 * * * * *', upload: '30 * * * * *', heartbeat: '15 * * * * *', jitterSeconds: 0 },
      storage: { path: join(dir, 'outbox.db') },
      logging: { level: 'warn' },
      health: { port: healthPort },
    };
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify(config), { mode: 0o600 });
    const unit = asTheUnitStartsIt(file, join(dir, 'outbox.db'));
    const script = unit.argv.findIndex((a) => a === CLI_MAIN);
    const nodeFlags = unit.argv.slice(1, script);
    agent = spawn(unit.argv[0] as string, [...nodeFlags, ...o.nodeOptions, ...unit.argv.slice(script)], { stdio: ['ignore', 'ignore', 'inherit'], cwd: dir, env: unit.env });
    bare = spawn(unit.argv[0] as string, [...nodeFlags, '-e', 'setInterval(() => {}, 60_000)'], { stdio: 'ignore', env: unit.env });
    if (rx) {
      // The least any agent must do (SNMP, SQLite, TLS to the provider), without meterbox's code: the floor under the goal.
      for (const mode of ['chosen', 'builtins'] as const) {
        const env = { ...unit.env, FLOOR_MODE: mode, FLOOR_HOSTS: sim.hosts.join(','), FLOOR_PORT: String(sim.port), FLOOR_COMMUNITY: 'bench', FLOOR_URL: `${rx.url}/v1/floor`, FLOOR_CA: join(dir, 'provider.pem'), FLOOR_DB: join(dir, `floor-${mode}.db`), FLOOR_SCHEDULE: config.schedules.poll };
        floors.push({ mode, child: spawn(unit.argv[0] as string, [...nodeFlags, FLOOR_AGENT], { stdio: ['ignore', 'ignore', 'inherit'], env }) });
      }
    }
    const pid = agent.pid as number;
    const healthUrl = `http://127.0.0.1:${healthPort}/healthz`;
    const samples: { t: number; rss: number; anon: number }[] = [];
    const polls = new Map<string, PollSeen>();
    let discovery: IdleResult['discovery'];
    let startupCpuSeconds = 0;
    const started = Date.now();
    const end = started + run.seconds * 1000;
    let nextHealth = started;
    while (Date.now() < end) {
      const m = processMemory(pid);
      if (m) samples.push({ t: Date.now(), rss: m.rss, anon: m.anon });
      if (Date.now() >= nextHealth) {
        nextHealth = Date.now() + 2000;
        const h = await health(healthUrl);
        if (h?.lastPoll) polls.set(h.lastPoll.at, h.lastPoll);
        if (h?.lastDiscovery && !discovery) {
          discovery = { durationMs: h.lastDiscovery.durationMs, printers: h.lastDiscovery.printers };
          startupCpuSeconds = processCpuSeconds(pid);
        }
      }
      await sleep(250);
    }
    const mem = processMemory(pid);
    const parts = rssBreakdown(pid);
    const bareMem = bare.pid ? processMemory(bare.pid) : undefined;
    const bareParts = bare.pid ? rssBreakdown(bare.pid) : undefined;
    const floorsAtEnd = floors.flatMap(({ mode, child }) => {
      const m = child.pid && child.exitCode === null ? processMemory(child.pid) : undefined;
      return m ? [{ mode, rss: m.rss, anon: m.anon }] : [];
    });
    const nodeE0 = peakOfNodeE0(unit);
    const cpuSeconds = processCpuSeconds(pid);
    const lastMinute = samples.filter((s) => s.t >= end - 60_000).map((s) => s.rss);
    const exited = new Promise<number | null>((r) => agent?.once('exit', (c) => r(c)));
    const t0 = Date.now();
    agent.kill('SIGTERM');
    const exit = await exited;
    return {
      run,
      rssEnd: mem?.rss ?? 0,
      peak: mem?.peak ?? 0,
      anonEnd: mem?.anon ?? 0,
      fileEnd: mem?.file ?? 0,
      anonPeak: Math.max(0, ...samples.map((x) => x.anon)),
      lastMinute: { min: Math.min(...lastMinute), max: Math.max(...lastMinute) },
      cpuSeconds,
      startupCpuSeconds,
      polls: [...polls.values()],
      ...(discovery ? { discovery } : {}),
      exit,
      stopMs: Date.now() - t0,
      ...(parts ? { parts } : {}),
      ...(bareMem ? { bare: { rss: bareMem.rss, ...(bareParts ? { parts: bareParts } : {}) } } : {}),
      ...(nodeE0 ? { nodeE0 } : {}),
      ...(floorsAtEnd.length ? { floors: floorsAtEnd } : {}),
    };
  } finally {
    if (agent) await stopChild(agent);
    if (bare) await stopChild(bare);
    for (const f of floors) await stopChild(f.child);
    await rx?.stop();
    await stopChild(sim.child);
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(r: IdleResult, o: IdleOptions): void {
  const { run } = r;
  console.log(`  ${run.label}: ${run.devices} simulated devices${run.latencyMs ? `, ${run.latencyMs} ms latency per answer` : ''}, ${run.seconds} s, poll every minute${run.pollConcurrency ? `, pollConcurrency ${run.pollConcurrency}` : ''}`);
  console.log(`    RSS          at end ${mib(r.rssEnd)}; last minute ${mib(r.lastMinute.min)} .. ${mib(r.lastMinute.max)}; peak (VmHWM) ${mib(r.peak)}`);
  console.log(`    of which     anonymous ${mib(r.anonEnd)} at end, ${mib(r.anonPeak)} at most; file-backed ${mib(r.fileEnd)} at end (node's binary and libraries, shared)`);
  console.log(`    CPU          ${r.cpuSeconds.toFixed(2)} s in all, ${(r.cpuSeconds - r.startupCpuSeconds).toFixed(2)} s after start-up and the first discovery`);
  if (r.discovery) console.log(`    discovery    ${(r.discovery.durationMs / 1000).toFixed(1)} s, ${r.discovery.printers} printers`);
  for (const p of r.polls) {
    console.log(`    poll ${p.at.slice(11, 19)}Z  ${(p.durationMs / 1000).toFixed(2)} s for ${p.ok}/${p.devices} devices, ${((p.devices / p.durationMs) * 1000).toFixed(0)} devices/s`);
  }
  console.log(`    SIGTERM      exit ${r.exit} in ${r.stopMs} ms (provider ${o.provider})`);
  if (r.bare) console.log(`    beside it    a bare node started the same way, idling: RSS ${mib(r.bare.rss)} (the agent is ${mib(r.rssEnd - r.bare.rss)} more)`);
  if (r.nodeE0) console.log(`                 \`node -e 0\`: peak RSS ${mib(r.nodeE0.plain)}; with the unit's flags and environment ${mib(r.nodeE0.asUnit)}`);
  for (const f of r.floors ?? []) {
    const what = f.mode === 'chosen' ? 'net-snmp, better-sqlite3, axios, node-cron' : 'net-snmp, better-sqlite3, node:https, setInterval';
    console.log(`    floor        the same SNMP reads, SQLite rows and HTTPS posts with no meterbox code (${what}): RSS ${mib(f.rss)}, anonymous ${mib(f.anon)}`);
  }
  if (r.parts) {
    const bare = new Map((r.bare?.parts ?? []).map((p) => [p.what, p.kib]));
    const rows = r.parts.filter((p) => p.kib >= 256 || (bare.get(p.what) ?? 0) >= 256);
    console.log(`    RSS by part at the end (MiB)     agent   bare node   difference`);
    for (const p of rows) {
      const b = bare.get(p.what) ?? 0;
      console.log(`      ${p.what.padEnd(62)} ${(p.kib / 1024).toFixed(1).padStart(6)} ${(b / 1024).toFixed(1).padStart(9)} ${((p.kib - b) / 1024).toFixed(1).padStart(10)}`);
    }
    const other = r.parts.filter((p) => !rows.includes(p)).reduce((n, p) => n + p.kib, 0);
    console.log(`      ${'everything else (under 0.25 MiB each)'.padEnd(62)} ${(other / 1024).toFixed(1).padStart(6)}`);
  }
}

export async function benchIdle(o: IdleOptions): Promise<void> {
  console.log(`idle: meterbox run as systemd starts it${o.nodeOptions.length ? ` (+ ${o.nodeOptions.join(' ')})` : ''}; simulator${o.provider === 'up' ? ' and receiver' : ''} in processes of their own`);
  const results: IdleResult[] = [];
  for (const run of o.runs) {
    const r = await idleRun(run, o);
    report(r, o);
    results.push(r);
  }
  const small = results.find((r) => r.run.label === 'small');
  const large = results.find((r) => r.run.label === 'large');
  const goals: string[] = [];
  if (small) {
    const chosen = small.floors?.find((f) => f.mode === 'chosen');
    goals.push(`idle RSS with ${small.run.devices} devices ${mib(small.rssEnd)} at end, ${mib(small.anonEnd)} of it anonymous (≤ 60 MB${chosen ? `; the floor with the chosen dependencies is ${mib(chosen.rss)}` : ''})`);
  }
  if (large) {
    const last = large.polls.at(-1);
    goals.push(`peak RSS with ${large.run.devices} devices ${mib(large.peak)}, anonymous at most ${mib(large.anonPeak)} (≤ 120 MB)`);
    if (last) goals.push(`poll cycle of ${last.devices} devices ${(last.durationMs / 1000).toFixed(1)} s, ${((last.devices / last.durationMs) * 1000).toFixed(0)} devices/s (≤ 10 s, ≥ 100/s)`);
    else goals.push(`no poll of the ${large.run.devices} devices finished in ${large.run.seconds} s`);
  }
  console.log(`  goals: ${goals.join('; ')}`);
}
