import { describe, expect, it } from 'vitest';
import { readingFromRecording } from '../../src/profiles/engine.js';
import { PROFILES } from '../../src/profiles/index.js';
import type { MibView, SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (value: string): SnmpValue => ({ type: 'octets', value: Buffer.from(value) });
const int = (value: number): SnmpValue => ({ type: 'integer', value });
const view = (entries: Record<string, SnmpValue>): MibView => new Map(Object.entries(entries));
const read = (entries: Record<string, SnmpValue>) => readingFromRecording(view(entries), PROFILES);

const X = '1.3.6.1.4.1.253.8.53';
const d = (dev: number, idx: number) => `${X}.13.2.1.6.${dev}.20.${idx}`;

describe('xerox profile', () => {
  it('reads the WorkCentre 6515 fixture exactly', () => {
    expect(readingOfFixture('xerox-workcentre-6515')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'xerox:3391234567',
        keySource: 'serial',
        vendor: 'Xerox',
        host: 'fixture',
        model: 'WorkCentre 6515',
        serial: '3391234567',
        mac: '02:00:5e:10:00:f6',
        sysObjectID: '1.3.6.1.4.1.253.8.62.1.20.6.38.2.1',
        sysDescr: 'Xerox WorkCentre 6515; System 64.50.61, Controller 1.50.61, IOT 5.13.0',
        sysName: 'XRX-6515-OPS',
        sysLocation: 'Operations',
        ieee1284DeviceId: 'MFG:Xerox;CMD:Adobe PostScript 3, PCL;MDL:WorkCentre 6515;CLS:PRINTER;DES:Xerox WorkCentre 6515;',
      },
      counters: {
        total: 24818,
        mono: 9716,
        color: 15102,
        print: 21050,
        printMono: 8100,
        printColor: 12950,
        copy: 3712,
        copyMono: 1560,
        copyColor: 2152,
        fax: 56,
        scan: 3697,
      },
      sources: {
        total: '1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1',
        mono: '1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.34',
        color: '1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.33',
        print: 'computed:printMono+printColor',
        printMono: '1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.7',
        printColor: '1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.29',
        copy: 'computed:copyMono+copyColor',
        copyMono: '1.3.6.1.4.1.253.8.53.13.2.1.6.103.20.3',
        copyColor: '1.3.6.1.4.1.253.8.53.13.2.1.6.103.20.25',
        fax: '1.3.6.1.4.1.253.8.53.13.2.1.6.104.20.14',
        scan: 'computed:1.3.6.1.4.1.253.8.53.13.2.1.6.102.20.11+1.3.6.1.4.1.253.8.53.13.2.1.6.102.20.12',
      },
      supplies: [
        { index: 1, description: 'Black Toner Cartridge; SN1F6A0031204', kind: 'toner', level: 58, max: 100, state: 'ok', color: 'black', percent: 58, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner Cartridge; SN1F6A0031205', kind: 'toner', level: 47, max: 100, state: 'ok', color: 'cyan', percent: 47, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner Cartridge; SN1F6A0031206', kind: 'toner', level: 12, max: 100, state: 'ok', color: 'magenta', percent: 12, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner Cartridge; SN1F6A0031207', kind: 'toner', level: 66, max: 100, state: 'ok', color: 'yellow', percent: 66, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Waste Cartridge', kind: 'wasteToner', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        errors: [],
        alerts: [],
        device: 'running',
        printer: 'idle',
        console: ['Ready to Print'],
      },
      profile: 'xerox@1',
    });
  });

  it('reads copier, scanner and fax counters at hrDevice 11/10/12 on Xerox-built models', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('Xerox AltaLink C8135; SS 103.009.012.00000'),
      [d(1, 1)]: int(1000), [d(1, 33)]: int(600), [d(1, 34)]: int(400),
      [d(11, 3)]: int(150), [d(11, 25)]: int(250), [d(10, 11)]: int(40), [d(10, 12)]: int(2), [d(12, 14)]: int(9),
    });
    expect(r.device.model).toBe('AltaLink C8135');
    expect(r.counters).toEqual({ total: 1000, mono: 400, color: 600, copy: 400, copyMono: 150, copyColor: 250, fax: 9, scan: 42 });
    expect(r.sources.copyMono).toBe(d(11, 3));
  });

  it('reports no colour on a black-and-white model', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('Xerox WorkCentre 3655X v1; SS 075.060'), [d(1, 1)]: int(149855), [d(1, 34)]: int(149855) });
    expect(r.counters).toEqual({ total: 149855, mono: 149855 });
  });

  it('drops the 000000000 placeholder serial, and keeps the key on the MAC', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('Xerox Phaser 6130N; Net 10.80'),
      '1.3.6.1.2.1.2.2.1.6.1': { type: 'octets', value: Buffer.from('02005e0000aa', 'hex') },
      '1.3.6.1.2.1.43.5.1.1.17.1': str('000000000'),
      [`${X}.3.2.1.3.1`]: str('000000000'),
      '1.3.6.1.4.1.253.8.51.1.2.1.20.1': str('/w==;'),
    });
    expect(r.device.serial).toBeUndefined();
    expect(r.device.ieee1284DeviceId).toBeUndefined();
    expect(r.device).toMatchObject({ key: 'xerox:mac:02:00:5e:00:00:aa', keySource: 'mac', model: 'Phaser 6130N' });
  });

  it('recognises a walk without the system group by its Xerox objects, with a Gauge32 serial', () => {
    const r = read({
      [`${X}.3.2.1.2.1`]: str('Xerox WorkCentre 3655X v1 Multifunction Printer'),
      [`${X}.3.2.1.3.1`]: { type: 'gauge32', value: 3353000001 },
      '1.3.6.1.4.1.253.8.51.1.2.1.20.1': str('MFG:Xerox; CMD:PCL; MDL:WorkCentre 3655X; CLS:Printer'),
      [d(1, 1)]: int(149691),
    });
    expect(r.profile).toBe('xerox@1');
    expect(r.device).toMatchObject({ vendor: 'Xerox', model: 'WorkCentre 3655X v1', serial: '3353000001' });
    expect(r.counters).toEqual({ total: 149691 });
  });
});
