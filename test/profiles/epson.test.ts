import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const oid = (o: string): SnmpValue => ({ type: 'oid', value: o });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));

describe('Epson profile', () => {
  it('reads the WF-C5790 fixture exactly', () => {
    expect(readingOfFixture('epson-wf-c5790')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'epson:X5AB004512',
        keySource: 'serial',
        vendor: 'Epson',
        host: 'fixture',
        model: 'WF-C5790 Series',
        serial: 'X5AB004512',
        mac: '02:00:5e:4d:20:05',
        sysObjectID: '1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50',
        sysDescr: 'EPSON Built-in 11b/g/n Print Server',
        sysName: 'EPSON4D2005',
        sysLocation: 'Marketing',
        ieee1284DeviceId: 'MFG:EPSON;CMD:ESCPL2,BDC,D4,D4PX,ESCPR7,END4,GENEP,PWGRaster,URF;MDL:WF-C5790 Series;CLS:PRINTER;DES:EPSON WF-C5790 Series;'
      },
      counters: { total: 12840, color: 9120, print: 10050, printMono: 2880, printColor: 7170, copy: 2790, copyMono: 840, copyColor: 1950 },
      sources: {
        total: '1.3.6.1.2.1.43.10.2.1.4.1.1',
        color: '1.3.6.1.4.1.1248.1.2.2.27.1.1.4.1.1',
        print: '1.3.6.1.4.1.1248.1.2.2.27.6.1.4.1.1.1',
        printMono: '1.3.6.1.4.1.1248.1.2.2.27.6.1.3.1.1.1',
        printColor: '1.3.6.1.4.1.1248.1.2.2.27.6.1.5.1.1.1',
        copy: '1.3.6.1.4.1.1248.1.2.2.27.6.1.4.1.1.2',
        copyMono: '1.3.6.1.4.1.1248.1.2.2.27.6.1.3.1.1.2',
        copyColor: '1.3.6.1.4.1.1248.1.2.2.27.6.1.5.1.1.2'
      },
      supplies: [
        { index: 1, description: 'Black Ink', kind: 'ink', level: 58, max: 100, state: 'ok', color: 'black', percent: 58, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Ink', kind: 'ink', level: 74, max: 100, state: 'ok', color: 'cyan', percent: 74, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Ink', kind: 'ink', level: 66, max: 100, state: 'ok', color: 'magenta', percent: 66, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Ink', kind: 'ink', level: 81, max: 100, state: 'ok', color: 'yellow', percent: 81, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Maintenance Box', kind: 'wasteInk', level: 23, max: 100, state: 'ok', percent: 23, unit: 'percent', class: 'receptacle' }
      ],
      status: { errors: [], alerts: [], device: 'running', printer: 'idle' },
      profile: 'epson@1'
    });
  });

  it('keys a scan server by its network-interface serial when it has no printer serial', () => {
    const r = readingFromRecording(
      view({
        '1.3.6.1.2.1.1.1.0': str('EPSON 10/100/1000 Ethernet USB Ext. Scan Server'),
        '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1248.1.1.2.1.3.4.78.73.85.49'),
        '1.3.6.1.2.1.25.3.2.1.3.1': str('DS-970'),
        '1.3.6.1.4.1.1248.1.1.3.1.1.1.0': str('EP4D2010ENSN07'),
      }),
      PROFILES,
    );
    expect(r.device).toMatchObject({ vendor: 'Epson', model: 'DS-970', serial: 'EP4D2010ENSN07', keySource: 'serial' });
    expect(r.counters).toEqual({});
  });

  it('prefers the printer serial to the network-interface serial', () => {
    const r = readingFromRecording(
      view({
        '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50'),
        '1.3.6.1.4.1.1248.1.2.2.1.1.1.5.1': str('X8G0000001'),
        '1.3.6.1.4.1.1248.1.1.3.1.1.1.0': str('EP29F000ENSN3'),
      }),
      PROFILES,
    );
    expect(r.device.serial).toBe('X8G0000001');
  });
});
