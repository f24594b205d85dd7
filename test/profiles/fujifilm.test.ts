import { describe, expect, it } from 'vitest';
import { readingFromRecording } from '../../src/profiles/engine.js';
import { PROFILES } from '../../src/profiles/index.js';
import type { MibView, SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (value: string): SnmpValue => ({ type: 'octets', value: Buffer.from(value) });
const oid = (value: string): SnmpValue => ({ type: 'oid', value });
const view = (entries: Record<string, SnmpValue>): MibView => new Map(Object.entries(entries));
const read = (entries: Record<string, SnmpValue>) => readingFromRecording(view(entries), PROFILES);

describe('fujifilm profile', () => {
  it('reads the Apeos C3060 fixture exactly', () => {
    expect(readingOfFixture('fujifilm-apeos-c3060')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'fujifilm:TC101098765',
        keySource: 'serial',
        vendor: 'Fujifilm',
        host: 'fixture',
        model: 'Apeos C3060',
        serial: 'TC101098765',
        mac: '02:00:5e:10:01:07',
        sysObjectID: '1.3.6.1.4.1.297.1.11.93.2.1.2.3.9',
        sysDescr: 'FUJIFILM Apeos C3060',
        sysName: 'APEOS-C3060-LEGAL',
        sysLocation: 'Legal department',
      },
      counters: {
        total: 41235,
      },
      sources: {
        total: '1.3.6.1.2.1.43.10.2.1.4.1.1',
      },
      supplies: [
        { index: 1, description: 'Black Toner [K]', kind: 'toner', level: 81, max: 100, state: 'ok', color: 'black', percent: 81, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner [C]', kind: 'toner', level: 43, max: 100, state: 'ok', color: 'cyan', percent: 43, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner [M]', kind: 'toner', level: 39, max: 100, state: 'ok', color: 'magenta', percent: 39, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner [Y]', kind: 'toner', level: 52, max: 100, state: 'ok', color: 'yellow', percent: 52, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Drum Cartridge [R1]', kind: 'drum', level: 71, max: 100, state: 'ok', percent: 71, unit: 'percent', class: 'consumed' },
        { index: 6, description: 'Waste Toner Container [R5]', kind: 'wasteToner', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        errors: [],
        alerts: [],
        device: 'running',
        printer: 'idle',
        console: ['Ready to print'],
      },
      profile: 'fujifilm@1',
    });
  });

  it('keeps Fuji Xerox devices under Fujifilm with their brand, not under Xerox', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('FUJI XEROX DocuCentre-VI C2264'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.297.1.11.93.1.48.1.1'),
      '1.3.6.1.2.1.43.5.1.1.17.1': str('111111'),
    });
    expect(r.profile).toBe('fujifilm@1');
    expect(r.device).toMatchObject({ vendor: 'Fujifilm', brand: 'Fuji Xerox', model: 'DocuCentre-VI C2264', key: 'fujifilm:111111' });
  });

  it('reads the model from sysDescr without the maker', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('FUJIFILM Apeos C7580'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.297.1.11.93.2.1.2.3.5') });
    expect(r.device).toMatchObject({ vendor: 'Fujifilm', model: 'Apeos C7580' });
    expect(r.device.brand).toBeUndefined();
  });
});
