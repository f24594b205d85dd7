/**
 * The HTML shell of a page: a heading, an empty main that the page's module script fills from
 * its JSON API, and the facts the script needs in data attributes (never a secret: the CSRF token
 * is not one, it only proves the page's own origin). Everything is escaped.
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

export interface ShellOptions {
  title: string;
  /** Style sheet URLs, in order. */
  styles: readonly string[];
  /** The page's module script. */
  script: string;
  /** The modules it imports (Assets.modules), fetched at once beside it. */
  modules?: readonly string[];
  /** Classic scripts to load first (a vendored library that sets a global). */
  before?: readonly string[];
  /** Becomes data-* attributes of <body>, read by the script. */
  data?: Record<string, string>;
  /** Shown until the script has drawn the page, and when scripts are off. */
  loading?: string;
}

export function pageShell(o: ShellOptions): string {
  const data = Object.entries(o.data ?? {})
    .map(([k, v]) => ` data-${k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}="${escapeHtml(v)}"`)
    .join('');
  return [
    '<!doctype html>',
    '<html lang="en">',
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(o.title)}</title>`,
    '<link rel="icon" href="data:,">',
    ...o.styles.map((s) => `<link rel="stylesheet" href="${escapeHtml(s)}">`),
    ...(o.before ?? []).map((s) => `<script src="${escapeHtml(s)}"></script>`),
    `<script type="module" src="${escapeHtml(o.script)}"></script>`,
    ...(o.modules ?? []).map((m) => `<link rel="modulepreload" href="${escapeHtml(m)}">`),
    '</head>',
    `<body${data}>`,
    '<a class="skip" href="#main">Skip to the content</a>',
    `<div id="app"><main id="main"><p class="muted">${escapeHtml(o.loading ?? 'Loading…')}</p><noscript><p class="banner">This page needs JavaScript (served by this device itself; nothing is loaded from elsewhere).</p></noscript></main></div>`,
    '</body>',
    '</html>',
  ].join('\n');
}
