import { describe, expect, it } from 'vitest';
import { str, oid, read } from '../helpers/mib.js';

const T = '1.3.6.1.4.1.2385.1.1.19.2.1';
const SHARP = { '1.3.6.1.2.1.1.1.0': str('SHARP MX-M266NV'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.2385.3.1.111.1.26') };

describe('sharp profile', () => {
  it('finds a counter by its label when the model numbers the rows differently', () => {
    const r = read({
      ...SHARP,
      [`${T}.3.5.9.61`]: { type: 'counter32', value: 90474 },
      [`${T}.4.5.9.61`]: str('Black & White Total Count'),
      [`${T}.3.1.9.61`]: { type: 'counter32', value: 24677 },
      [`${T}.4.1.9.61`]: str('Black & White Print Count'),
    });
    expect(r.counters).toEqual({ mono: 90474, printMono: 24677 });
    expect(r.sources.mono).toBe(`${T}.3.5.9.61`);
  });

  it('keeps the SHARP prefix in the model and reads the serial from the Printer-MIB', () => {
    const r = read({
      ...SHARP,
      '1.3.6.1.4.1.2385.2.1.3.2.1.4.13501.1302.1': str('SHARP MX-M266NV'),
      '1.3.6.1.2.1.43.5.1.1.17.1': str('0505000000'),
    });
    expect(r.device).toMatchObject({ vendor: 'Sharp', model: 'SHARP MX-M266NV', serial: '0505000000' });
  });
});
