/**
 * The one style sheet of both pages, served as /…/assets/style.css. Colours meet WCAG AA contrast
 * (4.5:1 for text) on their backgrounds, states are written in words as well as coloured, and
 * every focusable thing shows a visible focus ring.
 */
export const STYLE_SHEET = `
:root { --fg: #1b1f23; --muted: #4a5260; --bg: #ffffff; --panel: #f5f6f8; --line: #d0d4da; --link: #0b57d0;
  --ok-bg: #e3f3e7; --ok-fg: #0b5320; --warn-bg: #fff1dc; --warn-fg: #6e3b00; --bad-bg: #fde8e6; --bad-fg: #8a1c12; }
* { box-sizing: border-box; }
html { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--fg); background: var(--bg); }
body { margin: 0; }
a { color: var(--link); }
:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
.skip { position: absolute; left: -9999px; top: 0; background: var(--bg); padding: .5rem; z-index: 10; }
.skip:focus { left: .5rem; }
header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .75rem 1.25rem; border-bottom: 1px solid var(--line); background: var(--panel); }
header.top h1 { font-size: 1.25rem; margin: 0; }
header.top nav a { margin-right: 1rem; }
header.top nav a[aria-current="page"] { font-weight: 700; color: var(--fg); }
main { padding: 1rem 1.25rem 3rem; max-width: 1600px; }
h2 { font-size: 1.1rem; margin: 1.5rem 0 .5rem; }
.muted { color: var(--muted); }
.badge { display: inline-block; padding: .05rem .55rem; border-radius: 1rem; font-weight: 600; font-size: .9rem; border: 1px solid currentColor; }
.badge.ok { background: var(--ok-bg); color: var(--ok-fg); }
.badge.degraded, .badge.warn, .badge.low, .badge.never { background: var(--warn-bg); color: var(--warn-fg); }
.badge.unhealthy, .badge.stale, .badge.fail, .badge.empty { background: var(--bad-bg); color: var(--bad-fg); }
.badge.pass { background: var(--ok-bg); color: var(--ok-fg); }
.banner { padding: .6rem .9rem; border: 1px solid var(--warn-fg); background: var(--warn-bg); color: var(--warn-fg); margin: .75rem 0; }
.banner.bad { border-color: var(--bad-fg); background: var(--bad-bg); color: var(--bad-fg); }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; margin: 0; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(320px, 1fr)); gap: 1rem; }
.card { border: 1px solid var(--line); border-radius: .4rem; padding: .75rem 1rem; background: var(--bg); }
.card h2 { margin-top: 0; }
button, .button { font: inherit; padding: .4rem .9rem; border-radius: .3rem; border: 1px solid var(--link); background: var(--link); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary { background: var(--bg); color: var(--link); }
button[disabled] { opacity: .65; cursor: progress; }
.actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; margin: .5rem 0; }
.filters { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: flex-end; margin: .5rem 0 .75rem; }
.filters label { display: flex; flex-direction: column; font-size: .9rem; color: var(--muted); }
.filters label.check { flex-direction: row; gap: .35rem; align-items: center; color: var(--fg); }
input, select { font: inherit; padding: .3rem .45rem; border: 1px solid #767d88; border-radius: .25rem; color: var(--fg); background: var(--bg); }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
caption { text-align: left; font-weight: 600; padding: .25rem 0; }
th, td { text-align: left; padding: .35rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
thead th { background: var(--panel); position: sticky; top: 0; z-index: 1; }
th button.sort { all: unset; cursor: pointer; font-weight: 700; }
th button.sort:focus-visible { outline: 3px solid var(--link); outline-offset: 2px; }
th[aria-sort="ascending"] button.sort::after { content: " ▲"; }
th[aria-sort="descending"] button.sort::after { content: " ▼"; }
tbody tr:focus-within, tbody tr:hover { background: #eef3fd; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.counters { display: grid; grid-template-columns: max-content max-content; gap: 0 .6rem; margin: 0; }
.counters dt { color: var(--muted); }
.counters dd { margin: 0; text-align: right; font-variant-numeric: tabular-nums; }
.counters dd span[title] { text-decoration: underline dotted; cursor: help; }
.supplies { list-style: none; padding: 0; margin: 0; min-width: 14rem; }
.supplies li { display: grid; grid-template-columns: 7.5rem 6rem auto; gap: .4rem; align-items: center; font-size: .85rem; }
.supplies li > span:last-child { justify-self: start; }
.bar { height: .8rem; border: 1px solid #6b7280; background: #e9ebee; position: relative; overflow: hidden; border-radius: .15rem; }
.bar > .fill { display: block; height: 100%; background: #374151; }
.bar > .fill.black { background: #1f2328; } .bar > .fill.cyan { background: #0e7490; } .bar > .fill.magenta { background: #a21caf; } .bar > .fill.yellow { background: #b7791f; }
.bar.unknown > .fill { width: 100%; background: repeating-linear-gradient(45deg, #c7ccd3 0 6px, #e9ebee 6px 12px); }
.bar.low { border-color: var(--bad-fg); }
.alerts { margin: 0; padding-left: 1rem; font-size: .85rem; }
.result { margin: .5rem 0; }
.result ul { list-style: none; padding: 0; margin: .25rem 0; }
.result li { margin: .25rem 0; }
.result .remedy { display: block; margin-left: 4.2rem; color: var(--muted); }
.chart { margin: .5rem 0 1rem; overflow-x: auto; }
.legend-note { font-size: .85rem; color: var(--muted); }
.login { max-width: 28rem; margin: 3rem auto; }
.login form { display: flex; flex-direction: column; gap: .75rem; }
.login label { display: flex; flex-direction: column; gap: .25rem; }
.error { color: var(--bad-fg); font-weight: 600; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
footer { padding: 1rem 1.25rem; color: var(--muted); font-size: .85rem; border-top: 1px solid var(--line); }
`;
