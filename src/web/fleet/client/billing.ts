/**
 * The billing page: pick a period (and an agent, or all), pick an export, download its CSV. The
 * link is a plain download of GET …/api/billing.csv, so it works from the keyboard and in any
 * browser; what the CSV holds comes from the billing core on the server.
 */
import { api, h } from '../../client/dom.js';
import { PREFIX, frame } from './chrome.js';

interface Export {
  id: string;
  title: string;
  description: string;
}

const ymd = (d: Date) => d.toISOString().slice(0, 10);

export async function billingView(): Promise<void> {
  const main = frame('Billing');
  const now = new Date();
  // The last full calendar month (UTC).
  let from = ymd(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1)));
  let to = ymd(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  let agent = '';
  const [ex, agents] = await Promise.all([api<{ exports: Export[] }>(`${PREFIX}api/billing`), api<{ agents: { agentId: string; customer?: string }[] }>(`${PREFIX}api/agents`)]);
  const exports = ex.body?.exports ?? [];
  let chosen = exports[0]?.id ?? '';
  const link = h('a', { class: 'button', id: 'download', download: '' }, 'Download CSV');
  const update = () => {
    const q = new URLSearchParams({ export: chosen, from, to, ...(agent ? { agent } : {}) });
    link.setAttribute('href', `${PREFIX}api/billing.csv?${q.toString()}`);
  };
  const date = (id: string, label: string, value: string, set: (v: string) => void) =>
    h('label', {}, label, h('input', { type: 'date', id, value, required: true, onchange: (ev: Event) => (set((ev.target as HTMLInputElement).value), update()) }));
  main.append(
    h('p', {}, 'Pick a period (from its first day, up to but not including its last), and download one CSV for every device.'),
    h(
      'form',
      { id: 'billing-form', onsubmit: (ev: Event) => ev.preventDefault() },
      h(
        'div',
        { class: 'filters' },
        date('from', 'From', from, (v) => (from = v)),
        date('to', 'To (exclusive)', to, (v) => (to = v)),
        h(
          'label',
          {},
          'Agent',
          h(
            'select',
            { id: 'billing-agent', onchange: (ev: Event) => ((agent = (ev.target as HTMLSelectElement).value), update()) },
            h('option', { value: '' }, 'all agents'),
            ...(agents.body?.agents ?? []).map((a) => h('option', { value: a.agentId }, a.customer ? `${a.agentId} (${a.customer})` : a.agentId)),
          ),
        ),
      ),
      h(
        'fieldset',
        {},
        h('legend', {}, 'Export'),
        ...exports.map((e, i) =>
          h(
            'p',
            {},
            h('label', { class: 'check' }, h('input', { type: 'radio', name: 'export', value: e.id, checked: i === 0, onchange: () => ((chosen = e.id), update()) }), ` ${e.title}`),
            h('span', { class: 'muted', style: undefined }, ` ${e.description}`),
          ),
        ),
      ),
      h('div', { class: 'actions' }, link),
    ),
  );
  update();
}
