/** The fleet view's frame: header with navigation, who is logged in, log out; and the page's facts. */
import { csrfToken, h } from '../../client/dom.js';

const d = document.body.dataset;
export const PREFIX = d.prefix ?? '/fleet/';
export const ROLE = d.role ?? 'read';
export const USER = d.user ?? '';
export const VIEW = d.view ?? 'agents';

async function logout(ev: Event): Promise<void> {
  ev.preventDefault();
  await fetch(`${PREFIX}logout`, { method: 'POST', headers: { 'x-csrf-token': csrfToken() }, credentials: 'same-origin' });
  location.assign(`${PREFIX}login`);
}

/** Draws the header and an empty main; returns the main to fill. */
export function frame(title: string): HTMLElement {
  const link = (view: string, label: string) => h('a', { href: `${PREFIX}${view}`, 'aria-current': VIEW === view ? 'page' : undefined }, label);
  const header = h(
    'header',
    { class: 'top' },
    h('h1', {}, 'meterbox fleet'),
    h('nav', { 'aria-label': 'Fleet view' }, link('agents', 'Agents'), link('devices', 'Devices'), link('billing', 'Billing')),
    h('span', { class: 'muted', id: 'who' }, `${USER} (${ROLE})`),
    h('form', { method: 'post', action: `${PREFIX}logout`, onsubmit: (ev: Event) => void logout(ev) }, h('button', { type: 'submit', class: 'secondary' }, 'Log out')),
  );
  const main = h('main', { id: 'main' }, h('h2', { id: 'page-title' }, title));
  document.getElementById('app')?.replaceChildren(header, main, h('footer', {}, 'Served by meterbox receiver; read with your provider token’s role.'));
  document.title = `meterbox fleet: ${title}`;
  return main;
}

/** A labelled text filter. */
export function textFilter(id: string, label: string, value: string, onInput: (v: string) => void): HTMLElement {
  return h('label', {}, label, h('input', { type: 'search', id, value, oninput: (ev: Event) => onInput((ev.target as HTMLInputElement).value.trim().toLowerCase()) }));
}

/** A labelled select of [value, label] options. */
export function selectFilter(id: string, label: string, options: readonly (readonly [string, string])[], value: string, onChange: (v: string) => void): HTMLElement {
  return h('label', {}, label, h('select', { id, onchange: (ev: Event) => onChange((ev.target as HTMLSelectElement).value) }, ...options.map(([v, l]) => h('option', { value: v, selected: v === value }, l))));
}

/** Calls `load` now and every `ms`, and again when the tab comes back; a failure is shown in `status`. */
export function every(ms: number, load: () => Promise<void>, status: HTMLElement): void {
  let timer: number | undefined;
  const run = async () => {
    window.clearTimeout(timer);
    try {
      await load();
      status.hidden = true;
    } catch (err) {
      const e = err as Error & { status?: number };
      if (e.status === 401) return location.assign(`${PREFIX}login`);
      status.hidden = false;
      status.textContent = `Could not refresh: ${e.message}; still trying.`;
    }
    if (document.visibilityState === 'visible') timer = window.setTimeout(() => void run(), ms);
  };
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') void run();
  });
  void run();
}
