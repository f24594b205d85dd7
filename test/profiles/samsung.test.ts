import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { planRead, readingFromRecording } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));

describe('Samsung profile', () => {
  it('reads the CLX-6260 fixture exactly', () => {
    expect(readingOfFixture('samsung-clx-6260')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'samsung:ZDBKB8KF2C00A7Q',
        keySource: 'serial',
        vendor: 'Samsung',
        host: 'fixture',
        model: 'CLX-6260 Series',
        serial: 'ZDBKB8KF2C00A7Q',
        mac: '02:00:5e:8c:50:07',
        firmware: 'V4.00.02.18 JUL-18-2014',
        sysObjectID: '1.3.6.1.4.1.236.11.5.1',
        sysDescr: 'Samsung CLX-6260 Series; V4.00.02.18 JUL-18-2014;Engine V1.00.10;NIC V6.01.00;S/N ZDBKB8KF2C00A7Q',
        sysName: 'SEC02005E8C5007',
        sysLocation: 'HR'
      },
      counters: { total: 18420, mono: 11308, color: 7112 },
      sources: { total: '1.3.6.1.2.1.43.10.2.1.4.1.1', mono: '1.3.6.1.4.1.236.11.5.11.53.11.1.2.0', color: '1.3.6.1.4.1.236.11.5.11.53.11.1.1.0' },
      supplies: [
        {
          index: 1,
          description: 'Black Toner S/N:CRUM-17041912345',
          kind: 'toner',
          level: 37,
          max: 100,
          state: 'ok',
          color: 'black',
          percent: 37,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 2,
          description: 'Cyan Toner S/N:CRUM-17041922345',
          kind: 'toner',
          level: 52,
          max: 100,
          state: 'ok',
          color: 'cyan',
          percent: 52,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 3,
          description: 'Magenta Toner S/N:CRUM-17041932345',
          kind: 'toner',
          level: 48,
          max: 100,
          state: 'ok',
          color: 'magenta',
          percent: 48,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 4,
          description: 'Yellow Toner S/N:CRUM-17041942345',
          kind: 'toner',
          level: 60,
          max: 100,
          state: 'ok',
          color: 'yellow',
          percent: 60,
          unit: 'percent',
          class: 'consumed'
        },
        { index: 5, description: 'Imaging Unit', kind: 'drum', level: 83, max: 100, state: 'ok', percent: 83, unit: 'percent', class: 'consumed' },
        { index: 6, description: 'Waste Toner Container', kind: 'wasteToner', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'receptacle' }
      ],
      status: { errors: [], alerts: [], device: 'running', printer: 'idle', console: [ 'Ready' ] },
      profile: 'samsung@1'
    });
  });

  it('recognises the SyncThru sysDescr and walks without GETBULK', () => {
    const r = readingFromRecording(view({ '1.3.6.1.2.1.1.1.0': str('SAMSUNG NETWORK PRINTER,ROM V1.01.00.25 03-18-2010;NIC V4.01.14') }), PROFILES);
    expect(r.profile).toBe('samsung@1');
    expect(planRead(PROFILES.find((p) => p.id === 'samsung')).quirks.bulk).toBe(false);
  });
});
