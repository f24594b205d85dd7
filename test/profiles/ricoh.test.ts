import { describe, expect, it } from 'vitest';
import { str, int, oid, read } from '../helpers/mib.js';

const R = '1.3.6.1.4.1.367';
const E = `${R}.3.2.1.2.19`;
const RICOH = { '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.367.1.1') };
/** ricohEngCounterTable rows: [type code, value], in the order given. */
const rows = (...r: [number, number][]) =>
  Object.fromEntries(r.flatMap(([type, value], i) => [[`${E}.5.1.2.${i + 1}`, int(type)], [`${E}.5.1.9.${i + 1}`, int(value)]]));

describe('ricoh profile', () => {
  it('finds counters by type code whatever the row order, adding split colour rows', () => {
    const r = read({ ...RICOH, ...rows([403, 70], [871, 2], [401, 500], [10, 900], [402, 30], [870, 8], [201, 300]) });
    expect(r.counters).toEqual({ total: 900, mono: 800, printMono: 500, printColor: 100, copyMono: 300, scan: 10 });
    expect(r.sources.total).toBe(`${E}.5.1.9.4`);
    expect(r.sources.printColor).toBe(`computed:${E}.5.1.9.1+${E}.5.1.9.5`);
  });

  it('takes a single colour row as it is', () => {
    const r = read({ ...RICOH, ...rows([401, 500], [403, 70]) });
    expect(r.counters.printColor).toBe(70);
    expect(r.sources.printColor).toBe(`${E}.5.1.9.2`);
  });

  it('falls back to prtMarkerLifeCount when the counter subtree is missing', () => {
    const r = read({
      ...RICOH,
      '1.3.6.1.2.1.1.1.0': str('RICOH MP C2503 1.35 / RICOH Network Printer C model'),
      '1.3.6.1.2.1.43.10.2.1.4.1.1': { type: 'counter32', value: 580 },
      [`${R}.3.2.1.2.1.4.0`]: str('E216R000001'),
    });
    expect(r.counters).toEqual({ total: 580 });
    expect(r.device).toMatchObject({ vendor: 'Ricoh', serial: 'E216R000001' });
  });

  it.each([
    ['SAVIN C3004 1.12 / SAVIN Network Printer C model', 'Savin'],
    ['LANIER MP C3004 1.12 / LANIER Network Printer C model', 'Lanier'],
    ['Gestetner MP C3004 1.12 / Gestetner Network Printer C model', 'Gestetner'],
    ['NRG MP C3004 1.12 / NRG Network Printer C model', 'NRG'],
  ])('recognises the OEM brand in "%s"', (descr, brand) => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str(descr) });
    expect(r.profile).toBe('ricoh@2');
    expect(r.device).toMatchObject({ vendor: 'Ricoh', brand });
  });
});
