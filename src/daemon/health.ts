/**
 * Health: a pure verdict from the job states, the outbox and what the box sees, and the local HTTP
 * endpoint that serves it (/healthz) next to /metrics. Binds 127.0.0.1 unless configured otherwise.
 * - unhealthy (503): a job missed its window, or the outbox cannot be written.
 * - degraded (200, with reasons): the box runs but is blind: discovery found no printer (nobody
 *   answered, every host refused every credential, or only non-printers answered), no known device
 *   could be read, a device under contract was not read within its window, or a serial under
 *   contract was never found. Restarting fixes none of these, so it is not a 5xx (as "warn" in the
 *   IETF health-check draft, draft-inadarei-api-health-check); the reasons say what to fix.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { MeterboxError } from '../contract/errors.js';
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
  /** What the box sees; absent: not judged (no targets configured). */
  sight?: SightInput;
}

/** What discovery and polling saw, for the degraded verdict. */
export interface SightInput {
  lastDiscovery?: { addresses: number; answered: number; printers: number; notUnderContract: number; nonPrinters: number; credentialsRefused: number };
  lastPoll?: { devices: number; ok: number; timedOut: number; credentialsRefused: number };
  /** Devices under contract the box knows, with the time of their last reading. */
  devices: readonly { key: string; host: string; lastReadingAt?: string }[];
  /** How long a device may go unread: the poll job's window. */
  readWindowMs: number;
  /** Serials under contract (devices.allow) that no discovery has found yet; judged once a discovery ran. */
  allowNotFound?: readonly string[];
}

export type HealthStatus = 'ok' | 'degraded' | 'unhealthy';

export interface HealthVerdict {
  status: HealthStatus;
  /** Why not ok: the unhealthy reasons first, then the degraded ones. */
  reasons: string[];
  /** Not failing yet, but will without action (e.g. the disk fills before the outbox reaches its cap). */
  warnings: string[];
}

/** How long a job may go without success: two intervals, its jitter, and one more interval (at most 1 h) of grace. */
export function jobWindowMs(intervalMs: number, jitterMs: number): number {
  return 2 * intervalMs + jitterMs + Math.min(intervalMs, 3600_000);
}

const list = (items: readonly string[], most = 5) => items.slice(0, most).join(', ') + (items.length > most ? ` and ${items.length - most} more` : '');

/** Why a box that runs does not see what it should; [] when it does. */
function sightReasons(s: SightInput, now: Date, startedAt: Date): string[] {
  const out: string[] = [];
  const d = s.lastDiscovery;
  if (d && d.printers + d.notUnderContract === 0 && s.devices.length === 0) {
    if (d.answered === 0) out.push(`discovery found no printer: none of the ${d.addresses} addresses answered SNMP; check the community or v3 credentials, the targets, and that UDP 161 is open from this box`);
    else if (d.credentialsRefused === d.answered) out.push(`discovery found no printer: all ${d.answered} hosts that answered refused every credential (MBX_SNMP_AUTH); check the v3 user and keys`);
    else out.push(`discovery found no printer: ${d.answered} hosts answered, ${d.nonPrinters} of them not printers${d.credentialsRefused ? `, ${d.credentialsRefused} refused every credential` : ''}; check that the targets cover the printer VLANs`);
  }
  const p = s.lastPoll;
  if (p && p.devices > 0 && p.ok === 0) {
    out.push(`poll read none of the ${p.devices} known devices (${p.timedOut} timed out, ${p.credentialsRefused} refused every credential); check the printers are on and the credentials unchanged`);
  }
  const late = s.devices.filter((x) => now.getTime() - Date.parse(x.lastReadingAt ?? startedAt.toISOString()) > s.readWindowMs);
  if (late.length > 0) {
    out.push(`${late.length} device(s) under contract not read within ${Math.round(s.readWindowMs / 1000)} s: ${list(late.map((x) => `${x.key} at ${x.host} (last ${x.lastReadingAt ?? 'never'})`))}`);
  }
  if (s.allowNotFound && s.allowNotFound.length > 0) out.push(`${s.allowNotFound.length} serial(s) under contract (devices.allow) not found by discovery: ${list(s.allowNotFound)}`);
  return out;
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
  if (h.disk?.verdict === 'critical') reasons.push(h.disk.message);
  const warnings = h.disk?.verdict === 'low' ? [h.disk.message] : [];
  const blind = h.sight ? sightReasons(h.sight, h.now, h.startedAt) : [];
  if (reasons.length > 0) return { status: 'unhealthy', reasons: [...reasons, ...blind], warnings };
  return { status: blind.length > 0 ? 'degraded' : 'ok', reasons: blind, warnings };
}

export interface HealthServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(
  opts: { host: string; port: number; log: Logger },
  handlers: {
    health: () => { status: number; body: unknown };
    metrics: () => Promise<{ contentType: string; body: string }>;
    /** The status page (src/web/box): takes its own routes (/, /api/…, /assets/…) and answers false for the rest. */
    page?: (req: http.IncomingMessage, res: http.ServerResponse) => boolean;
  },
): Promise<HealthServer> {
  const server = http.createServer((req, res) => {
    if (handlers.page?.(req, res)) return;
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
    } else res.writeHead(404, { 'content-type': 'text/plain' }).end(`not found; try /healthz or /metrics${handlers.page ? ', or the status page at /' : ''}\n`);
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
