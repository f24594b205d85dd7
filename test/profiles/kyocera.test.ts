import { describe, expect, it } from 'vitest';
import { str, int, oid, read } from '../helpers/mib.js';

const KY = '1.3.6.1.4.1.1347';
const FN = `${KY}.42.3.1.2.1.1`;
const KYOCERA = { '1.3.6.1.2.1.1.1.0': str('KYOCERA Document Solutions Printing System'), '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.1347.41') };

describe('kyocera profile', () => {
  it('adds up mono and colour over print, copy and fax', () => {
    const r = read({
      ...KYOCERA,
      [`${FN}.1.1`]: int(100), [`${FN}.1.2`]: int(5), [`${FN}.1.3`]: int(200),
      [`${FN}.2.1`]: int(30), [`${FN}.2.2`]: int(1), [`${FN}.2.3`]: int(40),
      [`${FN}.4.1`]: int(7), [`${FN}.4.2`]: int(0), [`${FN}.4.3`]: int(0),
    });
    expect(r.counters).toMatchObject({ mono: 137, color: 246, printColor: 205, copyColor: 41 });
    expect(r.sources.mono).toBe(`computed:${FN}.1.1+${FN}.2.1+${FN}.4.1`);
  });

  it('falls back to shorter sums on a printer without copier or fax, and to prtMarkerLifeCount for the total', () => {
    const r = read({
      ...KYOCERA,
      '1.3.6.1.2.1.43.10.2.1.3.1.1': int(7),
      '1.3.6.1.2.1.43.10.2.1.4.1.1': { type: 'counter32', value: 9120 },
      [`${FN}.1.1`]: int(9120),
    });
    expect(r.counters).toEqual({ total: 9120, mono: 9120, printMono: 9120 });
    expect(r.sources.total).toBe('1.3.6.1.2.1.43.10.2.1.4.1.1');
  });

  it('prefers the Kyocera total over prtMarkerLifeCount', () => {
    const r = read({
      ...KYOCERA,
      '1.3.6.1.2.1.43.10.2.1.4.1.1': { type: 'counter32', value: 76498 },
      [`${KY}.43.10.1.1.12.1.1`]: int(76064),
    });
    expect(r.counters.total).toBe(76064);
  });

  it.each([
    ['UTAX 4006ci', 'UTAX'],
    ['TA 4006ci', 'Triumph-Adler'],
    ['Triumph-Adler P-C2660 MFP', 'Triumph-Adler'],
    ['CS 4053ci', 'Copystar'],
  ])('shows the OEM brand of %s', (model, brand) => {
    const r = read({ ...KYOCERA, [`${KY}.43.5.1.1.1.1`]: str(model), [`${KY}.43.5.1.1.28.1`]: str('RXX0Z00001') });
    expect(r.device).toMatchObject({ vendor: 'Kyocera', brand, model, key: 'kyocera:RXX0Z00001' });
  });
});
