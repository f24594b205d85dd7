/** The agents list: health (stale first), version, last heartbeat, outbox, data-loss and data-quality events; admin commands. */
import { SortableTable, api, duration, fill, h, num, timeAgo } from '../../client/dom.js';
import type { FleetAgent as Agent } from '../data.js';
import { PREFIX, ROLE, every, frame, selectFilter, textFilter } from './chrome.js';

/** Published configuration and update against what the box reported: a badge when it is behind. */
function upkeep(a: Agent): (HTMLElement | string)[] | string {
  const m = a.maintenance;
  if (!m) return '—';
  const u = m.update;
  return [
    ...(u ? [h('span', { class: `badge ${u.behind ? (u.state === 'rolled-back' || u.state === 'refused' || u.state === 'failed' ? 'fail' : 'warn') : 'ok'}`, 'data-update': u.state ?? 'announced', title: u.reason ?? '' }, `update ${u.target}: ${u.state ?? 'announced'}`)] : []),
    ...(m.configState || m.configBehind ? [h('span', { class: `badge ${m.configBehind ? 'warn' : 'ok'}`, 'data-config': m.configState ?? 'announced' }, `config: ${m.configState ?? 'announced'}`)] : []),
  ];
}

const RANK: Record<Agent['health'], number> = { stale: 0, unhealthy: 1, degraded: 2, ok: 3 };

export function agentsView(): void {
  const main = frame('Agents');
  let rows: Agent[] = [];
  let text = new URLSearchParams(location.search).get('q')?.toLowerCase() ?? '';
  let healthFilter = '';

  const command = async (a: Agent, name: string) => {
    const out = document.getElementById('command-result') as HTMLElement;
    try {
      await api(`${PREFIX}api/commands`, { method: 'POST', body: { agentId: a.agentId, name } });
      out.textContent = `${name} queued for ${a.agentId}: it goes with the agent's next heartbeat.`;
    } catch (err) {
      out.textContent = `Could not queue ${name} for ${a.agentId}: ${(err as Error).message}`;
    }
  };

  const table = new SortableTable<Agent>(
    'agents',
    'Agents (boxes) and their health',
    [
      { key: 'agent', label: 'Agent', sort: (a) => a.agentId, cell: (a) => h('a', { href: `${PREFIX}devices?agent=${encodeURIComponent(a.agentId)}`, id: `agent-${a.agentId}` }, a.agentId) },
      { key: 'customer', label: 'Customer', sort: (a) => a.customer, cell: (a) => a.customer ?? '—' },
      {
        key: 'health',
        label: 'Health',
        sort: (a) => RANK[a.health],
        cell: (a) => [h('span', { class: `badge ${a.health}`, 'data-health': a.health }, a.health), a.reasons.length > 0 ? h('ul', { class: 'alerts' }, ...a.reasons.slice(0, 3).map((r) => h('li', {}, r))) : null],
      },
      { key: 'version', label: 'Version', sort: (a) => a.version, cell: (a) => a.version ?? '—' },
      { key: 'seen', label: 'Last heartbeat', sort: (a) => a.lastSeen ?? '', cell: (a) => timeAgo(a.lastSeen) },
      { key: 'outbox', label: 'Outbox', numeric: true, sort: (a) => a.outboxDepth, cell: (a) => num(a.outboxDepth) },
      { key: 'oldest', label: 'Oldest pending', numeric: true, sort: (a) => a.oldestPendingAgeSeconds, cell: (a) => (a.oldestPendingAgeSeconds ? duration(a.oldestPendingAgeSeconds) : '—') },
      { key: 'devices', label: 'Devices', numeric: true, sort: (a) => a.devices, cell: (a) => num(a.devices) },
      { key: 'loss', label: 'Data-loss events', numeric: true, sort: (a) => a.dataLoss, cell: (a) => h('span', { class: a.dataLoss > 0 ? 'badge fail' : '' }, num(a.dataLoss)) },
      { key: 'quality', label: 'Data-quality events', numeric: true, sort: (a) => a.dataQuality, cell: (a) => h('span', { class: a.dataQuality > 0 ? 'badge warn' : '' }, num(a.dataQuality)) },
      { key: 'maintenance', label: 'Maintenance', sort: (a) => (a.maintenance?.update?.behind || a.maintenance?.configBehind ? 0 : 1), cell: upkeep },
      ...(ROLE === 'admin'
        ? [
            {
              key: 'actions',
              label: 'Actions',
              cell: (a: Agent) => [
                h('button', { type: 'button', class: 'secondary', onclick: () => void command(a, 'read-now'), 'aria-label': `Read now on ${a.agentId}` }, 'Read now'),
                ' ',
                h('button', { type: 'button', class: 'secondary', onclick: () => void command(a, 'discover-now'), 'aria-label': `Discover now on ${a.agentId}` }, 'Discover'),
              ],
            },
          ]
        : []),
    ],
    (a) => ({ 'data-agent': a.agentId }),
    { key: 'health' },
  );

  const draw = () => {
    const shown = rows.filter((a) => (!text || a.agentId.toLowerCase().includes(text) || (a.customer ?? '').toLowerCase().includes(text)) && (!healthFilter || a.health === healthFilter));
    const stale = rows.filter((a) => a.health === 'stale').length;
    fill('agent-count', `${rows.length} agent(s), ${stale} stale${shown.length !== rows.length ? `; ${shown.length} shown` : ''}`);
    table.update(shown);
  };

  const status = h('p', { class: 'banner bad', role: 'alert', hidden: true });
  main.append(
    status,
    h('p', { id: 'agent-count', class: 'muted', role: 'status' }),
    h(
      'div',
      { class: 'filters' },
      textFilter('agent-filter', 'Agent or customer', text, (v) => {
        text = v;
        draw();
      }),
      selectFilter('health-filter', 'Health', [['', 'any'], ['stale', 'stale'], ['unhealthy', 'unhealthy'], ['degraded', 'degraded'], ['ok', 'ok']], '', (v) => {
        healthFilter = v;
        draw();
      }),
    ),
    h('p', { id: 'command-result', role: 'status', 'aria-live': 'polite' }),
    table.element,
  );
  every(
    10_000,
    async () => {
      const r = await api<{ agents: Agent[] }>(`${PREFIX}api/agents`);
      rows = r.body?.agents ?? [];
      draw();
    },
    status,
  );
}
