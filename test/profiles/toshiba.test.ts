import { describe, expect, it } from 'vitest';
import { str, int, oid, read } from '../helpers/mib.js';

const TC = '1.3.6.1.4.1.1129.2.3.50.1.3.21.6.1';

describe('toshiba profile', () => {
  it('reads a black-and-white e-STUDIO without colour cells', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('TOSHIBA e-STUDIO2518A'),
      [`${TC}.2.1.3`]: int(4100),
      [`${TC}.2.1.4`]: int(4100),
      [`${TC}.3.1.3`]: int(3000),
    });
    expect(r.profile).toBe('toshiba@2');
    expect(r.counters).toEqual({ total: 4100, mono: 4100, printMono: 3000 });
  });

  it('reads the label-printer identity objects (bcp MIB)', () => {
    const r = read({
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1129.1.2'),
      '1.3.6.1.4.1.1129.1.2.1.1.1.1.1.0': str('2511A123456'),
      '1.3.6.1.4.1.1129.1.2.1.1.1.2.1.0': str('B-EX4T1'),
      '1.3.6.1.4.1.1129.1.2.1.1.1.1.2.0': str('B4.2A'),
    });
    expect(r.device).toMatchObject({ vendor: 'Toshiba', serial: '2511A123456', model: 'B-EX4T1', firmware: 'B4.2A' });
  });
});
