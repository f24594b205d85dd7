import { describe, expect, it } from 'vitest';
import { readingFromRecording } from '../../src/profiles/engine.js';
import { PROFILES } from '../../src/profiles/index.js';
import type { MibView, SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (value: string): SnmpValue => ({ type: 'octets', value: Buffer.from(value) });
const int = (value: number): SnmpValue => ({ type: 'integer', value });
const oid = (value: string): SnmpValue => ({ type: 'oid', value });
const view = (entries: Record<string, SnmpValue>): MibView => new Map(Object.entries(entries));
const read = (entries: Record<string, SnmpValue>) => readingFromRecording(view(entries), PROFILES);

const R = '1.3.6.1.4.1.367';
const E = `${R}.3.2.1.2.19`;
const RICOH = { '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.367.1.1') };
/** ricohEngCounterTable rows: [type code, value], in the order given. */
const rows = (...r: [number, number][]) =>
  Object.fromEntries(r.flatMap(([type, value], i) => [[`${E}.5.1.2.${i + 1}`, int(type)], [`${E}.5.1.9.${i + 1}`, int(value)]]));

describe('ricoh profile', () => {
  it('reads the MP C3004 fixture exactly', () => {
    expect(readingOfFixture('ricoh-mp-c3004')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'ricoh:E175M730123',
        keySource: 'serial',
        vendor: 'Ricoh',
        host: 'fixture',
        model: 'MP C3004',
        serial: 'E175M730123',
        mac: '02:00:5e:10:00:c3',
        firmware: '1.12',
        sysObjectID: '1.3.6.1.4.1.367.1.1',
        sysDescr: 'RICOH MP C3004 1.12 / RICOH Network Printer C model / RICOH Network Scanner C model / RICOH Network Facsimile C model',
        sysName: 'RNP002673A1B2C3',
        sysLocation: 'Reception',
      },
      counters: {
        total: 107900,
        mono: 73415,
        color: 34485,
        print: 65390,
        printMono: 41200,
        printColor: 24190,
        copy: 40405,
        copyMono: 30110,
        copyColor: 10295,
        fax: 2105,
        scan: 15351,
      },
      sources: {
        total: '1.3.6.1.4.1.367.3.2.1.2.19.1.0',
        mono: 'computed:printMono+copyMono+fax',
        color: 'computed:printColor+copyColor',
        print: '1.3.6.1.4.1.367.3.2.1.2.19.2.0',
        printMono: '1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.8',
        printColor: 'computed:1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.9+1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.10',
        copy: '1.3.6.1.4.1.367.3.2.1.2.19.4.0',
        copyMono: '1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.3',
        copyColor: 'computed:1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.4+1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.5',
        fax: '1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.6',
        scan: 'computed:1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.11+1.3.6.1.4.1.367.3.2.1.2.19.5.1.9.12',
      },
      supplies: [
        { index: 1, description: 'Black Toner', kind: 'toner', level: 55, max: 100, state: 'ok', color: 'black', percent: 55, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner', kind: 'toner', level: 30, max: 100, state: 'ok', color: 'cyan', percent: 30, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner', kind: 'toner', level: 80, max: 100, state: 'ok', color: 'magenta', percent: 80, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner', kind: 'toner', level: 45, max: 100, state: 'ok', color: 'yellow', percent: 45, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Waste Toner', kind: 'wasteToner', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        errors: [],
        alerts: [],
        device: 'running',
        printer: 'idle',
        console: ['Ready'],
      },
      profile: 'ricoh@1',
    });
  });

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
    expect(r.profile).toBe('ricoh@1');
    expect(r.device).toMatchObject({ vendor: 'Ricoh', brand });
  });
});
