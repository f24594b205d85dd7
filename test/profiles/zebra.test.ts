import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { readingFromRecording } from '../../src/profiles/engine.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { readingOfFixture } from '../helpers/fixtures.js';

const str = (s: string): SnmpValue => ({ type: 'octets', value: Buffer.from(s, 'latin1') });
const oid = (o: string): SnmpValue => ({ type: 'oid', value: o });
const view = (entries: Record<string, SnmpValue>) => new Map(Object.entries(entries));

describe('Zebra profile', () => {
  it('reads the ZT410 fixture exactly (labels, no page counters)', () => {
    expect(readingOfFixture('zebra-zt410')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'zebra:18J184700123',
        keySource: 'serial',
        vendor: 'Zebra',
        host: 'fixture',
        model: 'ZTC ZT410-203dpi ZPL',
        serial: '18J184700123',
        mac: '02:00:5e:9d:60:08',
        firmware: 'V75.20.17Z',
        sysObjectID: '1.3.6.1.4.1.10642.1',
        sysDescr: 'ZebraNet Wired PS',
        sysName: 'ZBR-DOCK-2',
        sysLocation: 'Loading dock 2',
        ieee1284DeviceId: 'MANUFACTURER:Zebra Technologies ;COMMAND SET:ZPL;MODEL:ZTC ZT410-203dpi ZPL;CLASS:PRINTER;OPTIONS:XML;'
      },
      counters: {},
      sources: {},
      supplies: [],
      status: { errors: [], alerts: [], device: 'running', printer: 'idle' },
      profile: 'zebra@1'
    });
  });

  it('recognises an ESI ZebraNet print server and falls back to its serial and model', () => {
    const r = readingFromRecording(
      view({
        '1.3.6.1.2.1.1.1.0': str('ZebraNet PrintServer'),
        '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.683.6.0'),
        '1.3.6.1.4.1.683.1.5.0': str('7060001'),
        '1.3.6.1.4.1.683.6.2.3.2.1.15.1': str('ZTC GK420d'),
      }),
      PROFILES,
    );
    expect(r.profile).toBe('zebra@1');
    expect(r.device).toMatchObject({ vendor: 'Zebra', model: 'ZTC GK420d', serial: '7060001' });
    expect(r.counters).toEqual({});
  });
});
