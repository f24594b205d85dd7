/**
 * The box's status page: served at / of the health listener to this machine only, and, when the
 * config asks (health.lan), on a LAN listener of its own: HTTPS with the box's certificate (or
 * plain HTTP under `insecureHttp`, warned), behind a password. Read-only except two actions, each
 * guarded by a CSRF token and the same-origin check: "test communication" (the doctor's checks,
 * one run at a time) and "read now" (a poll, single-flight with the scheduled ones).
 *
 * Routes: GET / (the page), GET /api/status (its data; ETag), POST /api/read-now,
 * POST /api/test-communication, GET /assets/… (its scripts and style), and on the LAN listener
 * GET|POST /login and POST /logout.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Logger } from 'pino';
import { MeterboxError } from '../../contract/errors.js';
import { Assets } from '../shared/assets.js';
import { WebError, hostName, isLoopback, readBody, redirect, sameOrigin, sendBytes, sendError, sendHtml, sendJson } from '../shared/http.js';
import { escapeHtml, pageShell } from '../shared/page.js';
import { LoginThrottle, Sessions, processSecret } from '../shared/session.js';
import { pageCertificate } from './certificate.js';
import { StatusDocument } from './status.js';
import type { BoxSource, CommunicationCheck } from './types.js';

export interface LanOptions {
  host: string;
  port: number;
  password: string;
  insecureHttp: boolean;
  certFile?: string;
  keyFile?: string;
  /** Where a self-signed certificate is kept (the outbox's directory). */
  stateDir: string;
}

export interface BoxPage {
  /** The health listener's hook: answers the page's routes (for clients on this machine), false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse): boolean;
  /** The LAN listener, when configured. */
  lan?: { url: string; https: boolean; fingerprint?: string };
  close(): Promise<void>;
}

/** Who may use the page on a listener: this machine only, or the LAN after the password. */
type Access = { kind: 'local'; csrf: string } | { kind: 'lan'; sessions: Sessions; throttle: LoginThrottle; password: Buffer; https: boolean; fingerprint?: string };

const READ_NOW_WAIT_MS = 180_000;

const hash = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/** Host names a page on this machine is legitimately reached by (a DNS-rebinding site's name is not one). */
function localHost(req: IncomingMessage): boolean {
  const h = hostName(req.headers.host);
  return h === 'localhost' || isLoopback(h);
}

function loginPage(message?: string, https = true): string {
  const warn = https ? '' : '<p class="banner bad">This page is served over plain HTTP (health.lan.insecureHttp): the password crosses the network readable by anyone on it.</p>';
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    '<title>meterbox status: log in</title><link rel="stylesheet" href="/assets/style.css"></head><body>',
    '<main id="main" class="login"><h1>meterbox status page</h1>',
    warn,
    message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '',
    '<form method="post" action="/login"><label>Password of this box’s status page<input type="password" name="password" autocomplete="current-password" required autofocus></label>',
    '<button type="submit">Log in</button></form>',
    '<p class="muted">The password is the one set in the box’s configuration (health.lan.password).</p></main></body></html>',
  ].join('');
}

export async function startBoxPage(o: { source: BoxSource; log: Logger; lan?: LanOptions }): Promise<BoxPage> {
  const assets = new Assets('/assets/', ['client', 'box/client']);
  const local: Access = { kind: 'local', csrf: randomBytes(24).toString('base64url') };
  const status = new StatusDocument(o.source);
  let testing: Promise<CommunicationCheck[]> | undefined;

  const page = (csrf: string, a: Access) =>
    pageShell({
      title: `meterbox ${o.source.agentId()}: status`,
      styles: [assets.url('style.css')],
      script: assets.url('box/client/box.js'),
      modules: assets.modules('box/client/box.js'),
      data: {
        csrf,
        access: a.kind,
        ...(a.kind === 'lan' ? { https: String(a.https), ...(a.fingerprint ? { fingerprint: a.fingerprint } : {}) } : {}),
      },
      loading: 'Loading the status of this box…',
    });

  const testCommunication = async (): Promise<CommunicationCheck[]> => {
    const run = o.source.testCommunication;
    if (!run) throw new WebError(501, 'not-available', 'this build of meterbox cannot run the doctor’s checks');
    // One run at a time: a second click waits for the same answer.
    testing ??= run().finally(() => {
      testing = undefined;
    });
    return testing;
  };

  const act = async (path: string): Promise<unknown> => {
    if (path === '/api/test-communication') {
      o.log.info('status page: test communication');
      return { checks: await testCommunication() };
    }
    o.log.info('status page: read now');
    let timer: NodeJS.Timeout | undefined;
    const state = await Promise.race([
      o.source.readNow(),
      new Promise<undefined>((r) => {
        timer = setTimeout(() => r(undefined), READ_NOW_WAIT_MS);
      }),
    ]).finally(() => clearTimeout(timer));
    if (!state) return { ok: false, text: 'the poll is still running; its result will show on the page' };
    const failed = state.lastFailure !== undefined && state.lastFailure.at === state.lastFinishedAt;
    const s = state.lastSummary ?? {};
    return failed ? { ok: false, text: state.lastFailure?.reason ?? 'failed' } : { ok: true, text: `${String(s.ok ?? 0)} of ${String(s.devices ?? 0)} device(s) read, ${String(s.stored ?? 0)} reading(s) stored`, at: state.lastFinishedAt };
  };

  /** Answers one of the page's routes (isPageRoute); always sends an answer. */
  const route = async (req: IncomingMessage, res: ServerResponse, path: string, a: Access): Promise<void> => {
    const method = req.method ?? 'GET';
    let csrf: string;
    if (a.kind === 'local') {
      if (!isLoopback(req.socket.remoteAddress) || !localHost(req)) {
        throw new WebError(403, 'local-only', 'this listener shows the status page to this machine only; for the LAN, set health.lan (HTTPS and a password) in the configuration');
      }
      if (path === '/login' || path === '/logout') return void redirect(res, '/');
      csrf = a.csrf;
    } else {
      const ip = req.socket.remoteAddress ?? '?';
      if (path === '/login' && method === 'POST') {
        const wait = a.throttle.waitSeconds(ip);
        if (wait > 0) return void sendHtml(res, 429, loginPage(`Too many wrong passwords: try again in ${wait} s.`, a.https), { 'retry-after': String(wait) });
        if (!sameOrigin(req)) throw new WebError(403, 'cross-site', 'a login from another site is refused');
        const given = new URLSearchParams(await readBody(req)).get('password') ?? '';
        if (!timingSafeEqual(hash(given), a.password)) {
          a.throttle.failed(ip);
          o.log.warn({ from: ip }, 'status page: wrong password');
          return void sendHtml(res, 401, loginPage('Wrong password.', a.https));
        }
        a.throttle.succeeded(ip);
        const s = await a.sessions.issue('lan');
        o.log.info({ from: ip }, 'status page: logged in from the LAN');
        return void redirect(res, '/', { 'set-cookie': (s as NonNullable<typeof s>).setCookie });
      }
      if (path === '/login') return void sendHtml(res, 200, loginPage(undefined, a.https));
      const session = await a.sessions.verify(req);
      if (path === '/logout' && method === 'POST') {
        if (session && !a.sessions.csrfOk(req, session)) throw new WebError(403, 'csrf', 'the page’s CSRF token is missing or wrong; reload the page');
        return void redirect(res, '/login', { 'set-cookie': a.sessions.cleared() });
      }
      if (!session) {
        if (path.startsWith('/api/')) throw new WebError(401, 'login', 'log in again: the session has ended');
        return void redirect(res, '/login');
      }
      csrf = session.csrf;
    }
    if (path === '/' || path === '/index.html') {
      if (method !== 'GET' && method !== 'HEAD') throw new WebError(405, 'method', 'GET only', { allow: 'GET, HEAD' });
      return void sendHtml(res, 200, page(csrf, a));
    }
    if (path === '/api/status' && (method === 'GET' || method === 'HEAD')) {
      const body = status.body();
      const time = { 'x-server-time': new Date().toISOString(), etag: body.etag };
      if (req.headers['if-none-match'] === body.etag) {
        res.writeHead(304, { ...time, 'cache-control': 'no-store' }).end();
        return;
      }
      return void sendBytes(res, 200, 'application/json; charset=utf-8', body.text, time);
    }
    if ((path === '/api/read-now' || path === '/api/test-communication') && method === 'POST') {
      const sent = req.headers['x-csrf-token'];
      if (!sameOrigin(req) || typeof sent !== 'string' || sent.length !== csrf.length || !timingSafeEqual(Buffer.from(sent), Buffer.from(csrf))) {
        throw new WebError(403, 'csrf', 'the page’s CSRF token is missing or wrong; reload the page');
      }
      return void sendJson(res, 200, await act(path));
    }
    throw new WebError(404, 'not-found', `no ${method} ${path} on the status page`);
  };

  /** Takes the request when it is the page's (decided from the path, before any await); false leaves it to the listener. */
  const serve = (req: IncomingMessage, res: ServerResponse, a: Access): boolean => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';
    if ((method === 'GET' || method === 'HEAD') && assets.handle(req, res, path)) return true;
    if (!isPageRoute(path)) return false;
    route(req, res, path, a).catch((err: unknown) => {
      const e = err instanceof WebError ? err : new WebError(500, 'internal', (err as Error).message);
      if (e.status >= 500) o.log.error({ path, err: e.message }, 'status page request failed');
      sendError(res, e);
    });
    return true;
  };

  let lanServer: Server | undefined;
  let lan: BoxPage['lan'];
  if (o.lan) {
    const l = o.lan;
    const cert = l.insecureHttp ? undefined : await pageCertificate({ host: l.host, stateDir: l.stateDir, ...(l.certFile ? { certFile: l.certFile } : {}), ...(l.keyFile ? { keyFile: l.keyFile } : {}), log: o.log });
    const access: Access = {
      kind: 'lan',
      https: !l.insecureHttp,
      password: hash(l.password),
      throttle: new LoginThrottle(() => Date.now()),
      sessions: (() => {
        const secret = processSecret();
        return new Sessions({ cookieName: 'mbx_box_session', path: '/', secure: !l.insecureHttp, ttlMs: 8 * 3600_000, now: () => Date.now(), material: async (s) => (s === 'lan' ? secret : undefined) });
      })(),
      ...(cert ? { fingerprint: cert.fingerprint } : {}),
    };
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      if (!serve(req, res, access)) sendError(res, new WebError(404, 'not-found', 'not found; the status page is at /'));
    };
    lanServer = cert ? createHttpsServer({ cert: cert.cert, key: cert.key, minVersion: 'TLSv1.2' }, handler) : createHttpServer(handler);
    lanServer.keepAliveTimeout = 5000;
    const server = lanServer;
    await new Promise<void>((resolve, reject) => {
      server.once('error', (err: NodeJS.ErrnoException) =>
        reject(new MeterboxError('MBX_DAEMON_HEALTH_BIND', `status page (health.lan): cannot listen on ${l.host}:${l.port} (${err.code ?? err.message}); change health.lan.port`, { host: l.host, port: l.port }, { cause: err })),
      );
      server.listen(l.port, l.host, () => {
        server.removeAllListeners('error');
        server.on('error', (err) => o.log.error({ err: err.message }, 'status page listener error'));
        resolve();
      });
    });
    const port = (server.address() as AddressInfo).port;
    const shownHost = l.host === '0.0.0.0' || l.host === '::' ? '<this box’s address>' : l.host.includes(':') ? `[${l.host}]` : l.host;
    lan = { url: `${cert ? 'https' : 'http'}://${shownHost}:${port}/`, https: !!cert, ...(cert ? { fingerprint: cert.fingerprint } : {}) };
    if (cert) o.log.info({ url: lan.url, port, fingerprint: cert.fingerprint, selfSigned: cert.selfSigned, certificate: cert.file }, 'status page on the LAN (HTTPS, password); check this certificate fingerprint in the browser');
    else o.log.warn({ url: lan.url, port }, 'status page on the LAN over plain HTTP (health.lan.insecureHttp): the password and the page cross the network unencrypted');
  }

  return {
    handle: (req, res) => serve(req, res, local),
    ...(lan ? { lan } : {}),
    close: async () => {
      if (!lanServer) return;
      const s = lanServer;
      await new Promise<void>((r) => {
        s.close(() => r());
        s.closeAllConnections();
      });
    },
  };
}

function isPageRoute(path: string): boolean {
  return path === '/' || path === '/index.html' || path.startsWith('/api/') || path === '/login' || path === '/logout';
}
