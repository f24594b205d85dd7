import { describe, expect, it } from 'vitest';
import { PRT } from '../../src/profiles/standard-mib.js';
import { colorFromText, decodeSupplies } from '../../src/reading/supplies.js';
import { decodeAlerts, decodeErrorState, decodeStatus } from '../../src/reading/status.js';
import { printerDeviceIndex } from '../../src/profiles/standard-mib.js';
import type { SnmpValue } from '../../src/snmp/values.js';
import { str, int, oid } from '../helpers/mib.js';

interface Row {
  colorant?: number;
  cls?: number;
  type?: number;
  descr?: string;
  unit?: number;
  max?: number;
  level?: number;
}

/** A prtMarkerSuppliesTable as a MibView; rows keyed by "hrDeviceIndex.supplyIndex". */
function supplies(rows: Record<string, Row>, colorants: Record<string, string> = {}): Map<string, SnmpValue> {
  const view = new Map<string, SnmpValue>();
  const e = PRT.suppliesEntry;
  for (const [index, r] of Object.entries(rows)) {
    if (r.colorant !== undefined) view.set(`${e}.3.${index}`, int(r.colorant));
    if (r.cls !== undefined) view.set(`${e}.4.${index}`, int(r.cls));
    if (r.type !== undefined) view.set(`${e}.5.${index}`, int(r.type));
    if (r.descr !== undefined) view.set(`${e}.6.${index}`, str(r.descr));
    if (r.unit !== undefined) view.set(`${e}.7.${index}`, int(r.unit));
    if (r.max !== undefined) view.set(`${e}.8.${index}`, int(r.max));
    if (r.level !== undefined) view.set(`${e}.9.${index}`, int(r.level));
  }
  for (const [index, name] of Object.entries(colorants)) view.set(`${PRT.colorantValue}.${index}`, str(name));
  return view;
}

describe('decodeSupplies', () => {
  it('computes percent and state for levels with a known maximum', () => {
    const got = decodeSupplies(
      supplies({
        '1.1': { cls: 3, type: 3, descr: 'Black Toner', unit: 19, max: 100, level: 40 },
        '1.2': { cls: 3, type: 3, descr: 'Cyan Toner', unit: 19, max: 100, level: 10 },
        '1.3': { cls: 3, type: 3, descr: 'Magenta Toner', unit: 7, max: 20000, level: 0 },
        '1.4': { cls: 3, type: 3, descr: 'Yellow Toner', unit: 7, max: 8000, level: 8123 },
      }),
    );
    expect(got.map((s) => [s.index, s.color, s.percent, s.state, s.unit])).toEqual([
      [1, 'black', 40, 'ok', 'percent'],
      [2, 'cyan', 10, 'low', 'percent'],
      [3, 'magenta', 0, 'empty', 'impressions'],
      // Above the maximum is capped at 100 %.
      [4, 'yellow', 100, 'ok', 'impressions'],
    ]);
  });

  it('keeps the special values -1, -2, -3 as reported and gives no percent for them', () => {
    const got = decodeSupplies(
      supplies({
        '1.1': { type: 3, descr: 'Toner other', max: 100, level: -1 },
        '1.2': { type: 3, descr: 'Toner unknown', max: 100, level: -2 },
        '1.3': { type: 3, descr: 'Toner some', max: 100, level: -3 },
        '1.4': { type: 3, descr: 'Toner no max', max: -2, level: 50 },
        '1.5': { type: 3, descr: 'Toner unlimited', max: -1, level: 50 },
        '1.6': { type: 3, descr: 'Toner empty, max unknown', max: -2, level: 0 },
        '1.7': { type: 3, descr: 'Toner, no max column', level: 30 },
      }),
    );
    expect(got.map((s) => [s.level, s.max, s.percent, s.state])).toEqual([
      [-1, 100, undefined, 'unknown'],
      [-2, 100, undefined, 'unknown'],
      [-3, 100, undefined, 'someRemaining'],
      [50, -2, undefined, 'unknown'],
      [50, -1, undefined, 'unknown'],
      [0, -2, undefined, 'empty'],
      [30, -2, undefined, 'unknown'],
    ]);
  });

  it('reads a receptacle level as remaining space (RFC 3805): a new waste box is ok, a full one is empty', () => {
    const got = decodeSupplies(
      supplies({
        '1.1': { cls: 4, type: 4, descr: 'Waste Toner Bottle', max: 50000, level: 50000 },
        '1.2': { cls: 4, type: 4, descr: 'Waste Toner Box', max: 100, level: 8 },
        '1.3': { cls: 4, type: 4, descr: 'Waste Toner Box 2', max: 100, level: 0 },
        '1.4': { cls: 4, type: 4, descr: 'Waste Toner Box 3', max: -2, level: -3 },
      }),
    );
    expect(got.map((s) => [s.kind, s.class, s.percent, s.state])).toEqual([
      ['wasteToner', 'receptacle', 100, 'ok'],
      ['wasteToner', 'receptacle', 8, 'low'],
      ['wasteToner', 'receptacle', 0, 'empty'],
      ['wasteToner', 'receptacle', undefined, 'someRemaining'],
    ]);
  });

  it('joins prtMarkerColorantValue by colorant index and hrDeviceIndex, falling back to the description', () => {
    const got = decodeSupplies(
      supplies(
        {
          '1.1': { colorant: 2, type: 3, descr: 'Toner Cartridge A', max: 100, level: 50 },
          '1.2': { colorant: 3, type: 3, descr: 'Toner Cartridge B', max: 100, level: 50 },
          '1.3': { colorant: 0, type: 9, descr: 'Drum Cartridge (light cyan)', max: 100, level: 50 },
          '1.4': { colorant: 4, type: 3, descr: 'Toner Cartridge D', max: 100, level: 50 },
          '1.5': { colorant: 1, type: 3, descr: 'Toner Magenta', max: 100, level: 50 },
          '2.1': { colorant: 1, type: 3, descr: 'Second printer toner', max: 100, level: 50 },
        },
        { '1.1': '', '1.2': 'cyan', '1.3': 'Schwarz', '1.4': 'spot-orange', '2.1': 'yellow' },
      ),
    );
    expect(got.map((s) => [s.description, s.color])).toEqual([
      ['Toner Cartridge A', 'cyan'],
      ['Second printer toner', 'yellow'],
      ['Toner Cartridge B', 'black'],
      ['Drum Cartridge (light cyan)', 'light cyan'],
      ['Toner Cartridge D', 'spot-orange'],
      ['Toner Magenta', 'magenta'],
    ]);
  });

  it('takes the kind from the type, else from the description; rows without a level are left out', () => {
    const got = decodeSupplies(
      supplies({
        '1.1': { type: 21, descr: 'TK-5345K', max: 100, level: 50 },
        '1.2': { type: 1, descr: 'Drum Unit', max: 100, level: 50 },
        '1.3': { type: 1, descr: 'Waste Ink Pad', max: 100, level: 50 },
        '1.4': { type: 1, descr: 'Fuser Kit', max: 100, level: 50 },
        '1.5': { type: 1, descr: 'Transfer Belt', max: 100, level: 50 },
        '1.6': { type: 1, descr: 'Staple Cartridge', max: 100, level: 50 },
        '1.7': { type: 1, descr: 'Mystery part', max: 100, level: 50 },
        '1.8': { type: 3, descr: 'No level column' },
      }),
    );
    expect(got.map((s) => s.kind)).toEqual(['tonerCartridge', 'drum', 'wasteInk', 'fuser', 'transferUnit', 'staples', 'other']);
  });

  it('colorFromText prefers the longest colour name and knows a few languages', () => {
    expect(colorFromText('Light Magenta Ink')).toBe('light magenta');
    expect(colorFromText('Photo Black')).toBe('photo black');
    expect(colorFromText('Toner noir')).toBe('black');
    expect(colorFromText('Toner K')).toBe('black');
    expect(colorFromText('Drum')).toBeUndefined();
  });
});

describe('decodeErrorState', () => {
  it('reads bit 0 as the most significant bit of the first octet', () => {
    expect(decodeErrorState(Buffer.from([0x20]))).toEqual(['lowToner']);
    expect(decodeErrorState(Buffer.from([0x84]))).toEqual(['lowPaper', 'jammed']);
    expect(decodeErrorState(Buffer.from([0x00, 0x80]))).toEqual(['inputTrayMissing']);
    expect(decodeErrorState(Buffer.from([0x00, 0x02]))).toEqual(['overduePreventMaint']);
    expect(decodeErrorState(Buffer.from([0xff, 0xff]))).toHaveLength(15);
    expect(decodeErrorState(Buffer.from([0x00, 0x00]))).toEqual([]);
    expect(decodeErrorState(Buffer.alloc(0))).toEqual([]);
  });
});

describe('decodeAlerts / decodeStatus', () => {
  const A = PRT.alertEntry;
  it('maps severity, code, group and text; unknown codes keep their number', () => {
    const view = new Map<string, SnmpValue>([
      [`${A}.2.1.1`, int(4)],
      [`${A}.4.1.1`, int(11)],
      [`${A}.7.1.1`, int(1104)],
      [`${A}.8.1.1`, str('Cyan toner low')],
      [`${A}.2.1.2`, int(3)],
      [`${A}.4.1.2`, int(13)],
      [`${A}.7.1.2`, int(8)],
      [`${A}.2.1.3`, int(5)],
      [`${A}.7.1.3`, int(9999)],
      [`${A}.4.1.3`, int(999)],
      [`${A}.2.1.4`, int(2)],
    ]);
    expect(decodeAlerts(view)).toEqual([
      { severity: 'warning', code: 'markerTonerAlmostEmpty', group: 'markerSupplies', text: 'Cyan toner low' },
      { severity: 'critical', code: 'jam', group: 'mediaPath' },
      { severity: 'info', code: 'alert9999' },
      { severity: 'other', code: 'unknown' },
    ]);
  });

  it('finds the printer row by hrDeviceType and decodes its status, errors and console', () => {
    const view = new Map<string, SnmpValue>([
      ['1.3.6.1.2.1.25.3.2.1.2.1', oid('1.3.6.1.2.1.25.3.1.3')],
      ['1.3.6.1.2.1.25.3.2.1.2.2', oid('1.3.6.1.2.1.25.3.1.5')],
      ['1.3.6.1.2.1.25.3.2.1.5.1', int(2)],
      ['1.3.6.1.2.1.25.3.2.1.5.2', int(5)],
      ['1.3.6.1.2.1.25.3.5.1.1.2', int(4)],
      ['1.3.6.1.2.1.25.3.5.1.2.2', { type: 'octets', value: Buffer.from([0x04, 0x00]) }],
      [`${PRT.consoleText}.1.1`, str('Paper jam')],
      [`${PRT.consoleText}.1.2`, str('')],
      [`${PRT.consoleText}.1.3`, str('Tray 2')],
    ]);
    expect(printerDeviceIndex(view)).toBe('2');
    expect(decodeStatus(view)).toEqual({ device: 'down', printer: 'printing', errors: ['jammed'], alerts: [], console: ['Paper jam', 'Tray 2'] });
  });

  it('without hrDeviceType, the first hrPrinterStatus row is the printer; with nothing, empty status', () => {
    const view = new Map<string, SnmpValue>([['1.3.6.1.2.1.25.3.5.1.1.7', int(3)]]);
    expect(printerDeviceIndex(view)).toBe('7');
    expect(decodeStatus(view)).toEqual({ printer: 'idle', errors: [], alerts: [] });
    expect(decodeStatus(new Map())).toEqual({ errors: [], alerts: [] });
  });
});
