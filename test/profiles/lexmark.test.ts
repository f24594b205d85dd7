import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/reading/build.js';
import { selectProfile } from '../../src/profiles/match.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { str, int, counter, oid, view, read } from '../helpers/mib.js';

const T = '1.3.6.1.4.1.641.6.4.2.1.1';

/** paperGeneralCountTable rows [type, units, value], in the given row order. */
function table(rows: [number, number, number][]): Record<string, SnmpValue> {
  const out: Record<string, SnmpValue> = {};
  rows.forEach(([type, units, value], i) => {
    out[`${T}.2.1.${i + 1}`] = int(type);
    out[`${T}.3.1.${i + 1}`] = int(units);
    out[`${T}.4.1.${i + 1}`] = counter(value);
  });
  return out;
}

describe('Lexmark profile', () => {
  it('selects typed counter rows by type and by unit (sides), whatever the row order', () => {
    const rows = table([
      [2, 5, 900], // totalSafe in sheets, listed first
      [2, 4, 1200], // totalSafe in sides
      [3, 4, 500],
      [4, 4, 700],
      [16, 5, 800], // printTotal: sheets only
      [17, 4, 450],
      [18, 4, 650],
      [49, 4, 50],
      [50, 4, 0],
    ]);
    const r = read({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.641.1.5'), ...rows });
    expect(r.counters).toEqual({ total: 1200, mono: 500, color: 700, print: 1100, printMono: 450, printColor: 650, fax: 50 });
    expect(r.sources.total).toBe(`${T}.4.1.2`);
    expect(r.sources.print).toBe('computed:printMono+printColor');
    expect(r.sources.fax).toBe(`computed:${T}.4.1.8+${T}.4.1.9`);
  });

  it('reads type codes that the agent types as Counter32, as some firmwares do', () => {
    const rows = table([[2, 4, 31309]]);
    rows[`${T}.2.1.1`] = counter(2);
    rows[`${T}.3.1.1`] = counter(4);
    const r = read({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.641.1.5'), ...rows });
    expect(r.counters).toEqual({ total: 31309 });
  });

  it('recognises an agent without a system group by prtgenPrinterName and reads a Counter64 serial', () => {
    const v = view({
      '1.3.6.1.4.1.641.2.1.2.1.2.1': str('Lexmark XC9235'),
      '1.3.6.1.4.1.641.6.2.3.1.5.1': { type: 'counter64', value: 7559030099999n },
      '1.3.6.1.4.1.641.2.1.2.1.6.1': str('7559030099999'),
    });
    expect(selectProfile(PROFILES, v)?.id).toBe('lexmark');
    const r = readingFromRecording(v, PROFILES);
    expect(r.device).toMatchObject({ vendor: 'Lexmark', model: 'XC9235', serial: '7559030099999', key: 'lexmark:7559030099999' });
  });
});
