import { describe, expect, it } from 'vitest';
import { str, oid, read } from '../helpers/mib.js';

describe('Epson profile', () => {
  it('keys a scan server by its network-interface serial when it has no printer serial', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('EPSON 10/100/1000 Ethernet USB Ext. Scan Server'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1248.1.1.2.1.3.4.78.73.85.49'),
      '1.3.6.1.2.1.25.3.2.1.3.1': str('DS-970'),
      '1.3.6.1.4.1.1248.1.1.3.1.1.1.0': str('EP4D2010ENSN07'),
    });
    expect(r.device).toMatchObject({ vendor: 'Epson', model: 'DS-970', serial: 'EP4D2010ENSN07', keySource: 'serial' });
    expect(r.counters).toEqual({});
  });

  it('prefers the printer serial to the network-interface serial', () => {
    const r = read({
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1248.1.1.2.1.3.5.69.69.80.83.50'),
      '1.3.6.1.4.1.1248.1.2.2.1.1.1.5.1': str('X8G0000001'),
      '1.3.6.1.4.1.1248.1.1.3.1.1.1.0': str('EP29F000ENSN3'),
    });
    expect(r.device.serial).toBe('X8G0000001');
  });
});
