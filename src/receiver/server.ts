/**
 * The receiver's HTTPS server: routes, who may call them, limits, validation, and the store.
 * Plain node:https (no framework): a handful of routes do not need one, and every byte of the
 * exchange (gzip, limits, resets) stays visible for the tests. A node keeps nothing that another
 * node would need: the store holds it all, so nodes can be added, killed and restarted at will.
 */
import { cpus, hostname } from 'node:os';
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, ListenOptions } from 'node:net';
import type { Logger } from 'pino';
import { fallbackLogger } from '../log.js';
import { parseContract } from '../billing/index.js';
import { MeterboxError, isMeterboxError } from '../contract/errors.js';
import { Authenticator } from './auth.js';
import { Faults } from './faults.js';
import { HttpError, errorBody, parseJson, send } from './http.js';
import { ByteBudget, Slots, readLimitedBody, type BodyLimits, type Lease } from './limits.js';
import { startMaintenance } from './maintenance.js';
import { UPDATE_PATH_PREFIX, maintenanceState } from './publish.js';
import { createReadStream, statSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { apiValidators } from './schema.js';
import { IngestValidation } from './validation.js';
import { openStore } from './store/open.js';
import type { IncomingReading, ReceiverStore } from './store/types.js';
import type { WireEvent } from '../contract/events.js';
import { loadCertPair } from '../net/tls.js';
import { AGENT_ID } from './tokens.js';
import { createFleetView } from '../web/fleet/server.js';
import { BILLING_EXPORT, billingDocument, billingFileName, exportCsv, parseBillingPeriod, storeBillingContext } from '../web/fleet/billing.js';
import { UsageCache } from '../web/fleet/usage.js';
import type { FaultPlan, NodeStatus, Principal, ProviderRole, ReceiverLimits, ReceiverOptions, RunningReceiver, SeenRequest } from './types.js';

/** Commands the provider API queues (the agent executes only these; see HEARTBEAT_COMMANDS on the agent side). */
const QUEUEABLE_COMMANDS = ['read-now', 'discover-now'] as const;

const DEFAULT_COMMAND_TTL = 3600;

export function resolveLimits(o: ReceiverOptions): Required<ReceiverLimits> {
  const l = o.limits ?? {};
  return {
    maxConcurrentDecompressions: l.maxConcurrentDecompressions ?? Math.max(4, 2 * cpus().length),
    maxInflightBytes: l.maxInflightBytes ?? 64 * 1024 * 1024,
    agentRequestsPerMinute: l.agentRequestsPerMinute ?? 600,
    maxBodyBytes: l.maxBodyBytes ?? o.maxBodyBytes ?? 16 * 1024 * 1024,
  };
}

/** SO_REUSEPORT for TCP came to Node's listen() in 23.1 and 22.12. */
export function reusePortSupported(version = process.versions.node): boolean {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major > 23 || (major === 23 && minor >= 1) || (major === 22 && minor >= 12);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function requireRole(p: Principal, role: ProviderRole): void {
  if (p.kind === 'agent') throw new HttpError(403, 'forbidden', 'an agent token may only post its own readings and heartbeats; this endpoint needs a provider token');
  if (role === 'admin' && p.role !== 'admin') throw new HttpError(403, 'forbidden', 'this endpoint needs a provider token with the admin role');
}

function intParam(url: URL, name: string, dflt: number, min: number, max: number): number {
  const v = url.searchParams.get(name);
  if (v === null) return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw new HttpError(400, 'bad-query', `${name} must be a whole number from ${min} to ${max}`);
  return n;
}

export async function startReceiver(opts: ReceiverOptions): Promise<RunningReceiver> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const nodeId = opts.nodeId ?? `${hostname()}:${process.pid}`;
  const log: Logger = (opts.logger ?? fallbackLogger()).child({ component: 'receiver', node: nodeId });
  const staleAfter = opts.staleAfterSeconds ?? 900;
  const commandTtl = opts.commandTtlSeconds ?? DEFAULT_COMMAND_TTL;
  const limits = resolveLimits(opts);
  if (limits.maxInflightBytes < 2 * limits.maxBodyBytes) {
    // A gzip body holds its wire bytes and its decompressed bytes: a budget below twice the largest body could refuse it forever.
    throw new MeterboxError('MBX_RECEIVER_CONFIG', `the in-flight byte budget (${limits.maxInflightBytes}) must be at least twice the largest body (${limits.maxBodyBytes})`);
  }
  const contract = parseContract(opts.billing);
  const dbSpec = opts.db ?? opts.dbPath;
  if (!dbSpec) throw new MeterboxError('MBX_RECEIVER_CONFIG', 'the receiver needs a database: a SQLite file or a postgres:// URL (--db)');
  if (opts.reusePort && !reusePortSupported()) {
    throw new MeterboxError('MBX_RECEIVER_CONFIG', `--reuse-port needs Node 22.12 or later (this is ${process.versions.node}); run nodes on their own ports behind a load balancer, or use --workers N`);
  }
  const store = await openStore(dbSpec, { alerts: !!opts.webhook, ...(opts.poolSize ? { poolSize: opts.poolSize } : {}), onIdleError: (err) => log.warn({ err: err.message }, 'database connection lost; the pool reconnects') });
  try {
    return await serve(store);
  } catch (err) {
    await store.close();
    throw err;
  }

  async function serve(store: ReceiverStore): Promise<RunningReceiver> {
    const auth = new Authenticator({ store, log, ...(opts.tokens ? { tokens: opts.tokens } : {}), ...(opts.tokensFile ? { tokensFile: opts.tokensFile } : {}) });
    if (opts.adminPort !== undefined && !(await auth.hasAdmin())) {
      throw new MeterboxError('MBX_RECEIVER_CONFIG', 'fault injection (--admin-port) needs an admin provider token: add one with `meterbox receiver token add --provider NAME --role admin` or in the tokens file');
    }
    if (await auth.none()) log.warn('no tokens yet: every request is refused until `meterbox receiver token add` (or a --tokens file) gives some');
    const pair = await loadCertPair({ ...opts, host });
    const schemaVersion = await store.schemaVersion();
    const faults = new Faults();
    const validation = new IngestValidation(store, contract, log);
    const v = apiValidators();
    const budget = new ByteBudget(limits.maxInflightBytes);
    const slots = new Slots(limits.maxConcurrentDecompressions, 256);
    const bodyLimits: BodyLimits = { maxBody: limits.maxBodyBytes, budget, slots, slotWaitMs: 2000 };
    const refused = { busy: 0, rateLimited: 0, tooLarge: 0 };
    let sweeps = 0;
    const startedAt = Date.now();
    const seen: SeenRequest[] = [];
    let active = 0;
    const remember = (r: SeenRequest) => {
      seen.push(r);
      if (seen.length > 1000) seen.splice(0, seen.length - 1000);
    };

    /** The current rate window (one minute) of an agent's request; undefined when there is no limit. */
    const rateWindow = (): Date | undefined => (limits.agentRequestsPerMinute ? new Date(Math.floor(now().getTime() / 60_000) * 60_000) : undefined);

    const authenticate = async (req: IncomingMessage, countAt?: Date): Promise<Principal & { hits?: number }> => {
      const h = req.headers.authorization;
      const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
      if (!m) throw new HttpError(401, 'no-token', 'missing Authorization: Bearer <token>');
      const p = await auth.principal(m[1] as string, countAt);
      if (!p) throw new HttpError(401, 'bad-token', 'unknown or revoked token');
      return p;
    };

    /**
     * A fixed one-minute window per agent, counted in the store, so the limit holds across nodes.
     * Database tokens are counted with their lookup (`hits`); tokens-file agents here.
     */
    const rateLimit = async (agentId: string, windowStart: Date | undefined, hits: number | undefined) => {
      const perMinute = limits.agentRequestsPerMinute;
      if (!perMinute || !windowStart) return;
      if ((hits ?? (await store.rateHit(agentId, windowStart))) <= perMinute) return;
      refused.rateLimited++;
      const wait = Math.max(1, Math.ceil((windowStart.getTime() + 60_000 - now().getTime()) / 1000));
      throw new HttpError(429, 'rate-limited', `agent '${agentId}' sent more than ${perMinute} requests this minute`, { 'retry-after': String(wait) });
    };

    const status = async (): Promise<NodeStatus> => {
      const m = process.memoryUsage();
      return {
        node: nodeId,
        pid: process.pid,
        store: store.kind,
        schemaVersion,
        uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
        memory: { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers },
        limits,
        inflight: { bytes: budget.used, peakBytes: budget.peak, decompressions: slots.active, peakDecompressions: slots.peak, waiting: slots.waiting },
        refused: { ...refused },
        sweeps,
      };
    };

    /** Another agent's id in the body is refused before anything else is looked at. */
    const ownAgent = (agent: string, body: unknown) => {
      const claimed = (body as { agentId?: unknown } | null)?.agentId;
      if (typeof claimed === 'string' && claimed !== agent) throw new HttpError(403, 'agent-mismatch', `this token belongs to agent '${agent}', not '${claimed.slice(0, 128)}'`);
    };

    const postReadings = async (agent: string, body: unknown, fault: ReturnType<Faults['decide']>, res: ServerResponse) => {
      ownAgent(agent, body);
      const envelope = v.check('ReadingsRequest', body);
      if (envelope.length > 0) throw new HttpError(400, 'invalid-request', `not a readings request: ${envelope.join('; ')}`);
      const b = body as { agentId: string; readings: Record<string, unknown>[] };
      const valid: IncomingReading[] = [];
      const repeated: string[] = [];
      const ids = new Set<string>();
      const rejected: { id: string; reason: string }[] = [];
      b.readings.forEach((r, i) => {
        const id = typeof r.id === 'string' && r.id.length > 0 ? r.id : `#${i}`;
        const problems = v.check('Reading', r);
        if (problems.length > 0) return void rejected.push({ id, reason: `invalid reading: ${problems.join('; ')}` });
        if (ids.has(id)) return void repeated.push(id); // the same id twice in one batch: stored once
        ids.add(id);
        const d = r.device as { key: string; vendor?: string; model?: string; serial?: string };
        valid.push({ id, readAt: new Date(r.readAt as string).toISOString(), deviceKey: d.key, vendor: d.vendor, model: d.model, serial: d.serial, counters: r.counters as Record<string, number>, body: JSON.stringify(r) });
      });
      const take = fault.partialAccept !== undefined ? valid.slice(0, Math.max(0, fault.partialAccept)) : valid;
      const stored = await store.storeReadings(agent, take, now());
      const accepted = new Set(stored.accepted);
      const flagged = await validation.afterStore(agent, take.filter((r) => accepted.has(r.id)));
      const receipt = { accepted: stored.accepted, duplicate: [...stored.duplicate, ...repeated], rejected };
      log.info({ agentId: agent, accepted: stored.accepted.length, duplicate: receipt.duplicate.length, rejected: rejected.length, left: valid.length - take.length, flagged }, 'readings batch');
      if (fault.delayAfterCommitMs) {
        log.warn({ agentId: agent, ms: fault.delayAfterCommitMs }, 'fault: holding the receipt after commit');
        await sleep(fault.delayAfterCommitMs);
      }
      if (fault.reset === 'after-commit') {
        log.warn({ agentId: agent }, 'fault: resetting the connection after commit');
        res.socket?.destroy();
        return { status: 0, response: receipt };
      }
      send(res, 200, receipt);
      return { status: 200, response: receipt };
    };

    const postHeartbeat = async (agent: string, body: unknown, res: ServerResponse) => {
      ownAgent(agent, body);
      const problems = v.check('HeartbeatRequest', body);
      if (problems.length > 0) throw new HttpError(400, 'invalid-heartbeat', `not a heartbeat: ${problems.join('; ')}`);
      const b = body as { agentId: string; version: string; acks?: string[]; events?: WireEvent[] };
      const r = await store.recordHeartbeat({ agentId: agent, at: now(), version: b.version, body: JSON.stringify(body), ...(b.acks ? { acks: b.acks } : {}), ...(b.events?.length ? { events: b.events } : {}) });
      if (r.recovered) log.info({ agentId: agent }, 'agent recovered');
      const response: Record<string, unknown> = { serverTime: now().toISOString(), commands: r.commands };
      // The newest signed document of each kind, until the agent reports one at least as new (src/receiver/publish.ts).
      const reported = (body as { remote?: { config?: { version?: unknown }; update?: { manifest?: unknown } } }).remote;
      for (const d of await store.published({ agentId: agent })) {
        const seen = d.kind === 'config' ? reported?.config?.version : reported?.update?.manifest;
        if (typeof seen !== 'number' || seen < d.version) response[d.kind] = JSON.parse(d.document) as unknown;
      }
      log.info({ agentId: agent, commands: r.commands.length, acks: b.acks?.length ?? 0, ...(response.config ? { config: true } : {}), ...(response.update ? { update: true } : {}) }, 'heartbeat');
      send(res, 200, response);
      return { status: 200, response };
    };

    /**
     * GET /v1/billing?from=&to=[&agent=][&format=csv]: the contract units per device (the fleet
     * view's billing export, web/fleet/billing.ts). Provider tokens (read role) only, like every
     * other read endpoint: an agent token reads nothing here (the box has `meterbox usage` locally).
     */
    const billingUsage = new UsageCache(store, () => now().getTime(), contract);
    const billing = async (p: Principal, url: URL): Promise<{ status: number; body: unknown; csv?: { text: string; filename: string } }> => {
      requireRole(p, 'read');
      const agentId = url.searchParams.get('agent') ?? undefined;
      const period = parseBillingPeriod(url.searchParams.get('from') ?? undefined, url.searchParams.get('to') ?? undefined);
      if (typeof period === 'string') throw new HttpError(400, 'bad-query', period);
      const format = url.searchParams.get('format') ?? 'json';
      if (format !== 'json' && format !== 'csv') throw new HttpError(400, 'bad-query', 'format must be json or csv');
      const ctx = await storeBillingContext(store, billingUsage, period, agentId);
      if (format === 'csv') return { status: 200, body: undefined, csv: { text: await exportCsv(BILLING_EXPORT, ctx), filename: billingFileName(BILLING_EXPORT.id, period, agentId) } };
      return { status: 200, body: await billingDocument(ctx, contract, agentId) };
    };

    /** The provider's endpoints: who may read what, and the commands an admin queues. */
    const providerRoute = async (p: Principal, req: IncomingMessage, url: URL, lease: Lease): Promise<{ status: number; body: unknown; csv?: { text: string; filename: string } }> => {
      const path = url.pathname;
      const method = req.method ?? 'GET';
      const cmd = /^\/v1\/agents\/([^/]+)\/commands$/.exec(path);
      if (cmd && method === 'POST') {
        requireRole(p, 'admin');
        const agentId = decodeURIComponent(cmd[1] as string);
        if (!AGENT_ID.test(agentId)) throw new HttpError(400, 'bad-agent', 'not a valid agent id');
        const b = parseJson((await readLimitedBody(req, { ...bodyLimits, maxBody: 64 * 1024 }, lease)).text) as { name?: unknown; ttlSeconds?: unknown };
        if (typeof b.name !== 'string' || !(QUEUEABLE_COMMANDS as readonly string[]).includes(b.name)) throw new HttpError(400, 'bad-command', `name must be one of ${QUEUEABLE_COMMANDS.join(', ')}`);
        const ttl = b.ttlSeconds === undefined ? commandTtl : Number(b.ttlSeconds);
        if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 86_400) throw new HttpError(400, 'bad-command', 'ttlSeconds must be a whole number from 1 to 2592000');
        const queued = await store.queueCommand(agentId, b.name, now(), ttl);
        log.info({ agentId, command: b.name, id: queued.id, by: p.kind === 'provider' ? p.name : undefined }, 'command queued');
        return { status: 201, body: queued };
      }
      if (method !== 'GET') throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
      requireRole(p, 'read');
      if (path === '/v1/billing') return billing(p, url);
      if (path === '/v1/agents') return { status: 200, body: { at: now().toISOString(), staleAfterSeconds: staleAfter, agents: await store.agents(now(), staleAfter, auth.fileAgents()) } };
      if (cmd) return { status: 200, body: { commands: await store.commands(decodeURIComponent(cmd[1] as string)) } };
      if (path === '/v1/devices') {
        const agentId = url.searchParams.get('agentId') ?? undefined;
        return { status: 200, body: { devices: await store.devices(agentId ? { agentId } : {}) } };
      }
      const dev = /^\/v1\/devices\/([^/]+)\/readings$/.exec(path);
      if (dev) {
        const key = decodeURIComponent(dev[1] as string);
        let agentId = url.searchParams.get('agentId') ?? undefined;
        const limit = intParam(url, 'limit', 10_000, 1, 10_000);
        if (!agentId) {
          const owners = [...new Set((await store.devices({ deviceKey: key })).map((d) => d.agentId))];
          if (owners.length > 1) throw new HttpError(409, 'ambiguous-device', `device '${key}' is reported by several agents (${owners.join(', ')}); add ?agentId=`);
          agentId = owners[0];
        }
        const rows = agentId ? await store.readings({ deviceKey: key, agentId, limit }) : [];
        if (rows.length === 0) throw new HttpError(404, 'unknown-device', `no readings of device '${key}'`);
        return { status: 200, body: { readings: rows.map((r) => r.body) } };
      }
      if (path === '/v1/events') {
        const agentId = url.searchParams.get('agentId') ?? undefined;
        const kind = url.searchParams.get('kind') ?? undefined;
        const events = await store.events({ afterSeq: intParam(url, 'after', 0, 0, Number.MAX_SAFE_INTEGER), limit: intParam(url, 'limit', 1000, 1, 1000), ...(agentId ? { agentId } : {}), ...(kind ? { kind } : {}) });
        return { status: 200, body: { events } };
      }
      if (path === '/v1/status') return { status: 200, body: await status() };
      if (path === '/v1/maintenance') return { status: 200, body: { at: now().toISOString(), ...(await maintenanceState(store, await store.agents(now(), staleAfter, auth.fileAgents()))) } };
      throw new HttpError(404, 'not-found', `no route GET ${path}`);
    };

    /** GET /v1/updates/<sha256>.deb: a package published for this agent (any, for a provider token), whole or from a Range offset. */
    const sendUpdate = async (p: Principal, path: string, req: IncomingMessage, res: ServerResponse): Promise<number> => {
      const m = /^\/v1\/updates\/([0-9a-f]{64})\.deb$/.exec(path);
      if (!m || !opts.updatesDir) throw new HttpError(404, 'not-found', 'no such package');
      const sha = m[1] as string;
      if (p.kind === 'agent' && !(await store.published({ agentId: p.agentId, kind: 'update' })).some((d) => d.summary.sha256 === sha)) throw new HttpError(404, 'not-found', 'no such package for this agent');
      const file = join(opts.updatesDir, `${sha}.deb`);
      let size: number;
      try {
        size = statSync(file).size;
      } catch {
        throw new HttpError(404, 'not-found', 'no such package');
      }
      // One form of Range is enough for resuming: bytes=N- (or N-M).
      const range = /^bytes=(\d+)-(\d*)$/.exec(String(req.headers.range ?? ''));
      let start = 0;
      let end = size - 1;
      if (req.headers.range !== undefined) {
        if (!range) throw new HttpError(416, 'bad-range', 'only Range: bytes=N- or bytes=N-M is supported');
        start = Number(range[1]);
        if (range[2]) end = Math.min(end, Number(range[2]));
        if (start >= size || start > end) {
          res.writeHead(416, { 'content-range': `bytes */${size}`, 'content-type': 'application/json' });
          res.end(JSON.stringify(errorBody('bad-range', `offset ${start} is past the end (${size} bytes)`)));
          return 416;
        }
      }
      const status = range ? 206 : 200;
      res.writeHead(status, {
        'content-type': 'application/vnd.debian.binary-package',
        'content-length': String(end - start + 1),
        'accept-ranges': 'bytes',
        ...(range ? { 'content-range': `bytes ${start}-${end}/${size}` } : {}),
      });
      await pipeline(createReadStream(file, { start, end }), res).catch(() => undefined);
      return status;
    };

    const fail = (err: unknown, res: ServerResponse, record: SeenRequest, path: string) => {
      const e =
        err instanceof HttpError
          ? err
          : isMeterboxError(err, 'MBX_RECEIVER_DB')
            ? new HttpError(503, 'store-unavailable', 'the database is unavailable; nothing was stored', { 'retry-after': '5' })
            : new HttpError(500, 'internal', (err as Error).message);
      if (e.status === 429 && e.code === 'busy') refused.busy++;
      if (e.status === 413) refused.tooLarge++;
      if (e.status >= 500) log.error({ path, err: (err as Error).message }, 'request failed');
      else log.info({ path, status: e.status, reason: e.message }, 'request refused');
      record.status = e.status;
      record.response = errorBody(e.code, e.message);
      if (!res.headersSent && !res.destroyed) {
        // An early answer (401, 413, 429) while the client may still be sending: close afterwards instead of reading the rest.
        send(res, e.status, record.response, { ...e.headers, ...(e.status === 413 || e.status === 401 || e.status === 429 ? { connection: 'close' } : {}) });
      }
    };

    // The provider's fleet view (src/web/fleet): pages for people under /fleet/, provider tokens only.
    const fleet = createFleetView({
      store,
      principal: (token) => auth.principal(token),
      providerById: (id) => auth.providerById(id),
      fileAgents: () => auth.fileAgents(),
      now,
      staleAfterSeconds: staleAfter,
      commands: QUEUEABLE_COMMANDS,
      commandTtlSeconds: commandTtl,
      log: log.child({ view: 'fleet' }),
      contract,
    });

    const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
      const url = new URL(req.url ?? '/', 'https://receiver');
      const path = url.pathname;
      if (!path.startsWith('/v1/') && fleet.handle(req, res, url)) return;
      const method = req.method ?? 'GET';
      const record: SeenRequest = { method, path, status: 0, bytes: 0, wireBytes: 0, headers: { ...req.headers, authorization: req.headers.authorization ? '[Redacted]' : undefined } };
      const lease: Lease = { held: 0 };
      active++;
      try {
        const fault = faults.decide(path);
        if (fault.delayMs > 0) await sleep(fault.delayMs);
        if (fault.fail) {
          // Drain the body so the client sees the status, not a broken pipe.
          for await (const c of req) record.wireBytes += (c as Buffer).length;
          record.status = fault.fail.status;
          send(res, fault.fail.status, errorBody('injected', fault.fail.message ?? `injected failure ${fault.fail.status}`), fault.fail.retryAfter !== undefined ? { 'retry-after': fault.fail.retryAfter } : {});
          return;
        }
        if (fault.reset === 'before') {
          log.warn({ path }, 'fault: resetting the connection');
          req.socket.destroy();
          return;
        }
        if (!path.startsWith('/v1/')) throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
        if (method === 'GET' && path.startsWith(UPDATE_PATH_PREFIX)) {
          const principal = await authenticate(req);
          if (principal.kind === 'agent') record.agentId = principal.agentId;
          else requireRole(principal, 'read');
          record.status = await sendUpdate(principal, path, req, res);
          return;
        }
        const agentPost = method === 'POST' && (path === '/v1/readings' || path === '/v1/heartbeat');
        const windowStart = agentPost ? rateWindow() : undefined;
        const principal = await authenticate(req, windowStart);
        if (agentPost) {
          if (principal.kind !== 'agent') throw new HttpError(403, 'forbidden', 'only an agent token may post readings and heartbeats');
          const agent = principal.agentId;
          record.agentId = agent;
          await rateLimit(agent, windowStart, principal.hits);
          const { text, wireBytes } = await readLimitedBody(req, bodyLimits, lease);
          record.wireBytes = wireBytes;
          record.bytes = Buffer.byteLength(text);
          const body = parseJson(text);
          record.body = body;
          const out = path === '/v1/readings' ? await postReadings(agent, body, fault, res) : await postHeartbeat(agent, body, res);
          record.status = out.status;
          record.response = out.response;
          return;
        }
        const out = await providerRoute(principal, req, url, lease);
        record.status = out.status;
        if (out.csv) {
          const body = Buffer.from(out.csv.text, 'utf8');
          res.writeHead(out.status, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${out.csv.filename}"`, 'content-length': String(body.length), 'cache-control': 'no-store' });
          res.end(body);
        } else send(res, out.status, out.body);
      } catch (err) {
        fail(err, res, record, path);
      } finally {
        budget.give(lease.held);
        active--;
        remember(record);
      }
    };

    const server: HttpsServer = createHttpsServer(
      {
        cert: pair.cert,
        key: pair.key,
        minVersion: 'TLSv1.2',
        ...(opts.clientCa ? { ca: opts.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
      },
      (req, res) => {
        void handle(req, res);
      },
    );
    server.keepAliveTimeout = 30_000;
    const listen: ListenOptions & { reusePort?: boolean } = { port: opts.port ?? 0, host, ...(opts.reusePort ? { reusePort: true } : {}) };
    await new Promise<void>((resolve, reject) => {
      const onError = (err: NodeJS.ErrnoException) =>
        reject(new MeterboxError('MBX_RECEIVER_BIND', `cannot listen on ${host}:${opts.port ?? 0} (${err.code ?? err.message})`, { host, port: opts.port }, { cause: err }));
      server.once('error', onError);
      server.listen(listen, () => {
        server.off('error', onError);
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
    const url = `https://${urlHost}:${port}`;

    let admin: HttpServer | undefined;
    let adminUrl: string | undefined;
    if (opts.adminPort !== undefined) {
      admin = createHttpServer((req, res) => {
        void (async () => {
          const lease: Lease = { held: 0 };
          try {
            // The same bearer tokens as the API, and only the admin role: fault switches can stop every agent's delivery.
            requireRole(await authenticate(req), 'admin');
            const path = new URL(req.url ?? '/', 'http://admin').pathname;
            if (path === '/faults' && req.method === 'GET') return send(res, 200, faults.pending());
            if (path === '/faults' && req.method === 'DELETE') {
              faults.clear();
              return send(res, 200, faults.pending());
            }
            const { text } = await readLimitedBody(req, { ...bodyLimits, maxBody: 64 * 1024 }, lease);
            if (path === '/faults' && req.method === 'POST') {
              faults.inject(parseJson(text) as FaultPlan);
              log.warn({ plan: faults.pending() }, 'fault injection armed');
              return send(res, 200, faults.pending());
            }
            if (path === '/commands' && req.method === 'POST') {
              const b = parseJson(text) as { agentId?: unknown; name?: unknown };
              if (typeof b.agentId !== 'string' || typeof b.name !== 'string') throw new HttpError(400, 'bad-command', 'expected { agentId, name }');
              return send(res, 200, { queued: true, ...(await store.queueCommand(b.agentId, b.name, now(), commandTtl)) });
            }
            throw new HttpError(404, 'not-found', 'admin routes: GET|POST|DELETE /faults, POST /commands');
          } catch (err) {
            const e = err instanceof HttpError ? err : new HttpError(500, 'internal', (err as Error).message);
            send(res, e.status, errorBody(e.code, e.message), e.headers);
          } finally {
            budget.give(lease.held);
          }
        })();
      });
      // Loopback only, whatever the public listener is bound to: fault switches must not be reachable from the network.
      await new Promise<void>((resolve, reject) => {
        (admin as HttpServer).once('error', reject);
        (admin as HttpServer).listen(opts.adminPort, '127.0.0.1', () => resolve());
      });
      adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
      log.warn({ adminUrl }, 'fault injection enabled (admin token required)');
    }

    const maintenance = startMaintenance({
      store,
      now,
      staleAfterSeconds: staleAfter,
      heartbeatRetentionSeconds: opts.heartbeatRetentionSeconds ?? 7 * 86_400,
      intervalMs: opts.sweepIntervalMs ?? Math.min(30_000, Math.max(1000, (staleAfter * 1000) / 4)),
      nodeId,
      log,
      onSwept: () => void sweeps++,
      ...(opts.webhook ? { webhook: opts.webhook } : {}),
    });

    log.info({ url, fingerprint: pair.fingerprint, selfSigned: pair.selfSigned, store: store.kind, location: store.location, schemaVersion, adminUrl, limits }, 'receiver listening');
    let closed = false;
    return {
      url,
      host,
      port,
      fingerprint: pair.fingerprint,
      certPem: pair.cert,
      faults,
      store,
      ...(adminUrl ? { adminUrl } : {}),
      queueCommand: (agentId, name, ttlSeconds) => store.queueCommand(agentId, name, now(), ttlSeconds ?? commandTtl),
      agents: () => store.agents(now(), staleAfter, auth.fileAgents()),
      devices: (filter) => store.devices(filter),
      readings: (filter) => store.readings(filter),
      readingCount: () => store.readingCount(),
      status,
      requests: () => [...seen],
      clearRequests: () => {
        seen.length = 0;
      },
      close: async () => {
        if (closed) return;
        closed = true;
        // Stop taking connections, let requests in flight finish (a few seconds at most), then cut the rest.
        const stopped = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        for (let waited = 0; active > 0 && waited < 5000; waited += 50) await sleep(50);
        server.closeAllConnections();
        await stopped;
        if (admin) {
          admin.closeAllConnections();
          await new Promise<void>((r) => (admin as HttpServer).close(() => r()));
        }
        await maintenance.stop();
        await store.close();
      },
    };
  }
}
