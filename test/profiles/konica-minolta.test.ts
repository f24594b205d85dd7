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

const KM = '1.3.6.1.4.1.18334.1.1.1';
const C = `${KM}.5.7.2`;

describe('konica-minolta profile', () => {
  it('reads the bizhub C258 fixture exactly', () => {
    expect(readingOfFixture('konica-minolta-bizhub-c258')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'konica-minolta:A7R0021004321',
        keySource: 'serial',
        vendor: 'Konica Minolta',
        host: 'fixture',
        model: 'bizhub C258',
        serial: 'A7R0021004321',
        mac: '02:00:5e:10:00:a1',
        firmware: 'G00-R5',
        sysObjectID: '1.3.6.1.4.1.18334.1.1.1.2.1.141.2.2',
        sysDescr: 'KONICA MINOLTA bizhub C258',
        sysName: 'KM-C258-2F',
        sysLocation: 'Floor 2, copy room',
      },
      counters: {
        total: 87000,
        mono: 60395,
        color: 26605,
        print: 56178,
        printMono: 38915,
        printColor: 17263,
        copy: 30822,
        copyMono: 21480,
        copyColor: 9342,
        scan: 15402,
        duplex: 24110,
        large: 3634,
      },
      sources: {
        total: '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0',
        mono: 'computed:copyMono+printMono',
        color: 'computed:copyColor+printColor',
        print: 'computed:printMono+printColor',
        printMono: '1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.2',
        printColor: '1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.2.2',
        copy: 'computed:copyMono+copyColor',
        copyMono: '1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.1.1',
        copyColor: '1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.5.2.1',
        scan: '1.3.6.1.4.1.18334.1.1.1.5.7.2.3.1.5.1',
        duplex: '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.3.0',
        large: 'computed:1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.7.1.1+1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.7.1.2+1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.7.2.1+1.3.6.1.4.1.18334.1.1.1.5.7.2.2.1.7.2.2',
      },
      supplies: [
        { index: 1, description: 'Toner (Black)', kind: 'toner', level: 70, max: 100, state: 'ok', color: 'black', percent: 70, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Toner (Cyan)', kind: 'toner', level: 35, max: 100, state: 'ok', color: 'cyan', percent: 35, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Toner (Magenta)', kind: 'toner', level: 52, max: 100, state: 'ok', color: 'magenta', percent: 52, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Toner (Yellow)', kind: 'toner', level: 9, max: 100, state: 'low', color: 'yellow', percent: 9, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Drum Cartridge (Black)', kind: 'drum', level: 64, max: 100, state: 'ok', color: 'black', percent: 64, unit: 'percent', class: 'consumed' },
        { index: 6, description: 'Waste Toner Box', kind: 'wasteToner', level: -3, max: -2, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        errors: ['lowToner'],
        alerts: [
          { severity: 'warning', code: 'markerTonerAlmostEmpty', text: 'Toner Low (Yellow)', group: 'markerSupplies' },
        ],
        device: 'warning',
        printer: 'idle',
        console: ['Ready to Print'],
      },
      profile: 'konica-minolta@1',
    });
  });

  it('names a Develop rebadge by its own model OID, keyed under Konica Minolta', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('KONICA MINOLTA bizhub C3110'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.1.1.2.1.117.2.2'),
      '1.3.6.1.2.1.25.3.2.1.3.1': str('Generic 28C-1'),
      [`${KM}.1.6.2.1.0`]: str('Develop ineo+ 280'),
    });
    expect(r.profile).toBe('konica-minolta@1');
    expect(r.device).toMatchObject({ vendor: 'Konica Minolta', brand: 'Develop', model: 'Develop ineo+ 280' });
    expect(r.device.key.startsWith('konica-minolta:')).toBe(true);
  });

  it('recognises Sindoh on the OEM sysObjectID branch', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('SINDOH D450'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.2.1.2.1.181.3.4'),
      [`${KM}.1.6.2.1.0`]: str('SINDOH D450'),
    });
    expect(r.device).toMatchObject({ vendor: 'Konica Minolta', brand: 'Sindoh', model: 'SINDOH D450' });
  });

  it('matches a mixed-case sysDescr and reports no counters when the device exposes none', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('Konica Minolta bizhub 25e'), '1.3.6.1.2.1.25.3.2.1.3.1': str('Konica Minolta bizhub 25e') });
    expect(r.profile).toBe('konica-minolta@1');
    expect(r.counters).toEqual({});
  });

  it('strips the maker from the model OID and falls back to the scalar scan counter', () => {
    const r = read({
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.1.1.2.1.54.1.1'),
      [`${KM}.1.6.2.1.0`]: str('KONICA MINOLTA bizhub 4050'),
      [`${C}.1.1.0`]: int(5000),
      [`${C}.1.5.0`]: int(321),
      [`${C}.2.1.5.1.1`]: int(1000),
      [`${C}.2.1.5.1.2`]: int(4000),
    });
    expect(r.device.model).toBe('bizhub 4050');
    expect(r.counters).toEqual({ total: 5000, mono: 5000, printMono: 4000, copyMono: 1000, scan: 321 });
    expect(r.sources.scan).toBe(`${C}.1.5.0`);
  });
});
