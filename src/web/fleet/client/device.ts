/**
 * One device's page: identity, counters with their OIDs, supplies, and charts drawn with uPlot
 * (vendored, served by the receiver): daily volume (mono, colour, large, scan) with the device's
 * events marked on the time axis, and supplies over time. Each chart has its data as a table too.
 */
import type uPlotType from 'uplot';
import { SortableTable, api, h, num, timeAgo } from '../../client/dom.js';
import { supplyBars } from '../../client/supply-bars.js';
import type { DevicePage } from '../data.js';
import { PREFIX, frame } from './chrome.js';

/** uPlot, loaded by the page as a classic script (uPlot.iife.min.js) before this module. */
const uPlot = (globalThis as unknown as { uPlot: typeof uPlotType }).uPlot;

const SERIES_STYLE: Record<string, { label: string; stroke: string; fill: string }> = {
  mono: { label: 'Mono', stroke: '#1f2328', fill: 'rgba(31,35,40,0.55)' },
  color: { label: 'Colour', stroke: '#a21caf', fill: 'rgba(162,28,175,0.5)' },
  large: { label: 'Large', stroke: '#0e7490', fill: 'rgba(14,116,144,0.5)' },
  scan: { label: 'Scan', stroke: '#b7791f', fill: 'rgba(183,121,31,0.5)' },
};
const SUPPLY_STROKE: Record<string, string> = { black: '#1f2328', cyan: '#0e7490', magenta: '#a21caf', yellow: '#b7791f' };

/** Draws a dashed vertical line for each event on the plot's time axis (a uPlot plugin). */
function eventMarkers(times: readonly number[]): uPlotType.Plugin {
  return {
    hooks: {
      draw: (u: uPlotType) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = '#8a1c12';
        ctx.lineWidth = 1.5 * devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        for (const t of times) {
          const x = Math.round(u.valToPos(t, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function width(el: HTMLElement): number {
  return Math.max(480, Math.min(1200, el.clientWidth || 900));
}

function volumeChart(p: DevicePage, host: HTMLElement): void {
  const names = (Object.keys(SERIES_STYLE) as (keyof DevicePage['volume']['series'])[]).filter((n) => p.volume.series[n]);
  if (names.length === 0 || p.volume.days.length === 0) {
    host.append(h('p', { class: 'muted' }, 'No daily volume yet: it needs readings on two different days.'));
    return;
  }
  // Nested bars, each series narrower than the one before, so every one stays visible over the others.
  const bars = (i: number) => uPlot.paths.bars?.({ size: [0.85 - i * 0.2, 48 - i * 10] });
  const opts: uPlotType.Options = {
    width: width(host),
    height: 280,
    scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] } },
    axes: [{}, { label: 'pages per day', size: 70 }],
    series: [{}, ...names.map((n, i) => ({ label: SERIES_STYLE[n]?.label, stroke: SERIES_STYLE[n]?.stroke, fill: SERIES_STYLE[n]?.fill, ...(bars(i) ? { paths: bars(i) } : {}), points: { show: false } }))],
    plugins: [eventMarkers(p.events.map((e) => Date.parse(e.at) / 1000))],
  };
  const data = [p.volume.days, ...names.map((n) => p.volume.series[n] as (number | null)[])] as uPlotType.AlignedData;
  const box = h('div', { class: 'chart', id: 'volume-chart', role: 'img', 'aria-label': `Daily volume over ${p.volume.days.length} days (${names.map((n) => SERIES_STYLE[n]?.label).join(', ')}); dashed red lines mark the device's events. The same figures are in the table below.` });
  host.append(box);
  new uPlot(opts, data, box);
  const rows = p.volume.days.map((d, i) => ({ d, values: names.map((n) => p.volume.series[n]?.[i] ?? null) })).filter((r) => r.values.some((v) => v !== null));
  host.append(
    h(
      'details',
      {},
      h('summary', {}, 'Daily volume as a table'),
      h(
        'table',
        { id: 'volume-table' },
        h('caption', { class: 'sr-only' }, 'Daily volume'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Day'), ...names.map((n) => h('th', { scope: 'col', class: 'num' }, SERIES_STYLE[n]?.label ?? n)))),
        h('tbody', {}, ...rows.map((r) => h('tr', {}, h('td', {}, new Date(r.d * 1000).toISOString().slice(0, 10)), ...r.values.map((v) => h('td', { class: 'num' }, v === null ? '—' : num(v)))))),
      ),
    ),
  );
}

function supplyChart(p: DevicePage, host: HTMLElement): void {
  const s = p.supplyHistory;
  if (s.series.length === 0 || s.times.length < 2) {
    host.append(h('p', { class: 'muted' }, 'No supply history yet.'));
    return;
  }
  const box = h('div', { class: 'chart', id: 'supply-chart', role: 'img', 'aria-label': `Supply levels in percent over time: ${s.series.map((x) => x.label).join(', ')}.` });
  host.append(box);
  new uPlot(
    {
      width: width(host),
      height: 220,
      scales: { x: { time: true }, y: { range: [0, 100] } },
      axes: [{}, { label: '%', size: 50 }],
      series: [{}, ...s.series.map((x) => ({ label: x.label, stroke: SUPPLY_STROKE[x.color ?? ''] ?? '#4a5260', width: 2, spanGaps: true }))],
    },
    [s.times, ...s.series.map((x) => x.values)] as uPlotType.AlignedData,
    box,
  );
}

export async function deviceView(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const agent = q.get('agent') ?? '';
  const key = q.get('key') ?? '';
  const main = frame(`Device ${key}`);
  let p: DevicePage | undefined;
  try {
    p = (await api<DevicePage>(`${PREFIX}api/device?agent=${encodeURIComponent(agent)}&key=${encodeURIComponent(key)}&days=90`)).body;
  } catch (err) {
    main.append(h('p', { class: 'banner bad', role: 'alert' }, (err as Error).message));
    return;
  }
  if (!p) return;
  const id = p.identity;
  const fact = (label: string, value: string | undefined) => (value ? [h('dt', {}, label), h('dd', {}, value)] : []);
  main.append(
    h('p', {}, h('a', { href: `${PREFIX}devices?agent=${encodeURIComponent(p.agentId)}` }, `← devices of ${p.agentId}`)),
    h(
      'div',
      { class: 'cards' },
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'h-identity' },
        h('h2', { id: 'h-identity' }, 'Identity'),
        h(
          'dl',
          { class: 'facts', id: 'identity' },
          ...fact('Agent', p.agentId),
          ...fact('Customer', p.customer),
          ...fact('Vendor', id.brand ? `${id.vendor ?? ''} (${id.brand})` : id.vendor),
          ...fact('Model', id.model),
          ...fact('Serial', id.serial),
          ...fact('Device key', p.key),
          ...fact('Host', id.host),
          ...fact('MAC', id.mac),
          ...fact('Firmware', id.firmware),
          ...fact('Name', id.sysName),
          ...fact('Location', id.sysLocation),
          ...fact('Profile', p.profile),
          h('dt', {}, 'Last reading'),
          h('dd', {}, timeAgo(p.lastReadAt)),
          h('dt', {}, 'Billing flags'),
          h('dd', { id: 'flags' }, p.flags.length ? p.flags.join(', ') : `none this month`),
        ),
      ),
      h(
        'section',
        { class: 'card', 'aria-labelledby': 'h-counters' },
        h('h2', { id: 'h-counters' }, 'Counters'),
        h('dl', { class: 'counters' }, ...p.counters.flatMap((c) => [h('dt', {}, c.name), h('dd', {}, h('span', { title: c.source ? `OID ${c.source}` : 'source not recorded', 'data-counter': c.name }, num(c.value)))])),
      ),
      h('section', { class: 'card', 'aria-labelledby': 'h-supplies' }, h('h2', { id: 'h-supplies' }, 'Supplies'), supplyBars(p.supplies), p.alerts.length ? h('ul', { class: 'alerts' }, ...p.alerts.map((a) => h('li', {}, `${a.severity}: ${a.text ?? a.code}`))) : null),
    ),
  );
  const vol = h('section', { 'aria-labelledby': 'h-volume' }, h('h2', { id: 'h-volume' }, 'Daily volume, last 90 days'), h('p', { class: 'legend-note' }, 'Dashed red lines: events of this device (listed below).'));
  const sup = h('section', { 'aria-labelledby': 'h-supply-history' }, h('h2', { id: 'h-supply-history' }, 'Supplies over time'));
  main.append(vol, sup);
  volumeChart(p, vol);
  supplyChart(p, sup);
  const events = new SortableTable<DevicePage['events'][number]>(
    'device-events',
    'Events of this device',
    [
      { key: 'at', label: 'When', sort: (e) => e.at, cell: (e) => timeAgo(e.at) },
      { key: 'kind', label: 'Kind', sort: (e) => e.kind, cell: (e) => e.kind },
      { key: 'by', label: 'Reported by', sort: (e) => e.reportedBy, cell: (e) => e.reportedBy },
      { key: 'message', label: 'What happened', cell: (e) => e.message },
    ],
    () => ({}),
    { key: 'at', descending: true },
  );
  events.update(p.events);
  main.append(h('section', { 'aria-labelledby': 'h-events' }, h('h2', { id: 'h-events' }, 'Events'), events.element));
}
