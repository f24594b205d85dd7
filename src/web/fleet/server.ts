/**
 * The provider's fleet view, served by `meterbox receiver` under /fleet/ beside the API. Provider
 * tokens only, with the receiver's roles: a person logs in with a provider token and gets a
 * session cookie (HttpOnly, Secure, SameSite=Strict) signed with that token's stored hash, so
 * every receiver node accepts it and revoking the token ends it; `read` sees everything, `admin`
 * may also queue read-now / discover-now for an agent (CSRF token and same-origin check).
 *
 * Pages: /fleet/agents, /fleet/devices, /fleet/device?agent=&key=, /fleet/billing, /fleet/login.
 * Data: /fleet/api/agents, /fleet/api/devices, /fleet/api/device-flags, /fleet/api/device, /fleet/api/billing.csv,
 * POST /fleet/api/commands, POST /fleet/logout. Scripts, styles and uPlot from /fleet/assets/.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { BillingContract } from '../../billing/index.js';
import type { ReceiverStore } from '../../receiver/store/types.js';
import type { Principal } from '../../receiver/types.js';
import { Assets } from '../shared/assets.js';
import { WebError, readBody, redirect, sameOrigin, sendError, sendHtml, sendJson } from '../shared/http.js';
import { escapeHtml, pageShell } from '../shared/page.js';
import { LoginThrottle, Sessions, type Session } from '../shared/session.js';
import { BILLING_EXPORT, METERS_EXPORT, billingFileName, exportCsv, parseBillingPeriod, type BillingDevice, type BillingExport } from './billing.js';
import { BILLING_FLAGS, FleetData } from './data.js';

export const FLEET_PREFIX = '/fleet/';

export interface FleetViewOptions {
  store: ReceiverStore;
  /** Who a bearer token belongs to (the receiver's Authenticator). */
  principal: (token: string) => Promise<Principal | undefined>;
  /** A live provider token by id, with its stored hash (the key material of its sessions). */
  providerById: (tokenId: string) => Promise<{ principal: Principal & { kind: 'provider' }; hash: string } | undefined>;
  fileAgents: () => string[];
  now: () => Date;
  staleAfterSeconds: number;
  /** Commands an admin may queue from the page (the receiver's allow-list). */
  commands: readonly string[];
  commandTtlSeconds: number;
  log: Logger;
  /** The billing page's downloads (default: the meters export, then the contract units export). */
  billingExports?: readonly BillingExport[];
  /** The billing contract of the figures (default: the contract). */
  contract?: BillingContract;
}

export interface FleetView {
  /** Takes /fleet/… (and / , which leads there); false for anything else. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean;
}

const VIEWS = ['agents', 'devices', 'device', 'billing'] as const;
type View = (typeof VIEWS)[number];

function loginPage(message?: string): string {
  return [
    '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">',
    `<title>meterbox fleet: log in</title><link rel="stylesheet" href="${FLEET_PREFIX}assets/style.css"></head><body>`,
    '<main id="main" class="login"><h1>meterbox fleet view</h1>',
    message ? `<p class="error" role="alert">${escapeHtml(message)}</p>` : '',
    `<form method="post" action="${FLEET_PREFIX}login"><label>Provider token<input type="password" name="token" autocomplete="current-password" required autofocus></label>`,
    '<button type="submit">Log in</button></form>',
    '<p class="muted">A provider token with the read or admin role (<code>meterbox receiver token add --provider NAME --role read</code>). Agent tokens cannot log in.</p>',
    '</main></body></html>',
  ].join('');
}

export function createFleetView(o: FleetViewOptions): FleetView {
  const assets = new Assets(`${FLEET_PREFIX}assets/`, ['client', 'fleet/client'], true);
  const data = new FleetData(o.store, o.now, o.staleAfterSeconds, o.fileAgents, o.contract);
  const exports = o.billingExports ?? [METERS_EXPORT, BILLING_EXPORT];
  const nowMs = () => o.now().getTime();
  const sessions = new Sessions({
    cookieName: 'mbx_fleet_session',
    path: FLEET_PREFIX.slice(0, -1),
    secure: true,
    ttlMs: 8 * 3600_000,
    now: nowMs,
    material: async (tokenId) => (await o.providerById(tokenId))?.hash,
  });
  const throttle = new LoginThrottle(nowMs);

  const shell = (view: View, s: Session, p: Principal & { kind: 'provider' }, extra: Record<string, string> = {}) =>
    pageShell({
      title: `meterbox fleet: ${view}`,
      styles: [assets.url('style.css'), ...(view === 'device' ? [assets.url('vendor/uPlot.min.css')] : [])],
      ...(view === 'device' ? { before: [assets.url('vendor/uPlot.iife.min.js')] } : {}),
      script: assets.url('fleet/client/fleet.js'),
      modules: assets.modules('fleet/client/fleet.js'),
      data: { view, csrf: s.csrf, role: p.role, user: p.name, prefix: FLEET_PREFIX, ...extra },
      loading: 'Loading the fleet…',
    });

  const login = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const ip = req.socket.remoteAddress ?? '?';
    const wait = throttle.waitSeconds(ip);
    if (wait > 0) return sendHtml(res, 429, loginPage(`Too many failed logins from here: try again in ${wait} s.`), { 'retry-after': String(wait) });
    if (!sameOrigin(req)) throw new WebError(403, 'cross-site', 'a login from another site is refused');
    const token = (new URLSearchParams(await readBody(req)).get('token') ?? '').trim();
    const p = token ? await o.principal(token) : undefined;
    if (!p || p.kind !== 'provider') {
      throttle.failed(ip);
      o.log.info({ from: ip, agentToken: p?.kind === 'agent' }, 'fleet view: login refused');
      return sendHtml(res, p ? 403 : 401, loginPage(p ? 'An agent token cannot open the fleet view: log in with a provider token.' : 'Unknown or revoked token.'));
    }
    throttle.succeeded(ip);
    const issued = await sessions.issue(p.tokenId);
    if (!issued) return sendHtml(res, 401, loginPage('Unknown or revoked token.'));
    o.log.info({ from: ip, provider: p.name, role: p.role }, 'fleet view: logged in');
    redirect(res, `${FLEET_PREFIX}agents`, { 'set-cookie': issued.setCookie });
  };

  const billingCsv = async (res: ServerResponse, url: URL): Promise<void> => {
    const ex = exports.find((e) => e.id === (url.searchParams.get('export') ?? exports[0]?.id));
    if (!ex) throw new WebError(400, 'bad-export', `export must be one of ${exports.map((e) => e.id).join(', ')}`);
    const period = parseBillingPeriod(url.searchParams.get('from') ?? undefined, url.searchParams.get('to') ?? undefined);
    if (typeof period === 'string') throw new WebError(400, period.startsWith('the period') ? 'bad-period' : 'bad-date', period);
    const agent = url.searchParams.get('agent') ?? '';
    const devices: BillingDevice[] = (await data.devices()).filter((d) => !agent || d.agentId === agent).sort((a, b) => a.agentId.localeCompare(b.agentId) || a.key.localeCompare(b.key));
    const body = Buffer.from(await exportCsv(ex, { period, devices, usage: (d) => data.usage.usage(d, period) }), 'utf8');
    res.writeHead(200, { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${billingFileName(ex.id, period, agent)}"`, 'content-length': String(body.length), 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };

  const route = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    const path = url.pathname;
    const method = req.method ?? 'GET';
    if (path === '/' || path === '/fleet' || path === FLEET_PREFIX) return redirect(res, `${FLEET_PREFIX}agents`);
    if (path === `${FLEET_PREFIX}login`) return method === 'POST' ? login(req, res) : sendHtml(res, 200, loginPage());
    const s = await sessions.verify(req);
    const who = s ? await o.providerById(s.subject) : undefined;
    const api = path.startsWith(`${FLEET_PREFIX}api/`);
    if (path === `${FLEET_PREFIX}logout` && method === 'POST') {
      if (s && !sessions.csrfOk(req, s)) throw new WebError(403, 'csrf', 'the page’s CSRF token is missing or wrong; reload the page');
      return redirect(res, `${FLEET_PREFIX}login`, { 'set-cookie': sessions.cleared() });
    }
    if (!s || !who) {
      if (api) throw new WebError(401, 'login', 'log in with a provider token: the session is missing, ended, or its token was revoked');
      return redirect(res, `${FLEET_PREFIX}login`);
    }
    const p = who.principal;
    if (method === 'POST') {
      if (!sessions.csrfOk(req, s)) throw new WebError(403, 'csrf', 'the page’s CSRF token is missing or wrong; reload the page');
      if (path !== `${FLEET_PREFIX}api/commands`) throw new WebError(404, 'not-found', `no POST ${path}`);
      if (p.role !== 'admin') throw new WebError(403, 'forbidden', 'queuing a command needs a provider token with the admin role');
      const b = JSON.parse((await readBody(req)) || '{}') as { agentId?: unknown; name?: unknown };
      if (typeof b.agentId !== 'string' || !(await o.store.agents(o.now(), o.staleAfterSeconds, o.fileAgents())).some((a) => a.agentId === b.agentId)) throw new WebError(400, 'bad-agent', 'no such agent');
      if (typeof b.name !== 'string' || !o.commands.includes(b.name)) throw new WebError(400, 'bad-command', `name must be one of ${o.commands.join(', ')}`);
      const queued = await o.store.queueCommand(b.agentId, b.name, o.now(), o.commandTtlSeconds);
      o.log.info({ agentId: b.agentId, command: b.name, id: queued.id, by: p.name }, 'fleet view: command queued');
      return sendJson(res, 201, queued);
    }
    if (method !== 'GET' && method !== 'HEAD') throw new WebError(405, 'method', 'GET only', { allow: 'GET, HEAD' });
    const time = { 'x-server-time': o.now().toISOString() };
    switch (path) {
      case `${FLEET_PREFIX}api/agents`:
        return sendJson(res, 200, { staleAfterSeconds: o.staleAfterSeconds, agents: await data.agents() }, time);
      case `${FLEET_PREFIX}api/devices`:
        return sendJson(res, 200, { flags: [...new Set(Object.values(BILLING_FLAGS))], devices: await data.devices() }, time);
      case `${FLEET_PREFIX}api/device-flags`:
        return sendJson(res, 200, { devices: await data.flags() }, time);
      case `${FLEET_PREFIX}api/device`: {
        const days = Math.min(400, Math.max(7, Number(url.searchParams.get('days') ?? 90) || 90));
        const page = await data.device(url.searchParams.get('agent') ?? '', url.searchParams.get('key') ?? '', days);
        if (!page) throw new WebError(404, 'unknown-device', 'this agent reports no such device');
        return sendJson(res, 200, page, time);
      }
      case `${FLEET_PREFIX}api/billing`:
        return sendJson(res, 200, { exports: exports.map((e) => ({ id: e.id, title: e.title, description: e.description })) }, time);
      case `${FLEET_PREFIX}api/billing.csv`:
        return billingCsv(res, url);
    }
    const view = VIEWS.find((v) => path === `${FLEET_PREFIX}${v}`);
    if (!view) throw new WebError(404, 'not-found', `no page ${path}`);
    return sendHtml(res, 200, shell(view, s, p));
  };

  return {
    handle(req, res, url) {
      const path = url.pathname;
      if (path !== '/' && path !== '/fleet' && !path.startsWith(FLEET_PREFIX)) return false;
      if ((req.method === 'GET' || req.method === 'HEAD') && assets.handle(req, res, path)) return true;
      route(req, res, url).catch((err: unknown) => {
        const e = err instanceof WebError ? err : err instanceof SyntaxError ? new WebError(400, 'bad-json', 'the body is not JSON') : new WebError(500, 'internal', (err as Error).message);
        if (e.status >= 500) o.log.error({ path, err: e.message }, 'fleet view request failed');
        sendError(res, e);
      });
      return true;
    },
  };
}
