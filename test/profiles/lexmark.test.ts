import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording, selectProfile } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const oid = (o: string): SnmpValue => ({ type: 'oid', value: o });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));
const int = (n: number): SnmpValue => ({ type: 'integer', value: n });
const counter = (n: number): SnmpValue => ({ type: 'counter32', value: n });
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
  it('reads the CX725de fixture exactly', () => {
    expect(readingOfFixture('lexmark-cx725de')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'lexmark:7531290012345',
        keySource: 'serial',
        vendor: 'Lexmark',
        host: 'fixture',
        model: 'CX725de',
        serial: '7531290012345',
        mac: '02:00:5e:6b:40:04',
        firmware: 'CXTPP.230.037',
        sysObjectID: '1.3.6.1.4.1.641.1.75311',
        sysDescr: 'Lexmark CX725de version CXTPP.230.037 kernel 4.17.19-yocto-standard All-N-1',
        sysName: 'ET02005E6B4004',
        sysLocation: 'Finance'
      },
      counters: { total: 40188, mono: 16102, color: 24086, print: 35938, printMono: 13950, printColor: 21988, copy: 4110, copyMono: 2012, copyColor: 2098, fax: 140 },
      sources: {
        total: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.3',
        mono: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.5',
        color: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.6',
        print: 'computed:printMono+printColor',
        printMono: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.8',
        printColor: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.9',
        copy: 'computed:copyMono+copyColor',
        copyMono: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.11',
        copyColor: '1.3.6.1.4.1.641.6.4.2.1.1.4.1.12',
        fax: 'computed:1.3.6.1.4.1.641.6.4.2.1.1.4.1.14+1.3.6.1.4.1.641.6.4.2.1.1.4.1.15'
      },
      supplies: [
        { index: 1, description: 'Black Cartridge', kind: 'tonerCartridge', level: 81, max: 100, state: 'ok', color: 'black', percent: 81, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Cartridge', kind: 'tonerCartridge', level: 57, max: 100, state: 'ok', color: 'cyan', percent: 57, unit: 'percent', class: 'consumed' },
        {
          index: 3,
          description: 'Magenta Cartridge',
          kind: 'tonerCartridge',
          level: 49,
          max: 100,
          state: 'ok',
          color: 'magenta',
          percent: 49,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 4,
          description: 'Yellow Cartridge',
          kind: 'tonerCartridge',
          level: 62,
          max: 100,
          state: 'ok',
          color: 'yellow',
          percent: 62,
          unit: 'percent',
          class: 'consumed'
        },
        { index: 5, description: 'Waste Toner Bottle', kind: 'wasteToner', level: 35, max: 100, state: 'ok', percent: 35, unit: 'percent', class: 'receptacle' }
      ],
      status: { errors: [], alerts: [], device: 'running', printer: 'idle', console: [ 'Ready' ] },
      profile: 'lexmark@1'
    });
  });

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
    const r = readingFromRecording(view({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.641.1.5'), ...rows }), PROFILES);
    expect(r.counters).toEqual({ total: 1200, mono: 500, color: 700, print: 1100, printMono: 450, printColor: 650, fax: 50 });
    expect(r.sources.total).toBe(`${T}.4.1.2`);
    expect(r.sources.print).toBe('computed:printMono+printColor');
    expect(r.sources.fax).toBe(`computed:${T}.4.1.8+${T}.4.1.9`);
  });

  it('reads type codes that the agent types as Counter32, as some firmwares do', () => {
    const rows = table([[2, 4, 31309]]);
    rows[`${T}.2.1.1`] = counter(2);
    rows[`${T}.3.1.1`] = counter(4);
    const r = readingFromRecording(view({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.641.1.5'), ...rows }), PROFILES);
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
