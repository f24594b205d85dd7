/**
 * The devices list: filter by agent or customer, vendor and model, last reading age, supplies low,
 * billing flags. The list is drawn as soon as it arrives; the billing flags (the billing core over
 * each device's history: the slow part) are asked beside it and filled in when they come, the
 * table marked aria-busy until then.
 */
import { SortableTable, api, fill, h, num, serverNow, timeAgo } from '../../client/dom.js';
import type { DeviceFlags, FleetDevice as Device } from '../data.js';
import { PREFIX, every, frame, selectFilter, textFilter } from './chrome.js';

const AGES: readonly (readonly [string, string])[] = [
  ['', 'any'],
  ['3600', 'older than 1 hour'],
  ['86400', 'older than 1 day'],
  ['604800', 'older than 7 days'],
  ['2592000', 'older than 30 days'],
];

export function devicesView(): void {
  const main = frame('Devices');
  const q = new URLSearchParams(location.search);
  let rows: Device[] = [];
  let flags: string[] = [];
  /** Billing flags by agent/key, once /api/device-flags answered (the previous answer while a new one is computed). */
  let flagsOf: Map<string, string[]> | undefined;
  const id = (d: { agentId: string; key: string }) => `${d.agentId}/${d.key}`;
  const flagsFor = (d: Device) => flagsOf?.get(id(d)) ?? [];
  const f = { who: (q.get('agent') ?? '').toLowerCase(), what: '', age: '', low: false, flag: '' };

  const table = new SortableTable<Device>(
    'devices',
    'Devices of the fleet',
    [
      { key: 'agent', label: 'Agent', sort: (d) => d.agentId, cell: (d) => d.agentId },
      { key: 'customer', label: 'Customer', sort: (d) => d.customer, cell: (d) => d.customer ?? '—' },
      { key: 'vendor', label: 'Vendor', sort: (d) => d.vendor, cell: (d) => d.vendor ?? '—' },
      { key: 'model', label: 'Model', sort: (d) => d.model, cell: (d) => d.model ?? '—' },
      {
        key: 'serial',
        label: 'Serial',
        sort: (d) => d.serial ?? d.key,
        cell: (d) => h('a', { href: `${PREFIX}device?agent=${encodeURIComponent(d.agentId)}&key=${encodeURIComponent(d.key)}`, 'data-serial': d.serial ?? '' }, d.serial ?? d.key),
      },
      { key: 'host', label: 'Host', sort: (d) => d.host, cell: (d) => d.host ?? '—' },
      { key: 'last', label: 'Last reading', sort: (d) => d.lastReadAt ?? '', cell: (d) => timeAgo(d.lastReadAt) },
      { key: 'total', label: 'Total', numeric: true, sort: (d) => d.total, cell: (d) => num(d.total) },
      {
        key: 'supply',
        label: 'Lowest supply',
        sort: (d) => d.lowest?.percent,
        cell: (d) => (d.lowest ? h('span', { class: d.suppliesLow ? 'badge low' : '' }, `${d.lowest.description} ${d.lowest.percent} %`) : d.suppliesLow ? h('span', { class: 'badge low' }, 'low') : '—'),
      },
      {
        key: 'flags',
        label: 'Billing flags (this month)',
        sort: (d) => flagsFor(d).join(' '),
        cell: (d) => (!flagsOf ? h('span', { class: 'muted' }, 'computing…') : flagsFor(d).length ? flagsFor(d).map((x) => h('span', { class: 'badge warn', 'data-flag': x }, x)) : '—'),
      },
    ],
    (d) => ({ 'data-device': id(d) }),
    { key: 'agent' },
  );

  const draw = () => {
    const now = serverNow();
    const shown = rows.filter(
      (d) =>
        (!f.who || d.agentId.toLowerCase().includes(f.who) || (d.customer ?? '').toLowerCase().includes(f.who)) &&
        (!f.what || `${d.vendor ?? ''} ${d.model ?? ''}`.toLowerCase().includes(f.what)) &&
        (!f.age || !d.lastReadAt || now - Date.parse(d.lastReadAt) > Number(f.age) * 1000) &&
        (!f.low || d.suppliesLow) &&
        (!f.flag || flagsFor(d).includes(f.flag)),
    );
    fill('device-count', `${rows.length} device(s)${shown.length !== rows.length ? `, ${shown.length} shown` : ''}`);
    table.update(shown);
    if (flagsOf) table.element.removeAttribute('aria-busy');
    else table.element.setAttribute('aria-busy', 'true');
  };

  const status = h('p', { class: 'banner bad', role: 'alert', hidden: true });
  const flagSelect = h('span', { id: 'flag-select' });
  main.append(
    status,
    h('p', { id: 'device-count', class: 'muted', role: 'status' }),
    h(
      'div',
      { class: 'filters' },
      textFilter('who-filter', 'Agent or customer', f.who, (v) => {
        f.who = v;
        draw();
      }),
      textFilter('what-filter', 'Vendor or model', '', (v) => {
        f.what = v;
        draw();
      }),
      selectFilter('age-filter', 'Last reading', AGES, '', (v) => {
        f.age = v;
        draw();
      }),
      h(
        'label',
        { class: 'check' },
        h('input', {
          type: 'checkbox',
          id: 'low-filter',
          onchange: (ev: Event) => {
            f.low = (ev.target as HTMLInputElement).checked;
            draw();
          },
        }),
        'Supplies low',
      ),
      flagSelect,
    ),
    table.element,
  );
  every(
    15_000,
    async () => {
      const r = await api<{ devices: Device[]; flags: string[] }>(`${PREFIX}api/devices`);
      rows = r.body?.devices ?? [];
      if (flags.length === 0 && r.body?.flags) {
        flags = r.body.flags;
        flagSelect.replaceChildren(
          selectFilter('flag-filter', 'Billing flag', [['', 'any'], ...flags.map((x) => [x, x] as const)], '', (v) => {
            f.flag = v;
            draw();
          }),
        );
      }
      draw();
      const computed = await api<{ devices: DeviceFlags[] }>(`${PREFIX}api/device-flags`);
      flagsOf = new Map((computed.body?.devices ?? []).map((x) => [id(x), x.flags]));
      draw();
    },
    status,
  );
}
