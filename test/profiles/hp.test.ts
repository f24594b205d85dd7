import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const oid = (o: string): SnmpValue => ({ type: 'oid', value: o });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));
const counter = (n: number): SnmpValue => ({ type: 'counter32', value: n });
const JETDIRECT = { '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.11.2.3.9.1'), '1.3.6.1.2.1.1.1.0': str('HP ETHERNET MULTI-ENVIRONMENT,SN:XXXXXXXXXX,FN:1A2B3C4,SVCID:12345,PID:HP LaserJet Pro M404dn') };

describe('HP profile', () => {
  it('reads the Color LaserJet MFP M479fdw fixture exactly', () => {
    expect(readingOfFixture('hp-color-laserjet-m479fdw')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'hp:CNB1M2X3Y4',
        keySource: 'serial',
        vendor: 'HP',
        host: 'fixture',
        model: 'HP Color LaserJet MFP M479fdw',
        serial: 'CNB1M2X3Y4',
        mac: '02:00:5e:4d:20:02',
        firmware: '002.2409A',
        sysObjectID: '1.3.6.1.4.1.11.2.3.9.1',
        sysDescr: 'HP ETHERNET MULTI-ENVIRONMENT,SN:CNB1M2X3Y4,FN:LQ91K02,SVCID:31234,PID:HP Color LaserJet MFP M479fdw',
        sysName: 'NPI4D2002',
        sysLocation: 'Floor 3 copy room',
        ieee1284DeviceId: 'MFG:HP;MDL:HP Color LaserJet MFP M479fdw;CMD:PJL,PCL,PCLXL,POSTSCRIPT,URF,PWGRaster;CLS:PRINTER;DES:HP Color LaserJet MFP M479fdw;'
      },
      counters: { total: 31540, mono: 12034, color: 19506, duplex: 8722 },
      sources: {
        total: '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.5.0',
        mono: '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.6.0',
        color: '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.7.0',
        duplex: '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2.22.0'
      },
      supplies: [
        {
          index: 1,
          description: 'Black Cartridge HP W2030A',
          kind: 'tonerCartridge',
          level: 52,
          max: 100,
          state: 'ok',
          color: 'black',
          percent: 52,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 2,
          description: 'Cyan Cartridge HP W2031A',
          kind: 'tonerCartridge',
          level: 6,
          max: 100,
          state: 'low',
          color: 'cyan',
          percent: 6,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 3,
          description: 'Magenta Cartridge HP W2033A',
          kind: 'tonerCartridge',
          level: 33,
          max: 100,
          state: 'ok',
          color: 'magenta',
          percent: 33,
          unit: 'percent',
          class: 'consumed'
        },
        {
          index: 4,
          description: 'Yellow Cartridge HP W2032A',
          kind: 'tonerCartridge',
          level: 71,
          max: 100,
          state: 'ok',
          color: 'yellow',
          percent: 71,
          unit: 'percent',
          class: 'consumed'
        }
      ],
      status: {
        errors: [ 'lowToner' ],
        alerts: [ { severity: 'warning', code: 'markerTonerAlmostEmpty', text: 'Cyan Cartridge Low', group: 'markerSupplies' } ],
        device: 'warning',
        printer: 'idle',
        console: [ 'Ready' ]
      },
      profile: 'hp@1'
    });
  });

  it('falls back to the Printer-MIB life count when status-prt-eng is missing', () => {
    const r = readingFromRecording(
      view({ ...JETDIRECT, '1.3.6.1.2.1.43.10.2.1.3.1.1': { type: 'integer', value: 7 }, '1.3.6.1.2.1.43.10.2.1.4.1.1': counter(10338) }),
      PROFILES,
    );
    expect(r.profile).toBe('hp@1');
    expect(r.counters).toEqual({ total: 10338 });
    expect(r.sources).toEqual({ total: '1.3.6.1.2.1.43.10.2.1.4.1.1' });
  });

  it('keeps the serial-looking run of a serial-number with binary prefix bytes', () => {
    const r = readingFromRecording(view({ ...JETDIRECT, '1.3.6.1.4.1.11.2.3.9.4.2.1.1.3.3.0': str('\x01\x15PHBQA12345\x0a') }), PROFILES);
    expect(r.device.serial).toBe('PHBQA12345');
  });

  it('does not claim other HP enterprise devices (switches)', () => {
    const r = readingFromRecording(view({ '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.11.2.3.7.11.160'), '1.3.6.1.2.1.1.1.0': str('HP J9773A 2530-24G-PoEP Switch') }), PROFILES);
    expect(r.profile).toBe('standard@1');
  });
});
