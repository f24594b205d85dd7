import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const oid = (o: string): SnmpValue => ({ type: 'oid', value: o });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));

describe('OKI profile', () => {
  it('reads the C834 fixture exactly', () => {
    expect(readingOfFixture('oki-c834')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'oki:AK8B012345',
        keySource: 'serial',
        vendor: 'OKI',
        host: 'fixture',
        model: 'C834',
        serial: 'AK8B012345',
        mac: '02:00:5e:7a:10:06',
        sysObjectID: '1.3.6.1.4.1.2001.1.1.1.1',
        sysDescr: 'OKI OkiLAN 8450e Rev.02.14 10/100/1000BASE Ethernet PrintServer: Attached to C834 Rev.A9.01 : Copyright (c) 2018 Oki Data Corporation. All rights reserved.',
        sysName: 'OKI-C834-7A1006',
        sysLocation: 'Warehouse office',
        ieee1284DeviceId: 'MANUFACTURE:OKI DATA CORP;COMMAND SET:PCL,XPS,IBMPPR,EPSONFX,POSTSCRIPT,PDF;MODEL:C834;CLASS:PRINTER;DESCRIPTION:C834;'
      },
      counters: { total: 27714 },
      sources: { total: '1.3.6.1.2.1.43.10.2.1.4.1.1' },
      supplies: [
        { index: 1, description: 'Black Toner', kind: 'toner', level: 44, max: 100, state: 'ok', color: 'black', percent: 44, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner', kind: 'toner', level: 68, max: 100, state: 'ok', color: 'cyan', percent: 68, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner', kind: 'toner', level: 29, max: 100, state: 'ok', color: 'magenta', percent: 29, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner', kind: 'toner', level: 55, max: 100, state: 'ok', color: 'yellow', percent: 55, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Belt Unit', kind: 'transferUnit', level: 61, max: 100, state: 'ok', percent: 61, unit: 'percent', class: 'consumed' },
        { index: 6, description: 'Fuser Unit', kind: 'fuser', level: 72, max: 100, state: 'ok', percent: 72, unit: 'percent', class: 'consumed' }
      ],
      status: {
        errors: [ 'jammed' ],
        alerts: [ { severity: 'critical', code: 'jam', text: 'Paper jam in tray 2', group: 'mediaPath' } ],
        device: 'warning',
        printer: 'idle',
        console: [ 'Paper Jam: Tray 2' ]
      },
      profile: 'oki@1'
    });
  });

  it('takes the model from the printer the OkiLAN server is attached to, and keys by MAC without a serial', () => {
    const r = readingFromRecording(
      view({
        '1.3.6.1.2.1.1.1.0': str('OKI OkiLAN 9450g Rev.00.69 10/100/1000BASE Ethernet PrintServer: Attached to MC883 Rev.07.87 : Copyright'),
        '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.2001.1.1.1.1'),
        '1.3.6.1.2.1.2.2.1.6.1': { type: 'octets', value: Buffer.from('02005e7a1099', 'hex') },
      }),
      PROFILES,
    );
    expect(r.profile).toBe('oki@1');
    expect(r.device).toMatchObject({ vendor: 'OKI', model: 'MC883', key: 'oki:mac:02:00:5e:7a:10:99', keySource: 'mac' });
  });
});
