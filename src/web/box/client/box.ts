/**
 * The box's status page in the browser: draws /api/status, asks again every few seconds (a 304
 * redraws nothing but the ages), and runs the two actions. Supplies are bars only where the
 * printer gave a level and a capacity; the Printer-MIB's special values (-1 other, -2 unknown,
 * -3 "some remaining") are said in words, never drawn as a guess.
 */
import { HttpProblem, SortableTable, api, duration, fill, h, num, refreshAges, serverNow, timeAgo, type Child } from '../../client/dom.js';
import { supplyBars } from '../../client/supply-bars.js';
import type { Attempt, BoxDevice as Device, BoxStatus as Status } from '../status.js';
import type { CommunicationCheck as Check } from '../types.js';

const REFRESH_MS = 5000;
const body = document.body.dataset;
let etag: string | undefined;
let status: Status | undefined;
let filter = '';
let unreachableSince: number | undefined;

function counterList(d: Device): Child {
  if (d.counters.length === 0) return h('span', { class: 'muted' }, d.lastReadingAt ? 'no counter' : 'not read yet');
  const dl = h('dl', { class: 'counters' });
  for (const c of d.counters) dl.append(h('dt', {}, c.name), h('dd', {}, h('span', { title: c.source ? `OID ${c.source}` : 'source not recorded', 'data-counter': c.name, 'data-oid': c.source ?? '' }, num(c.value))));
  return dl;
}

function alertList(d: Device): Child {
  const items = [...d.alerts.map((a) => `${a.severity}: ${a.text ?? a.code}`), ...d.problems.map((p) => `data problem: ${p}`)];
  if (items.length === 0) return h('span', { class: 'muted' }, d.status.device ? `${d.status.device}${d.status.printer ? `, ${d.status.printer}` : ''}` : '—');
  return h('ul', { class: 'alerts' }, ...items.map((t) => h('li', {}, t)));
}

const devices = new SortableTable<Device>(
  'devices',
  'Devices this box reads',
  [
    { key: 'host', label: 'Host', sort: (d) => d.host.split('.').map((p) => p.padStart(3, '0')).join('.'), cell: (d) => d.host },
    { key: 'vendor', label: 'Vendor', sort: (d) => d.vendor, cell: (d) => (d.brand ? `${d.vendor} (${d.brand})` : d.vendor) },
    { key: 'model', label: 'Model', sort: (d) => d.model, cell: (d) => d.model ?? '—' },
    { key: 'serial', label: 'Serial', sort: (d) => d.serial, cell: (d) => h('span', { 'data-serial': d.serial ?? '' }, d.serial ?? '—') },
    { key: 'contract', label: 'Under contract', sort: (d) => (d.underContract ? 0 : 1), cell: (d) => (d.underContract ? 'yes' : 'no (listed only)') },
    { key: 'last', label: 'Last reading', sort: (d) => d.lastReadingAt, cell: (d) => timeAgo(d.lastReadingAt) },
    { key: 'counters', label: 'Counters', cell: counterList },
    { key: 'supplies', label: 'Supplies', cell: (d) => supplyBars(d.supplies) },
    { key: 'alerts', label: 'Alerts', cell: alertList },
  ],
  (d) => ({ 'data-device': d.key }),
  { key: 'host' },
);

const events = new SortableTable<Status['events'][number]>(
  'events',
  'Recent events of this box',
  [
    { key: 'at', label: 'When', sort: (e) => e.at, cell: (e) => timeAgo(e.at) },
    { key: 'severity', label: 'Severity', sort: (e) => e.severity, cell: (e) => h('span', { class: `badge ${e.severity === 'error' ? 'fail' : e.severity === 'warning' ? 'warn' : 'pass'}` }, e.severity) },
    { key: 'kind', label: 'Kind', sort: (e) => e.kind, cell: (e) => e.kind },
    { key: 'device', label: 'Device', sort: (e) => e.deviceKey, cell: (e) => e.deviceKey ?? '—' },
    { key: 'message', label: 'What happened', cell: (e) => e.message },
  ],
  () => ({}),
  { key: 'at', descending: true },
);

function attemptLine(a: Attempt | undefined, never: string): Child[] {
  if (!a) return [never];
  return [h('span', { class: `badge ${a.ok ? 'ok' : 'fail'}` }, a.ok ? 'ok' : 'failed'), ' ', timeAgo(a.at), ': ', a.text];
}

function matches(d: Device, f: string): boolean {
  if (!f) return true;
  return [d.host, d.vendor, d.brand, d.model, d.serial, d.key].some((v) => v?.toLowerCase().includes(f));
}

function layout(): void {
  const lan = body.access === 'lan';
  const main = h(
    'main',
    { id: 'main' },
    lan && body.https !== 'true' ? h('p', { class: 'banner bad', role: 'note' }, 'Served over plain HTTP (health.lan.insecureHttp): this page and its password cross the network readable by anyone on it.') : null,
    lan && body.fingerprint ? h('p', { class: 'muted' }, 'This box’s certificate: SHA-256 ', h('code', { id: 'fingerprint' }, body.fingerprint), '. Compare it with what the browser shows.') : null,
    h('p', { id: 'unreachable', class: 'banner bad', role: 'alert', hidden: true }),
    h(
      'div',
      { class: 'cards' },
      h('section', { class: 'card', 'aria-labelledby': 'h-health' }, h('h2', { id: 'h-health' }, 'Health'), h('div', { id: 'health' })),
      h('section', { class: 'card', 'aria-labelledby': 'h-provider' }, h('h2', { id: 'h-provider' }, 'Provider'), h('div', { id: 'provider' })),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'h-actions' },
        h('h2', { id: 'h-actions' }, 'Actions'),
        h(
          'div',
          { class: 'actions' },
          h('button', { type: 'button', id: 'test-communication', onclick: () => void testCommunication() }, 'Test communication'),
          h('button', { type: 'button', id: 'read-now', class: 'secondary', onclick: () => void readNow() }, 'Read now'),
        ),
        h('p', { class: 'muted' }, 'Test communication runs the installer checks (config, database, disk, clock, the way to the provider, SNMP). Read now polls every device once.'),
        h('div', { id: 'action-result', class: 'result', role: 'status', 'aria-live': 'polite' }),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'h-devices' },
      h('h2', { id: 'h-devices' }, 'Devices (', h('span', { id: 'device-count' }, '0'), ')'),
      h(
        'div',
        { class: 'filters' },
        h(
          'label',
          {},
          'Filter by host, vendor, model or serial',
          h('input', {
            type: 'search',
            id: 'device-filter',
            oninput: (ev: Event) => {
              filter = (ev.target as HTMLInputElement).value.trim().toLowerCase();
              drawDevices();
            },
          }),
        ),
      ),
      devices.element,
    ),
    h('section', { 'aria-labelledby': 'h-events' }, h('h2', { id: 'h-events' }, 'Recent events'), events.element),
  );
  const header = h(
    'header',
    { class: 'top' },
    h('h1', { id: 'title' }, 'meterbox'),
    h('span', { id: 'health-badge' }),
    h('span', { id: 'agent-facts', class: 'muted' }),
    lan ? h('form', { method: 'post', action: '/logout', id: 'logout', onsubmit: (ev: Event) => void logout(ev) }, h('button', { type: 'submit', class: 'secondary' }, 'Log out')) : null,
  );
  const footer = h('footer', {}, 'Served by this box itself; read-only except the two actions. ', h('span', { id: 'updated' }));
  document.getElementById('app')?.replaceChildren(header, main, footer);
}

function drawDevices(): void {
  const list = (status?.devices ?? []).filter((d) => matches(d, filter));
  fill('device-count', String(status?.devices.length ?? 0), filter ? ` (${list.length} shown)` : '');
  devices.update(list);
}

function draw(s: Status): void {
  document.title = `meterbox ${s.agent.id}: ${s.health.status}`;
  fill('title', `meterbox ${s.agent.id}`);
  fill('health-badge', h('span', { class: `badge ${s.health.status}`, id: 'health-status' }, s.health.status));
  fill('agent-facts', `version ${s.agent.version} · up `, h('span', { id: 'uptime', 'data-since': s.agent.startedAt }, duration((serverNow() - Date.parse(s.agent.startedAt)) / 1000)));
  fill(
    'health',
    h('p', {}, h('span', { class: `badge ${s.health.status}` }, s.health.status), ' ', s.health.status === 'ok' ? 'The box runs, sees its printers and delivers.' : ''),
    s.health.reasons.length > 0 ? h('ul', { id: 'health-reasons' }, ...s.health.reasons.map((r) => h('li', {}, r))) : null,
    s.health.warnings.length > 0 ? h('ul', { id: 'health-warnings' }, ...s.health.warnings.map((w) => h('li', {}, 'warning: ', w))) : null,
    h('p', { class: 'muted' }, 'Last poll: ', ...attemptLine(s.lastPoll, 'none yet')),
  );
  const o = s.provider.outbox;
  fill(
    'provider',
    h(
      'dl',
      { class: 'facts' },
      h('dt', {}, 'Provider'),
      h('dd', {}, s.provider.url),
      h('dt', {}, 'Last upload'),
      h('dd', { id: 'last-upload' }, ...attemptLine(s.provider.lastUpload, 'none yet')),
      h('dt', {}, 'Readings last delivered'),
      h('dd', {}, ...(s.provider.lastDelivery ? [`${num(s.provider.lastDelivery.count)} reading(s), `, timeAgo(s.provider.lastDelivery.at)] : ['none yet'])),
      h('dt', {}, 'Last heartbeat'),
      h('dd', { id: 'last-heartbeat' }, ...attemptLine(s.provider.lastHeartbeat, 'none yet')),
      h('dt', {}, 'Outbox'),
      h('dd', { id: 'outbox' }, o ? `${num(o.pending)} pending, ${num(o.delivered)} delivered, ${num(o.rejected)} set aside` : 'not open'),
      h('dt', {}, 'Oldest pending'),
      h('dd', {}, o?.oldestPendingAt ? timeAgo(o.oldestPendingAt) : 'nothing pending'),
    ),
    h('h3', {}, 'Last errors'),
    s.provider.errors.length === 0 ? h('p', { class: 'muted' }, 'none') : h('ul', { id: 'errors' }, ...s.provider.errors.map((e) => h('li', {}, timeAgo(e.at), ` (${e.what}): `, e.text))),
  );
  drawDevices();
  events.update(s.events);
}

async function refresh(): Promise<void> {
  try {
    const r = await api<Status>('/api/status', { ...(etag ? { etag } : {}) });
    if (r.body) {
      status = r.body;
      etag = r.etag;
      draw(r.body);
    }
    unreachableSince = undefined;
    const banner = document.getElementById('unreachable');
    if (banner) banner.hidden = true;
  } catch (err) {
    if (err instanceof HttpProblem && err.status === 401) {
      location.assign('/login');
      return;
    }
    unreachableSince ??= Date.now();
    const banner = document.getElementById('unreachable');
    if (banner) {
      banner.hidden = false;
      banner.textContent = `The box does not answer since ${new Date(unreachableSince).toLocaleTimeString()} (${(err as Error).message}); still trying.`;
    }
  }
  refreshAges();
  const up = document.getElementById('uptime');
  if (up?.dataset.since) up.textContent = duration((serverNow() - Date.parse(up.dataset.since)) / 1000);
  fill('updated', `Updated ${new Date().toLocaleTimeString()}.`);
}

function busy(id: string, on: boolean, label: string): void {
  const b = document.getElementById(id) as HTMLButtonElement | null;
  if (!b) return;
  b.disabled = on;
  b.textContent = label;
}

async function testCommunication(): Promise<void> {
  busy('test-communication', true, 'Testing…');
  fill('action-result', 'Running the checks (at most about 30 s)…');
  try {
    const r = await api<{ checks: Check[] }>('/api/test-communication', { method: 'POST', body: {} });
    const checks = r.body?.checks ?? [];
    const fails = checks.filter((c) => c.verdict === 'fail').length;
    const warns = checks.filter((c) => c.verdict === 'warn').length;
    fill(
      'action-result',
      h('p', { id: 'test-summary' }, `Test communication: ${fails} failed, ${warns} warning(s), ${checks.length - fails - warns} passed.`),
      h(
        'ul',
        { id: 'checks' },
        ...checks.map((c) =>
          h('li', { 'data-check': c.name, 'data-verdict': c.verdict }, h('span', { class: `badge ${c.verdict}` }, c.verdict), ' ', h('strong', {}, c.name), `: ${c.detail}`, c.remedy && c.verdict !== 'pass' ? h('span', { class: 'remedy' }, `→ ${c.remedy}`) : null),
        ),
      ),
    );
  } catch (err) {
    fill('action-result', h('p', { class: 'error' }, `Test communication failed: ${(err as Error).message}`));
  } finally {
    busy('test-communication', false, 'Test communication');
  }
}

async function readNow(): Promise<void> {
  busy('read-now', true, 'Reading…');
  fill('action-result', 'Reading every device once…');
  try {
    const r = await api<{ ok: boolean; text: string }>('/api/read-now', { method: 'POST', body: {} });
    fill('action-result', h('p', { id: 'read-result', class: r.body?.ok ? '' : 'error' }, `Read now: ${r.body?.text ?? ''}`));
    await refresh();
  } catch (err) {
    fill('action-result', h('p', { class: 'error' }, `Read now failed: ${(err as Error).message}`));
  } finally {
    busy('read-now', false, 'Read now');
  }
}

async function logout(ev: Event): Promise<void> {
  ev.preventDefault();
  await fetch('/logout', { method: 'POST', headers: { 'x-csrf-token': body.csrf ?? '' }, credentials: 'same-origin' });
  location.assign('/login');
}

let timer: number | undefined;
function schedule(): void {
  window.clearTimeout(timer);
  timer = window.setTimeout(() => void refresh().then(schedule), REFRESH_MS);
}

layout();
void refresh().then(schedule);
document.addEventListener('visibilitychange', () => {
  if (document.visibilityState === 'visible') void refresh().then(schedule);
  else window.clearTimeout(timer);
});
