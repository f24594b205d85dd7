import { describe, expect, it } from 'vitest';
import { readingFromRecording } from '../../src/profiles/engine.js';
import { PROFILES } from '../../src/profiles/index.js';
import type { MibView, SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (value: string): SnmpValue => ({ type: 'octets', value: Buffer.from(value) });
const oid = (value: string): SnmpValue => ({ type: 'oid', value });
const view = (entries: Record<string, SnmpValue>): MibView => new Map(Object.entries(entries));
const read = (entries: Record<string, SnmpValue>) => readingFromRecording(view(entries), PROFILES);

const T = '1.3.6.1.4.1.2385.1.1.19.2.1';
const SHARP = { '1.3.6.1.2.1.1.1.0': str('SHARP MX-M266NV'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.2385.3.1.111.1.26') };

describe('sharp profile', () => {
  it('reads the MX-3071 fixture exactly', () => {
    expect(readingOfFixture('sharp-mx-3071')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'sharp:3501234500',
        keySource: 'serial',
        vendor: 'Sharp',
        host: 'fixture',
        model: 'SHARP MX-3071',
        serial: '3501234500',
        mac: '02:00:5e:10:00:d4',
        firmware: '2.03',
        sysObjectID: '1.3.6.1.4.1.2385.3.1.130.1.26',
        sysDescr: 'SHARP MX-3071',
        sysName: 'SHARP-MX3071-HR',
        sysLocation: 'HR office',
      },
      counters: {
        total: 54012,
        mono: 30012,
        color: 24000,
        print: 31520,
        printMono: 14210,
        printColor: 17310,
        copy: 22480,
        copyMono: 15790,
        copyColor: 6690,
        scan: 6995,
      },
      sources: {
        total: '1.3.6.1.2.1.43.10.2.1.4.1.1',
        mono: '1.3.6.1.4.1.2385.1.1.19.2.1.3.5.4.61',
        color: '1.3.6.1.4.1.2385.1.1.19.2.1.3.5.4.63',
        print: '1.3.6.1.4.1.2385.1.1.19.2.1.3.1.4.60',
        printMono: '1.3.6.1.4.1.2385.1.1.19.2.1.3.1.4.61',
        printColor: '1.3.6.1.4.1.2385.1.1.19.2.1.3.1.4.63',
        copy: '1.3.6.1.4.1.2385.1.1.19.2.1.3.4.4.60',
        copyMono: '1.3.6.1.4.1.2385.1.1.19.2.1.3.4.4.61',
        copyColor: '1.3.6.1.4.1.2385.1.1.19.2.1.3.4.4.63',
        scan: 'computed:1.3.6.1.4.1.2385.1.1.19.2.1.3.8.4.51+1.3.6.1.4.1.2385.1.1.19.2.1.3.8.4.53',
      },
      supplies: [
        { index: 1, description: 'Black Toner', kind: 'toner', level: 72, max: 100, state: 'ok', color: 'black', percent: 72, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner', kind: 'toner', level: 40, max: 100, state: 'ok', color: 'cyan', percent: 40, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner', kind: 'toner', level: 38, max: 100, state: 'ok', color: 'magenta', percent: 38, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner', kind: 'toner', level: 66, max: 100, state: 'ok', color: 'yellow', percent: 66, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Toner Collection Container', kind: 'wasteToner', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        errors: [],
        alerts: [],
        device: 'running',
        printer: 'idle',
        console: ['READY'],
      },
      profile: 'sharp@1',
    });
  });

  it('finds a counter by its label when the model numbers the rows differently', () => {
    const r = read({
      ...SHARP,
      [`${T}.3.5.9.61`]: { type: 'counter32', value: 90474 },
      [`${T}.4.5.9.61`]: str('Black & White Total Count'),
      [`${T}.3.1.9.61`]: { type: 'counter32', value: 24677 },
      [`${T}.4.1.9.61`]: str('Black & White Print Count'),
    });
    expect(r.counters).toEqual({ mono: 90474, printMono: 24677 });
    expect(r.sources.mono).toBe(`${T}.3.5.9.61`);
  });

  it('keeps the SHARP prefix in the model and reads the serial from the Printer-MIB', () => {
    const r = read({
      ...SHARP,
      '1.3.6.1.4.1.2385.2.1.3.2.1.4.13501.1302.1': str('SHARP MX-M266NV'),
      '1.3.6.1.2.1.43.5.1.1.17.1': str('0505000000'),
    });
    expect(r.device).toMatchObject({ vendor: 'Sharp', model: 'SHARP MX-M266NV', serial: '0505000000' });
  });
});
