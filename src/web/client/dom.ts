/**
 * Browser helpers shared by the status page and the fleet view (compiled to dist/web/client/ and
 * served by the page itself: no framework, nothing from a CDN). Elements are built with
 * textContent only, never innerHTML, so nothing a printer or an agent reports can run as code.
 */

import { duration } from './format.js';

export { duration, num } from './format.js';

export type Child = Node | string | number | null | undefined | false;
export type Attrs = Record<string, string | number | boolean | undefined | null | ((ev: Event) => void)>;

/** `h('td', { class: 'num' }, '42')`: an element with attributes (on* are listeners) and children. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (typeof v === 'function') el.addEventListener(k.slice(2).toLowerCase(), v);
    else if (v === true) el.setAttribute(k, '');
    else el.setAttribute(k, String(v));
  }
  append(el, children);
  return el;
}

export function append(el: Element, children: readonly Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? String(c) : c);
  }
}

/** Replaces the children of the element with this id (when it exists). */
export function fill(id: string, ...children: Child[]): void {
  const el = document.getElementById(id);
  if (!el) return;
  el.replaceChildren();
  append(el, children);
}

/** The server's clock as the page knows it (from the X-Server-Time of its last answer). */
let skewMs = 0;
export function noteServerTime(header: string | null): void {
  const t = header ? Date.parse(header) : NaN;
  if (Number.isFinite(t)) skewMs = t - Date.now();
}
export const serverNow = (): number => Date.now() + skewMs;

/** "3 min ago" for an ISO time (by the server's clock), "never" when absent. */
export function ago(iso: string | undefined): string {
  if (!iso) return 'never';
  const t = Date.parse(iso);
  return Number.isFinite(t) ? `${duration((serverNow() - t) / 1000)} ago` : iso;
}

/** A time that stays current: its text is redrawn by refreshAges() between data refreshes. */
export function timeAgo(iso: string | undefined): HTMLElement {
  if (!iso) return h('span', {}, 'never');
  return h('time', { datetime: iso, title: iso, 'data-ago': iso }, ago(iso));
}

export function refreshAges(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-ago]')) el.textContent = ago(el.dataset.ago);
}

/** The page's CSRF token (from the HTML the server rendered for this session). */
export const csrfToken = (): string => document.body.dataset.csrf ?? '';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** fetch with the CSRF header on actions; JSON in and out; a problem carries the server's words. */
export async function api<T>(path: string, init: { method?: string; body?: unknown; etag?: string } = {}): Promise<{ status: number; body?: T; etag?: string }> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.method && init.method !== 'GET') headers['x-csrf-token'] = csrfToken();
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  if (init.etag) headers['if-none-match'] = init.etag;
  const r = await fetch(path, { method: init.method ?? 'GET', headers, credentials: 'same-origin', cache: 'no-store', ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}) });
  noteServerTime(r.headers.get('x-server-time'));
  if (r.status === 304) return { status: 304 };
  const text = await r.text();
  let body: unknown;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    body = undefined;
  }
  if (!r.ok) {
    const msg = (body as { error?: { message?: string } } | undefined)?.error?.message ?? `HTTP ${r.status}`;
    throw new HttpProblem(r.status, msg);
  }
  return { status: r.status, body: body as T, etag: r.headers.get('etag') ?? undefined };
}

export interface Column<R> {
  key: string;
  label: string;
  numeric?: boolean;
  /** The value sorted on; no sort button when absent. */
  sort?: (row: R) => string | number | undefined;
  cell: (row: R) => Child | Child[];
}

/**
 * A table whose column headers are buttons (Tab to reach, Enter or Space to sort; aria-sort says
 * the order), redrawn from rows; the sort survives redraws. `id` names the table for focus
 * restoring: a redraw keeps the keyboard where it was.
 */
export class SortableTable<R> {
  readonly element: HTMLTableElement;
  private readonly body: HTMLTableSectionElement;
  private readonly heads = new Map<string, HTMLTableCellElement>();
  private rows: readonly R[] = [];
  private sortKey?: string;
  private descending = false;

  constructor(
    private readonly id: string,
    caption: string,
    private readonly columns: readonly Column<R>[],
    private readonly rowAttrs: (row: R) => Attrs = () => ({}),
    initial?: { key: string; descending?: boolean },
  ) {
    if (initial) {
      this.sortKey = initial.key;
      this.descending = initial.descending ?? false;
    }
    const headRow = h('tr');
    for (const c of columns) {
      const th = h('th', { scope: 'col', class: c.numeric ? 'num' : undefined });
      if (c.sort) th.append(h('button', { type: 'button', class: 'sort', id: `${id}-sort-${c.key}`, onclick: () => this.sortBy(c.key) }, c.label));
      else th.append(c.label);
      this.heads.set(c.key, th);
      headRow.append(th);
    }
    this.body = h('tbody');
    this.element = h('table', { id }, h('caption', { class: 'sr-only' }, caption), h('thead', {}, headRow), this.body);
    this.markSort();
  }

  private markSort(): void {
    for (const [k, th] of this.heads) {
      if (k === this.sortKey) th.setAttribute('aria-sort', this.descending ? 'descending' : 'ascending');
      else th.removeAttribute('aria-sort');
    }
  }

  sortBy(key: string): void {
    if (this.sortKey === key) this.descending = !this.descending;
    else {
      this.sortKey = key;
      this.descending = false;
    }
    this.markSort();
    this.draw();
  }

  update(rows: readonly R[]): void {
    this.rows = rows;
    this.draw();
  }

  private sorted(): R[] {
    const col = this.columns.find((c) => c.key === this.sortKey);
    if (!col?.sort) return [...this.rows];
    const get = col.sort;
    const dir = this.descending ? -1 : 1;
    return [...this.rows].sort((a, b) => {
      const x = get(a);
      const y = get(b);
      if (x === y) return 0;
      if (x === undefined) return 1;
      if (y === undefined) return -1;
      return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y), 'en', { numeric: true })) * dir;
    });
  }

  private draw(): void {
    const focused = document.activeElement instanceof HTMLElement && this.body.contains(document.activeElement) ? document.activeElement.id : '';
    const out: HTMLTableRowElement[] = [];
    for (const r of this.sorted()) {
      const tr = h('tr', this.rowAttrs(r));
      for (const c of this.columns) {
        const v = c.cell(r);
        const td = h('td', { class: c.numeric ? 'num' : undefined });
        append(td, Array.isArray(v) ? v : [v]);
        tr.append(td);
      }
      out.push(tr);
    }
    if (out.length === 0) out.push(h('tr', {}, h('td', { colspan: this.columns.length, class: 'muted' }, 'Nothing to show.')));
    this.body.replaceChildren(...out);
    if (focused) document.getElementById(focused)?.focus();
  }
}
