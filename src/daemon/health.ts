/**
 * Health: a pure verdict from the job states and the outbox (healthy while every job succeeded
 * within its window and the store is writable), and the local HTTP endpoint that serves it
 * (/healthz) next to /metrics. Binds 127.0.0.1 unless configured otherwise.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { MeterboxError } from '../errors.js';
import type { JobState } from './scheduler.js';

export interface HealthInput {
  now: Date;
  startedAt: Date;
  jobs: readonly JobState[];
  jitterMs: Record<string, number>;
  store: { writable: boolean; failure?: string };
  /** Jobs that are not expected to run (e.g. discovery with no targets). */
  idle?: readonly string[];
  /** Free space beside the outbox (store/disk.ts): critical is a reason, low a warning. */
  disk?: { verdict: 'ok' | 'low' | 'critical'; message: string };
}

export interface HealthVerdict {
  ok: boolean;
  reasons: string[];
  /** Not failing yet, but will without action (e.g. the disk fills before the outbox reaches its cap). */
  warnings: string[];
}

/** How long a job may go without success: two intervals, its jitter, and one more interval (at most 1 h) of grace. */
export function jobWindowMs(intervalMs: number, jitterMs: number): number {
  return 2 * intervalMs + jitterMs + Math.min(intervalMs, 3600_000);
}

export function assessHealth(h: HealthInput): HealthVerdict {
  const reasons: string[] = [];
  if (!h.store.writable) reasons.push(`outbox not writable${h.store.failure ? `: ${h.store.failure}` : ''}`);
  for (const j of h.jobs) {
    if (h.idle?.includes(j.name)) continue;
    const window = jobWindowMs(j.intervalMs, h.jitterMs[j.name] ?? 0);
    const since = j.lastSuccessAt ? Date.parse(j.lastSuccessAt) : h.startedAt.getTime();
    const late = h.now.getTime() - since;
    if (late > window) {
      const last = j.lastFailure ? `; last failure ${j.lastFailure.at}: ${j.lastFailure.reason}` : '';
      reasons.push(`${j.name}: no successful run for ${Math.round(late / 1000)} s (window ${Math.round(window / 1000)} s)${j.lastSuccessAt ? '' : ' since start'}${last}`);
    }
  }
  const warnings: string[] = [];
  if (h.disk?.verdict === 'critical') reasons.push(h.disk.message);
  if (h.disk?.verdict === 'low') warnings.push(h.disk.message);
  return { ok: reasons.length === 0, reasons, warnings };
}

export interface HealthServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  opts: { host: string; port: number; log: Logger },
  handlers: { health: () => { status: number; body: unknown }; metrics: () => Promise<{ contentType: string; body: string }> },
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/healthz') {
      const h = handlers.health();
      res.writeHead(h.status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(h.body, null, 2) + '\n');
    } else if (path === '/metrics') {
      handlers.metrics().then(
        (m) => res.writeHead(200, { 'content-type': m.contentType }).end(m.body),
        (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`metrics failed: ${(err as Error).message}\n`),
      );
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found; try /healthz or /metrics\n');
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new MeterboxError(
          'MBX_DAEMON_HEALTH_BIND',
          `health endpoint: cannot listen on ${opts.host}:${opts.port} (${err.code ?? err.message}); another meterbox running? change health.port or set health.enabled to false`,
          { host: opts.host, port: opts.port },
          { cause: err },
        ),
      ),
    );
    server.listen(opts.port, opts.host, () => {
      server.removeAllListeners('error');
      server.on('error', (err) => opts.log.error({ err: err.message }, 'health endpoint error'));
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  opts.log.info({ host: opts.host, port }, 'health endpoint listening');
  return {
    url: `http://${host}:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
