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

const TC = '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1';

describe('toshiba profile', () => {
  it('reads the e-STUDIO3015AC fixture exactly', () => {
    expect(readingOfFixture('toshiba-e-studio-3015ac')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'toshiba:CNFJ123456',
        keySource: 'serial',
        vendor: 'Toshiba',
        host: 'fixture',
        model: 'TOSHIBA e-STUDIO3015AC',
        serial: 'CNFJ123456',
        mac: '02:00:5e:10:00:e5',
        sysObjectID: '1.3.6.1.4.1.1129.2.3.45.1',
        sysDescr: 'TOSHIBA e-STUDIO3015AC',
        sysName: 'MFP-3015AC-SALES',
        sysLocation: 'Sales, 1st floor',
      },
      counters: {
        total: 57705,
        mono: 36980,
        color: 20725,
        print: 39740,
        printMono: 25410,
        printColor: 14330,
        copy: 17285,
        copyMono: 10890,
        copyColor: 6395,
        fax: 680,
        large: 1822,
      },
      sources: {
        total: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.2.1.4',
        mono: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.2.1.3',
        color: 'computed:1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.2.1.1+1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.2.1.2',
        print: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.3.1.4',
        printMono: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.3.1.3',
        printColor: 'computed:1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.3.1.1+1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.3.1.2',
        copy: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.4.1.4',
        copyMono: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.4.1.3',
        copyColor: 'computed:1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.4.1.1+1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.4.1.2',
        fax: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.7.1.4',
        large: '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1.207.1.4',
      },
      supplies: [
        { index: 1, description: 'Black Toner', kind: 'toner', level: 50, max: 100, state: 'ok', color: 'black', percent: 50, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner', kind: 'toner', level: 22, max: 100, state: 'ok', color: 'cyan', percent: 22, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner', kind: 'toner', level: 64, max: 100, state: 'ok', color: 'magenta', percent: 64, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner', kind: 'toner', level: 31, max: 100, state: 'ok', color: 'yellow', percent: 31, unit: 'percent', class: 'consumed' },
      ],
      status: {
        errors: [],
        alerts: [],
        device: 'running',
        printer: 'idle',
        console: ['READY TO PRINT'],
      },
      profile: 'toshiba@1',
    });
  });

  it('reads a black-and-white e-STUDIO without colour cells', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('TOSHIBA e-STUDIO2518A'),
      [`${TC}.2.1.3`]: int(4100),
      [`${TC}.2.1.4`]: int(4100),
      [`${TC}.3.1.3`]: int(3000),
    });
    expect(r.profile).toBe('toshiba@1');
    expect(r.counters).toEqual({ total: 4100, mono: 4100, printMono: 3000 });
  });

  it('reads the label-printer identity objects (bcp MIB)', () => {
    const r = read({
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1129.1.2'),
      '1.3.6.1.4.1.1129.1.2.1.1.1.1.1.0': str('2511A123456'),
      '1.3.6.1.4.1.1129.1.2.1.1.1.2.1.0': str('B-EX4T1'),
      '1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0': str('B4.2A'),
    });
    expect(r.device).toMatchObject({ vendor: 'Toshiba', serial: '2511A123456', model: 'B-EX4T1', firmware: 'B4.2A' });
  });
});
