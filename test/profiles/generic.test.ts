import { describe, expect, it } from 'vitest';
import { readingOfFixture } from '../helpers/fixtures.js';

describe('standard profile (Printer-MIB only)', () => {
  it('reads the generic colour laser fixture exactly', () => {
    expect(readingOfFixture('generic-color-laser')).toEqual({
      readAt: '1970-01-01T00:00:00.000Z',
      device: {
        key: 'unknown:GCL4100-000123',
        keySource: 'serial',
        vendor: 'Unknown',
        host: 'fixture',
        model: 'Generic Color Laser 4100',
        serial: 'GCL4100-000123',
        mac: '02:00:5e:00:00:01',
        sysObjectID: '1.3.6.1.4.1.99999.1.1',
        sysDescr: 'Generic Color Laser 4100 (standard Printer-MIB only)',
        sysName: 'PRN-GENERIC-1',
        sysLocation: 'Floor 2',
      },
      counters: { total: 48213 },
      sources: { total: '1.3.6.1.2.1.43.10.2.1.4.1.1' },
      supplies: [
        { index: 1, description: 'Black Toner Cartridge', kind: 'toner', color: 'black', level: 62, max: 100, percent: 62, state: 'ok', unit: 'percent', class: 'consumed' },
        { index: 2, description: 'Cyan Toner Cartridge', kind: 'toner', color: 'cyan', level: 8, max: 100, percent: 8, state: 'low', unit: 'percent', class: 'consumed' },
        { index: 3, description: 'Magenta Toner Cartridge', kind: 'toner', color: 'magenta', level: 45, max: 100, percent: 45, state: 'ok', unit: 'percent', class: 'consumed' },
        { index: 4, description: 'Yellow Toner Cartridge', kind: 'toner', color: 'yellow', level: -3, max: 100, state: 'someRemaining', unit: 'percent', class: 'consumed' },
        { index: 5, description: 'Waste Toner Box', kind: 'wasteToner', level: -3, max: -2, state: 'someRemaining', unit: 'percent', class: 'receptacle' },
      ],
      status: {
        device: 'warning',
        printer: 'idle',
        errors: ['lowToner'],
        alerts: [{ severity: 'warning', code: 'markerTonerAlmostEmpty', text: 'Cyan toner low', group: 'markerSupplies' }],
        console: ['Ready'],
      },
      profile: 'standard@1',
    });
  });
});
