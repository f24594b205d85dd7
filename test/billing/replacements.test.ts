/**
 * A printer swapped for another has a new serial, so a new device key: the candidates for
 * "replaced by" come from the MAC or host they share and the order of their readings.
 */
import { describe, expect, it } from 'vitest';
import { deviceUsage, replacementCandidates, type DeviceSpan } from '../../src/billing/index.js';
import { Printer, at } from './device-model.js';

describe('replacements across device keys', () => {
  const spans: DeviceSpan[] = [
    { deviceKey: 'km:OLD', serial: 'OLD', mac: '00:20:6b:00:00:01', host: '10.1.20.31', firstAt: at(-300), lastAt: at(10) },
    { deviceKey: 'km:NEW', serial: 'NEW', mac: '00:20:6b:00:00:02', host: '10.1.20.31', firstAt: at(11), lastAt: at(60) },
    { deviceKey: 'hp:OTHER', serial: 'OTHER', host: '10.1.20.40', firstAt: at(12), lastAt: at(60) },
    { deviceKey: 'km:BOARD', serial: 'BOARD', mac: '00:20:6b:00:00:09', host: '10.1.30.5', firstAt: at(-50), lastAt: at(20) },
    { deviceKey: 'km:BOARD2', serial: 'BOARD2', mac: '00:20:6b:00:00:09', host: '10.1.30.77', firstAt: at(20, 2), lastAt: at(60) },
    { deviceKey: 'km:GONE', serial: 'GONE', host: '10.1.50.1', firstAt: at(-100), lastAt: at(-90) },
    { deviceKey: 'km:MUCH-LATER', serial: 'LATER', host: '10.1.50.1', firstAt: at(0), lastAt: at(60) },
  ];

  it('links a device to the one that followed it at the same host or MAC, within the window', () => {
    expect(replacementCandidates(spans)).toEqual([
      { replaced: 'km:OLD', by: 'km:NEW', sameMac: false, sameHost: true, gapDays: 1 },
      { replaced: 'km:BOARD', by: 'km:BOARD2', sameMac: true, sameHost: false, gapDays: 0.08 },
    ]);
    expect(replacementCandidates(spans, 100).map((c) => c.replaced)).toContain('km:GONE');
  });

  it('streamed under one key, the pair is billed as one position with two segments', () => {
    const old = new Printer('OLD');
    const fresh = new Printer('NEW');
    const rs = [old.read(at(0)), old.print({ sheets: 5 }).read(at(10)), fresh.read(at(11)), fresh.print({ sheets: 7 }).read(at(20))];
    const u = deviceUsage('position:10.1.20.31', rs, { from: at(0), to: at(20) }, { now: at(30) });
    expect(u?.units.mono).toMatchObject({ computable: true, value: 12 });
    expect(u?.segments.map((s) => s.serial)).toEqual(['OLD', 'NEW']);
  });
});
