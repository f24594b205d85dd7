import { describe, expect, it } from 'vitest';
import { str, int, read } from '../helpers/mib.js';

const X = '1.3.6.1.4.1.253.8.53';
const d = (dev: number, idx: number) => `${X}.13.2.1.6.${dev}.20.${idx}`;

describe('xerox profile', () => {
  it('reads copier, scanner and fax counters at hrDevice 11/10/12 on Xerox-built models', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('Xerox AltaLink C8135; SS 103.009.012.00000'),
      [d(1, 1)]: int(1000), [d(1, 33)]: int(600), [d(1, 34)]: int(400),
      [d(11, 3)]: int(150), [d(11, 25)]: int(250), [d(10, 11)]: int(40), [d(10, 12)]: int(2), [d(12, 14)]: int(9),
    });
    expect(r.device.model).toBe('AltaLink C8135');
    expect(r.counters).toEqual({ total: 1000, mono: 400, color: 600, copy: 400, copyMono: 150, copyColor: 250, fax: 9, scan: 42, scanSend: 42 });
    expect(r.sources.copyMono).toBe(d(11, 3));
  });

  it('reports no colour on a black-and-white model', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('Xerox WorkCentre 3655X v1; SS 075.060'), [d(1, 1)]: int(149855), [d(1, 34)]: int(149855) });
    expect(r.counters).toEqual({ total: 149855, mono: 149855 });
  });

  it('drops the 000000000 placeholder serial, and keeps the key on the MAC', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('Xerox Phaser 6130N; Net 10.80'),
      '1.3.6.1.2.1.2.2.1.6.1': { type: 'octets', value: Buffer.from('02005e0000aa', 'hex') },
      '1.3.6.1.2.1.43.5.1.1.17.1': str('000000000'),
      [`${X}.3.2.1.3.1`]: str('000000000'),
      '1.3.6.1.4.1.253.8.51.1.2.1.20.1': str('/w==;'),
    });
    expect(r.device.serial).toBeUndefined();
    expect(r.device.ieee1284DeviceId).toBeUndefined();
    expect(r.device).toMatchObject({ key: 'xerox:mac:02:00:5e:00:00:aa', keySource: 'mac', model: 'Phaser 6130N' });
  });

  it('recognises a walk without the system group by its Xerox objects, with a Gauge32 serial', () => {
    const r = read({
      [`${X}.3.2.1.2.1`]: str('Xerox WorkCentre 3655X v1 Multifunction Printer'),
      [`${X}.3.2.1.3.1`]: { type: 'gauge32', value: 3353000001 },
      '1.3.6.1.4.1.253.8.51.1.2.1.20.1': str('MFG:Xerox; CMD:PCL; MDL:WorkCentre 3655X; CLS:Printer'),
      [d(1, 1)]: int(149691),
    });
    expect(r.profile).toBe('xerox@2');
    expect(r.device).toMatchObject({ vendor: 'Xerox', model: 'WorkCentre 3655X v1', serial: '3353000001' });
    expect(r.counters).toEqual({ total: 149691 });
  });
});
