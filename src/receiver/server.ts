/**
 * The receiver's HTTPS server: routes, auth, validation, storage, fault injection.
 * Plain node:https (no framework): five routes do not need one, and every byte of the exchange
 * (gzip, limits, resets) stays visible for the tests.
 */
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { pino, type Logger } from 'pino';
import { MeterboxError } from '../errors.js';
import { ReceiverDb, type IncomingReading } from './db.js';
import { Faults } from './faults.js';
import { apiValidators } from './schema.js';
import { loadCertPair } from './tls.js';
import { agentForToken, loadTokens } from './tokens.js';
import type { FaultPlan, ReceiverOptions, RunningReceiver, SeenRequest } from './types.js';

const gunzipAsync = promisify(gunzip);

/** Log paths that may hold secrets; pino replaces them with [Redacted]. */
export const RECEIVER_REDACT = ['req.headers.authorization', 'headers.authorization', 'authorization', 'token', '*.token', 'tokens'];

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

async function readBody(req: IncomingMessage, maxBytes: number): Promise<{ raw: Buffer; text: string }> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of req) {
    const b = c as Buffer;
    n += b.length;
    if (n > maxBytes) throw new HttpError(413, 'too-large', `request body over ${maxBytes} bytes`);
    chunks.push(b);
  }
  const raw = Buffer.concat(chunks);
  const enc = String(req.headers['content-encoding'] ?? 'identity').toLowerCase();
  if (enc === 'identity' || enc === '') return { raw, text: raw.toString('utf8') };
  if (enc !== 'gzip') throw new HttpError(415, 'unsupported-encoding', `Content-Encoding ${enc} is not supported (gzip or identity)`);
  try {
    const out = await gunzipAsync(raw, { maxOutputLength: maxBytes });
    return { raw, text: out.toString('utf8') };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw new HttpError(413, 'too-large', `request body over ${maxBytes} bytes once decompressed`);
    throw new HttpError(400, 'bad-gzip', `the body is not valid gzip: ${(err as Error).message}`);
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new HttpError(400, 'bad-json', `the body is not JSON: ${(err as Error).message}`);
  }
}

export async function startReceiver(opts: ReceiverOptions): Promise<RunningReceiver> {
  const host = opts.host ?? '127.0.0.1';
  const now = opts.now ?? (() => new Date());
  const log: Logger = (opts.logger ?? pino({ level: process.env.METERBOX_LOG_LEVEL ?? 'info', redact: RECEIVER_REDACT }, pino.destination(2))).child({ component: 'receiver' });
  const staleAfter = opts.staleAfterSeconds ?? 900;
  const maxBody = opts.maxBodyBytes ?? 16 * 1024 * 1024;
  if (!opts.tokens && !opts.tokensFile) throw new MeterboxError('MBX_RECEIVER_TOKENS', 'the receiver needs agent tokens (--tokens FILE)');
  let tokens = opts.tokens ?? loadTokens(opts.tokensFile as string);
  const reloadTokens = () => {
    if (!opts.tokensFile) return;
    try {
      tokens = loadTokens(opts.tokensFile);
    } catch (err) {
      log.warn({ path: opts.tokensFile, err: (err as Error).message }, 'tokens file unreadable; keeping the previous tokens');
    }
  };
  const pair = await loadCertPair({ ...opts, host });
  const db = new ReceiverDb(opts.dbPath);
  const faults = new Faults();
  const v = apiValidators();
  const seen: SeenRequest[] = [];
  const remember = (r: SeenRequest) => {
    seen.push(r);
    if (seen.length > 1000) seen.splice(0, seen.length - 1000);
  };

  const authenticate = (req: IncomingMessage): string => {
    const h = req.headers.authorization;
    const m = typeof h === 'string' ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    if (!m) throw new HttpError(401, 'no-token', 'missing Authorization: Bearer <agent token>');
    let agent = agentForToken(tokens, m[1] as string);
    if (!agent && opts.tokensFile) {
      reloadTokens();
      agent = agentForToken(tokens, m[1] as string);
    }
    if (!agent) throw new HttpError(401, 'bad-token', 'unknown agent token');
    return agent;
  };

  const postReadings = async (agent: string, body: unknown, fault: ReturnType<Faults['decide']>, res: ServerResponse) => {
    const envelope = v.check('ReadingsRequest', body);
    if (envelope.length > 0) throw new HttpError(400, 'invalid-request', `not a readings request: ${envelope.join('; ')}`);
    const b = body as { agentId: string; readings: Record<string, unknown>[] };
    if (b.agentId !== agent) throw new HttpError(403, 'agent-mismatch', `this token belongs to agent '${agent}', not '${b.agentId}'`);
    const valid: IncomingReading[] = [];
    const rejected: { id: string; reason: string }[] = [];
    b.readings.forEach((r, i) => {
      const id = typeof r.id === 'string' && r.id.length > 0 ? r.id : `#${i}`;
      const problems = v.check('Reading', r);
      if (problems.length > 0) {
        rejected.push({ id, reason: `invalid reading: ${problems.join('; ')}` });
        return;
      }
      const d = r.device as { key: string; vendor?: string; model?: string; serial?: string };
      valid.push({ id, readAt: r.readAt as string, deviceKey: d.key, vendor: d.vendor, model: d.model, serial: d.serial, counters: r.counters as Record<string, number>, body: JSON.stringify(r) });
    });
    const take = fault.partialAccept !== undefined ? valid.slice(0, Math.max(0, fault.partialAccept)) : valid;
    const stored = db.storeReadings(agent, take, now().toISOString());
    const receipt = { accepted: stored.accepted, duplicate: stored.duplicate, rejected };
    log.info({ agentId: agent, accepted: stored.accepted.length, duplicate: stored.duplicate.length, rejected: rejected.length, left: valid.length - take.length }, 'readings batch');
    if (fault.reset === 'after-commit') {
      log.warn({ agentId: agent }, 'fault: resetting the connection after commit');
      res.socket?.destroy();
      return { status: 0, response: receipt };
    }
    send(res, 200, receipt);
    return { status: 200, response: receipt };
  };

  const postHeartbeat = (agent: string, body: unknown, res: ServerResponse) => {
    const problems = v.check('HeartbeatRequest', body);
    if (problems.length > 0) throw new HttpError(400, 'invalid-heartbeat', `not a heartbeat: ${problems.join('; ')}`);
    const b = body as { agentId: string; version: string };
    if (b.agentId !== agent) throw new HttpError(403, 'agent-mismatch', `this token belongs to agent '${agent}', not '${b.agentId}'`);
    const commands = db.recordHeartbeat(agent, now().toISOString(), b.version, JSON.stringify(body));
    const response = { serverTime: now().toISOString(), commands };
    log.info({ agentId: agent, commands: commands.length }, 'heartbeat');
    send(res, 200, response);
    return { status: 200, response };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://receiver');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const record: SeenRequest = { method, path, status: 0, bytes: 0, wireBytes: 0, headers: { ...req.headers, authorization: req.headers.authorization ? '[Redacted]' : undefined } };
    try {
      const fault = faults.decide(path);
      if (fault.delayMs > 0) await new Promise((r) => setTimeout(r, fault.delayMs));
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
      if (method === 'POST' && (path === '/v1/readings' || path === '/v1/heartbeat')) {
        const agent = authenticate(req);
        record.agentId = agent;
        const { raw, text } = await readBody(req, maxBody);
        record.wireBytes = raw.length;
        record.bytes = Buffer.byteLength(text);
        const body = parseJson(text);
        record.body = body;
        const out = path === '/v1/readings' ? await postReadings(agent, body, fault, res) : postHeartbeat(agent, body, res);
        record.status = out.status;
        record.response = out.response;
        return;
      }
      if (method === 'GET') {
        authenticate(req);
        let body: unknown;
        const m = /^\/v1\/devices\/([^/]+)\/readings$/.exec(path);
        if (path === '/v1/agents') body = { at: now().toISOString(), staleAfterSeconds: staleAfter, agents: db.agents(now(), staleAfter, Object.keys(tokens)) };
        else if (path === '/v1/devices') body = { devices: db.devices() };
        else if (m) {
          const key = decodeURIComponent(m[1] as string);
          const limit = Math.min(10_000, Math.max(1, Number(url.searchParams.get('limit') ?? 10_000) || 10_000));
          const rows = db.readings({ deviceKey: key, limit });
          if (rows.length === 0) throw new HttpError(404, 'unknown-device', `no readings of device '${key}'`);
          body = { readings: rows.map((r) => r.body) };
        } else throw new HttpError(404, 'not-found', `no route GET ${path}`);
        record.status = 200;
        send(res, 200, body);
        return;
      }
      throw new HttpError(404, 'not-found', `no route ${method} ${path}`);
    } catch (err) {
      const e = err instanceof HttpError ? err : new HttpError(500, 'internal', (err as Error).message);
      if (e.status >= 500) log.error({ path, err: (err as Error).message }, 'request failed');
      else log.info({ path, status: e.status, reason: e.message }, 'request refused');
      record.status = e.status;
      record.response = errorBody(e.code, e.message);
      if (!res.headersSent && !res.destroyed) {
        // An early answer (401, 413) while the client is still sending: close afterwards instead of reading the rest.
        send(res, e.status, record.response, e.status === 413 || e.status === 401 ? { connection: 'close' } : {});
      }
    } finally {
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
  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) =>
      reject(new MeterboxError('MBX_RECEIVER_BIND', `cannot listen on ${host}:${opts.port ?? 0} (${err.code ?? err.message})`, { host, port: opts.port }, { cause: err }));
    server.once('error', onError);
    server.listen(opts.port ?? 0, host, () => {
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
        try {
          const path = new URL(req.url ?? '/', 'http://admin').pathname;
          if (path === '/faults' && req.method === 'GET') return send(res, 200, faults.pending());
          if (path === '/faults' && req.method === 'DELETE') {
            faults.clear();
            return send(res, 200, faults.pending());
          }
          const { text } = await readBody(req, 64 * 1024);
          if (path === '/faults' && req.method === 'POST') {
            faults.inject(parseJson(text) as FaultPlan);
            return send(res, 200, faults.pending());
          }
          if (path === '/commands' && req.method === 'POST') {
            const b = parseJson(text) as { agentId?: unknown; name?: unknown };
            if (typeof b.agentId !== 'string' || typeof b.name !== 'string') throw new HttpError(400, 'bad-command', 'expected { agentId, name }');
            db.queueCommand(b.agentId, b.name, now().toISOString());
            return send(res, 200, { queued: true });
          }
          throw new HttpError(404, 'not-found', 'admin routes: GET|POST|DELETE /faults, POST /commands');
        } catch (err) {
          const e = err instanceof HttpError ? err : new HttpError(500, 'internal', (err as Error).message);
          send(res, e.status, errorBody(e.code, e.message));
        }
      })();
    });
    // Loopback only, whatever the public listener is bound to: fault switches must not be reachable from the network.
    await new Promise<void>((resolve, reject) => {
      (admin as HttpServer).once('error', reject);
      (admin as HttpServer).listen(opts.adminPort, '127.0.0.1', () => resolve());
    });
    adminUrl = `http://127.0.0.1:${(admin.address() as AddressInfo).port}`;
  }

  log.info({ url, fingerprint: pair.fingerprint, selfSigned: pair.selfSigned, db: opts.dbPath, adminUrl }, 'receiver listening');
  let closed = false;
  return {
    url,
    host,
    port,
    fingerprint: pair.fingerprint,
    certPem: pair.cert,
    faults,
    ...(adminUrl ? { adminUrl } : {}),
    queueCommand: (agentId, name) => db.queueCommand(agentId, name, now().toISOString()),
    agents: () => db.agents(now(), staleAfter, Object.keys(tokens)),
    devices: () => db.devices(),
    readings: (filter) => db.readings(filter),
    readingCount: () => db.readingCount(),
    requests: () => [...seen],
    clearRequests: () => {
      seen.length = 0;
    },
    close: async () => {
      if (closed) return;
      closed = true;
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      if (admin) {
        admin.closeAllConnections();
        await new Promise<void>((r) => (admin as HttpServer).close(() => r()));
      }
      db.close();
    },
  };
}
