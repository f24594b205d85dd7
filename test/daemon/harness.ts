/**
 * A lab for daemon tests: a simulated fleet on a random loopback block, the reference receiver,
 * a generated config, and `meterbox run` as a child process with its JSON log lines collected.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { DEVICE_FIXTURES } from '../../src/paths.js';
import { startReceiver, type RunningReceiver } from '../../src/receiver/index.js';
import { listSnmprec, loadSnmprecFile, startFleet, type Fleet } from '../../src/simulator/fleet.js';
import { CLI_ARGV } from '../helpers/cli.js';
import { loopbackEndpoint } from '../helpers/net.js';

export const TOKEN = 'agent-token-7d1e9b3c0f-NEVER-LOGGED';
export const COMMUNITY = 'lab-c0mmunity';

export async function freeTcpPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export async function startLabFleet(n: number): Promise<Fleet> {
  const templates = listSnmprec(DEVICE_FIXTURES);
  const { first, port } = await loopbackEndpoint();
  const specs = Array.from({ length: n }, (_, i) => {
    const t = templates[i % templates.length] as { name: string; path: string };
    return { name: t.name, varbinds: loadSnmprecFile(t.path), synthetic: { ordinal: i + 1 } };
  });
  return startFleet(specs, { auth: { communities: [COMMUNITY] }, firstAddress: first, port });
}

export type Receiver = RunningReceiver;

/** The reference receiver (src/receiver, SQLite in `dir`) knowing the lab token as `agentId`'s. If it cannot start, the test fails: delivery is never left unchecked. */
export function startLabReceiver(dir: string, agentId: string): Promise<Receiver> {
  return startReceiver({ dbPath: join(dir, 'receiver.db'), tokens: { [agentId]: TOKEN }, logger: pino({ level: 'silent' }) });
}

/**
 * `healthPort` 0 (the default): the daemon's bind picks a free port, and `DaemonProcess.healthUrl()`
 * reads it from the log. A port picked here and bound by the child a second later could be taken by
 * another test's listener in between.
 */
export function labConfig(o: { fleet: Fleet; dir: string; healthPort?: number; providerUrl: string; caFile?: string; schedules?: Record<string, unknown>; extra?: Record<string, unknown> }): Record<string, unknown> {
  const hosts = o.fleet.devices.map((d) => d.host);
  return {
    agentId: 'lab-box',
    provider: { url: o.providerUrl, token: TOKEN, timeoutMs: 2000, ...(o.caFile ? { caFile: o.caFile } : {}) },
    credentials: [
      { name: 'wrong', version: '2c', community: 'not-the-one' },
      { name: 'lab', version: '2c', community: COMMUNITY },
    ],
    targets: [{ target: `${hosts[0]}-${hosts.at(-1)}`, label: 'lab', credentials: ['lab'] }],
    snmp: { port: o.fleet.port, timeoutMs: 1500, retries: 0 },
    // Jitter on, as in production: second-level schedules cap it at a third of each interval.
    schedules: { discovery: '0 0 1 1 *', poll: '*/2 * * * * *', upload: '*/2 * * * * *', heartbeat: '*/2 * * * * *', retention: '0 0 1 1 *', jitterSeconds: 120, ...o.schedules },
    storage: { path: join(o.dir, 'outbox.db') },
    logging: { level: 'info' },
    health: { host: '127.0.0.1', port: o.healthPort ?? 0 },
    ...o.extra,
  };
}

export function writeConfig(file: string, cfg: unknown): void {
  writeFileSync(file, JSON.stringify(cfg, null, 2), { mode: 0o600 });
}

export interface LogLine {
  level: string;
  msg: string;
  component?: string;
  [k: string]: unknown;
}

export class DaemonProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;

  /** `argv`: the command line to run instead of `node <flags> main.js run --config FILE` (e.g. the unit's ExecStart). */
  constructor(configFile: string, env: NodeJS.ProcessEnv = {}, argv: readonly string[] = [process.execPath, ...CLI_ARGV, 'run', '--config', configFile]) {
    this.child = spawn(argv[0] as string, argv.slice(1), { env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.setEncoding('utf8').on('data', (d: string) => (this.stdout += d));
    this.child.stderr?.setEncoding('utf8').on('data', (d: string) => (this.stderr += d));
    this.exited = new Promise((resolve) => this.child.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })));
  }

  lines(): LogLine[] {
    return this.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as LogLine);
  }

  async waitForLog(pred: (l: LogLine) => boolean, timeoutMs: number, what: string): Promise<LogLine> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.lines().find(pred);
      if (hit) return hit;
      if (Date.now() > until || this.child.exitCode !== null) throw new Error(`timed out waiting for ${what}; stderr: ${this.stderr.slice(-2000)}; last log lines:\n${this.stdout.split('\n').slice(-15).join('\n')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** The port of a listener the daemon opened, from the line (`msg`) it logs once listening. */
  async listeningPort(msg: string, timeoutMs = 30_000): Promise<number> {
    return Number((await this.waitForLog((l) => l.msg.startsWith(msg) && typeof l.port === 'number', timeoutMs, `${msg} (a port)`)).port);
  }

  /** The health endpoint's URL (labConfig binds it on 127.0.0.1). */
  async healthUrl(timeoutMs = 30_000): Promise<string> {
    return `http://127.0.0.1:${await this.listeningPort('health endpoint listening', timeoutMs)}`;
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

export async function getJson(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const r = await fetch(url);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

export async function waitFor<T>(fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'mbx-daemon-'));
