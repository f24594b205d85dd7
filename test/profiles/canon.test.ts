import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const oid = (o: string): SnmpValue => ({ type: 'oid', value: o });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));
const counter = (n: number): SnmpValue => ({ type: 'counter32', value: n });
const C = '1.3.6.1.4.1.1602.1.11.1.3.1.4';

describe('Canon profile', () => {
  it('reads the iR-ADV C3530 fixture exactly', () => {
    expect(readingOfFixture('canon-ir-adv-c3530')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'canon:2DX01234',
        keySource: 'serial',
        vendor: 'Canon',
        host: 'fixture',
        model: 'iR-ADV C3530',
        serial: '2DX01234',
        mac: '02:00:5e:5a:30:03',
        firmware: '35.07',
        sysObjectID: '1.3.6.1.4.1.1602.4.7',
        sysDescr: 'Canon iR-ADV C3530 /P',
        sysName: 'CANON-3F-EAST',
        sysLocation: 'Floor 3 east'
      },
      counters: { total: 58210, mono: 37105, color: 21105, print: 45730, copy: 12480, scan: 9834, duplex: 14022 },
      sources: {
        total: '1.3.6.1.4.1.1602.1.11.1.3.1.4.101',
        mono: '1.3.6.1.4.1.1602.1.11.1.3.1.4.108',
        color: 'computed:1.3.6.1.4.1.1602.1.11.1.3.1.4.122+1.3.6.1.4.1.1602.1.11.1.3.1.4.123',
        print: '1.3.6.1.4.1.1602.1.11.1.3.1.4.301',
        copy: '1.3.6.1.4.1.1602.1.11.1.3.1.4.201',
        scan: '1.3.6.1.4.1.1602.1.11.1.3.1.4.501',
        duplex: '1.3.6.1.4.1.1602.1.11.1.3.1.4.114'
      },
      supplies: [
        { index: 1, description: 'Black Toner', kind: 'toner', level: 70, max: 100, state: 'ok', color: 'black', percent: 70, unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner', kind: 'toner', level: 40, max: 100, state: 'ok', color: 'cyan', percent: 40, unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner', kind: 'toner', level: 60, max: 100, state: 'ok', color: 'magenta', percent: 60, unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner', kind: 'toner', level: 30, max: 100, state: 'ok', color: 'yellow', percent: 30, unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Waste Toner', kind: 'wasteToner', level: 20, max: 100, state: 'ok', percent: 20, unit: 'percent', class: 'receptacle' }
      ],
      status: { errors: [], alerts: [], device: 'running', printer: 'printing', console: [ 'Printing...' ] },
      profile: 'canon@1'
    });
  });

  it('adds up Black / Large and Black / Small when Total (Black 1) is missing', () => {
    const r = readingFromRecording(
      view({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1602.4.2'), [`${C}.101`]: counter(5000), [`${C}.112`]: counter(100), [`${C}.113`]: counter(4900) }),
      PROFILES,
    );
    expect(r.counters).toEqual({ total: 5000, mono: 5000 });
    expect(r.sources.mono).toBe(`computed:${C}.112+${C}.113`);
  });

  it('reads only the Printer-MIB on models without the counter table', () => {
    const r = readingFromRecording(
      view({ '1.3.6.1.2.1.1.1.0': str('Canon LBP6670 /P'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1602.4.2'), '1.3.6.1.4.1.1602.1.1.1.1.0': str('LBP6670') }),
      PROFILES,
    );
    expect(r.profile).toBe('canon@1');
    expect(r.device.model).toBe('LBP6670');
    expect(r.counters).toEqual({});
  });
});
