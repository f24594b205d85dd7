/**
 * Supplies as bars, for both pages: a bar only where the printer gave a percentage (its width is
 * that percentage; role=meter says it to a screen reader), a hatched box and words where it gave
 * one of the Printer-MIB's special values.
 */
import { h, type Child } from './dom.js';
import { supplyWords, type Supply } from './supplies.js';

const COLOURS = ['black', 'cyan', 'magenta', 'yellow'];

export function supplyBars(supplies: readonly Supply[]): Child {
  if (supplies.length === 0) return h('span', { class: 'muted' }, 'none reported');
  return h(
    'ul',
    { class: 'supplies' },
    ...supplies.map((s) => {
      const w = supplyWords(s);
      const label = `${s.description}: ${w.text}`;
      const bar =
        w.percent !== undefined
          ? h('span', { class: `bar${w.low ? ' low' : ''}`, role: 'meter', 'aria-valuemin': 0, 'aria-valuemax': 100, 'aria-valuenow': w.percent, 'aria-label': label, 'data-percent': w.percent })
          : h('span', { class: 'bar unknown', role: 'img', 'aria-label': label });
      const fill = h('span', { class: `fill ${COLOURS.includes(s.color ?? '') ? (s.color as string) : ''}` });
      // Set through the CSSOM: the page's Content-Security-Policy refuses inline style attributes.
      if (w.percent !== undefined) fill.style.width = `${Math.max(0, Math.min(100, w.percent))}%`;
      bar.append(fill);
      return h('li', { 'data-supply': s.description }, h('span', {}, s.description), bar, h('span', { class: w.low ? 'badge low' : '' }, w.text));
    }),
  );
}
