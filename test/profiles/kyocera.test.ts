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

const KY = '1.3.6.1.4.1.1347';
const FN = `${KY}.42.3.1.2.1.1`;
const KYOCERA = { '1.3.6.1.2.1.1.1.0': str('KYOCERA Document Solutions Printing System'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1347.41') };

describe('kyocera profile', () => {
  it('reads the TASKalfa 3253ci fixture exactly', () => {
    expect(readingOfFixture('kyocera-taskalfa-3253ci')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'kyocera:W4R2X01234',
        keySource: 'serial',
        vendor: 'Kyocera',
        host: 'fixture',
        model: 'TASKalfa 3253ci',
        serial: 'W4R2X01234',
        mac: '02:00:5e:10:00:b2',
        firmware: '2V4_S000.002.512',
        sysObjectID: '1.3.6.1.4.1.1347.41',
        sysDescr: 'KYOCERA Document Solutions Printing System',
        sysName: 'KM-TASKALFA-3253CI',
        sysLocation: 'Finance, 3rd floor',
      },
      counters: {
        total: 84277,
        mono: 42180,
        color: 42097,
        print: 48355,
        printMono: 18240,
        printColor: 30115,
        copy: 34392,
        copyMono: 22410,
        copyColor: 11982,
        fax: 1530,
        scan: 30185,
        large: 2410,
      },
      sources: {
        total: '1.3.6.1.4.1.1347.43.10.1.1.12.1.1',
        mono: 'computed:1.3.6.1.4.1.1347.42.3.1.2.1.1.1.1+1.3.6.1.4.1.1347.42.3.1.2.1.1.2.1+1.3.6.1.4.1.1347.42.3.1.2.1.1.4.1',
        color: 'computed:1.3.6.1.4.1.1347.42.3.1.2.1.1.1.2+1.3.6.1.4.1.1347.42.3.1.2.1.1.1.3+1.3.6.1.4.1.1347.42.3.1.2.1.1.2.2+1.3.6.1.4.1.1347.42.3.1.2.1.1.2.3+1.3.6.1.4.1.1347.42.3.1.2.1.1.4.2+1.3.6.1.4.1.1347.42.3.1.2.1.1.4.3',
        print: '1.3.6.1.4.1.1347.42.3.1.1.1.1.1',
        printMono: '1.3.6.1.4.1.1347.42.3.1.2.1.1.1.1',
        printColor: 'computed:1.3.6.1.4.1.1347.42.3.1.2.1.1.1.2+1.3.6.1.4.1.1347.42.3.1.2.1.1.1.3',
        copy: '1.3.6.1.4.1.1347.42.3.1.1.1.1.2',
        copyMono: '1.3.6.1.4.1.1347.42.3.1.2.1.1.2.1',
        copyColor: 'computed:1.3.6.1.4.1.1347.42.3.1.2.1.1.2.2+1.3.6.1.4.1.1347.42.3.1.2.1.1.2.3',
        fax: '1.3.6.1.4.1.1347.42.3.1.1.1.1.4',
        scan: 'computed:1.3.6.1.4.1.1347.42.3.1.3.1.1.2+1.3.6.1.4.1.1347.42.3.1.3.1.1.4+1.3.6.1.4.1.1347.42.3.1.4.1.1.1',
        large: 'computed:1.3.6.1.4.1.1347.42.2.1.1.1.6.1.1+1.3.6.1.4.1.1347.42.2.1.1.1.6.1.2+1.3.6.1.4.1.1347.42.2.1.1.1.6.1.7',
      },
      supplies: [
        { index: 1, description: 'TK-8335K', kind: 'toner', level: 46, max: 100, state: 'ok', color: 'black', percent: 46, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'TK-8335C', kind: 'toner', level: 61, max: 100, state: 'ok', color: 'cyan', percent: 61, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'TK-8335M', kind: 'toner', level: 58, max: 100, state: 'ok', color: 'magenta', percent: 58, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'TK-8335Y', kind: 'toner', level: 8, max: 100, state: 'low', color: 'yellow', percent: 8, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Waste Toner Box', kind: 'wasteToner', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        errors: ['lowToner'],
        alerts: [
          { severity: 'warning', code: 'markerTonerAlmostEmpty', text: 'Add toner. Yellow', group: 'markerSupplies' },
        ],
        device: 'warning',
        printer: 'idle',
        console: ['Ready to print.'],
      },
      profile: 'kyocera@1',
    });
  });

  it('adds up mono and colour over print, copy and fax', () => {
    const r = read({
      ...KYOCERA,
      [`${FN}.1.1`]: int(100), [`${FN}.1.2`]: int(5), [`${FN}.1.3`]: int(200),
      [`${FN}.2.1`]: int(30), [`${FN}.2.2`]: int(1), [`${FN}.2.3`]: int(40),
      [`${FN}.4.1`]: int(7), [`${FN}.4.2`]: int(0), [`${FN}.4.3`]: int(0),
    });
    expect(r.counters).toMatchObject({ mono: 137, color: 246, printColor: 205, copyColor: 41 });
    expect(r.sources.mono).toBe(`computed:${FN}.1.1+${FN}.2.1+${FN}.4.1`);
  });

  it('falls back to shorter sums on a printer without copier or fax, and to prtMarkerLifeCount for the total', () => {
    const r = read({
      ...KYOCERA,
      '1.3.6.1.2.1.43.10.2.1.3.1.1': int(7),
      '1.3.6.1.2.1.43.10.2.1.4.1.1': { type: 'counter32', value: 9120 },
      [`${FN}.1.1`]: int(9120),
    });
    expect(r.counters).toEqual({ total: 9120, mono: 9120, printMono: 9120 });
    expect(r.sources.total).toBe('1.3.6.1.2.1.43.10.2.1.4.1.1');
  });

  it('prefers the Kyocera total over prtMarkerLifeCount', () => {
    const r = read({
      ...KYOCERA,
      '1.3.6.1.2.1.43.10.2.1.4.1.1': { type: 'counter32', value: 76498 },
      [`${KY}.43.10.1.1.12.1.1`]: int(76064),
    });
    expect(r.counters.total).toBe(76064);
  });

  it.each([
    ['UTAX 4006ci', 'UTAX'],
    ['TA 4006ci', 'Triumph-Adler'],
    ['Triumph-Adler P-C2660 MFP', 'Triumph-Adler'],
    ['CS 4053ci', 'Copystar'],
  ])('shows the OEM brand of %s', (model, brand) => {
    const r = read({ ...KYOCERA, [`${KY}.43.5.1.1.1.1`]: str(model), [`${KY}.43.5.1.1.28.1`]: str('RXX0Z00001') });
    expect(r.device).toMatchObject({ vendor: 'Kyocera', brand, model, key: 'kyocera:RXX0Z00001' });
  });
});
