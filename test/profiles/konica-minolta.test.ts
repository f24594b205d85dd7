import { describe, expect, it } from 'vitest';
import { str, int, oid, read } from '../helpers/mib.js';

const KM = '1.3.6.1.4.1.18334.1.1.1';
const C = `${KM}.5.7.2`;

describe('konica-minolta profile', () => {
  it('names a Develop rebadge by its own model OID, keyed under Konica Minolta', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('KONICA MINOLTA bizhub C3110'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.1.1.2.1.117.2.2'),
      '1.3.6.1.2.1.25.3.2.1.3.1': str('Generic 28C-1'),
      [`${KM}.1.6.2.1.0`]: str('Develop ineo+ 280'),
    });
    expect(r.profile).toBe('konica-minolta@2');
    expect(r.device).toMatchObject({ vendor: 'Konica Minolta', brand: 'Develop', model: 'Develop ineo+ 280' });
    expect(r.device.key.startsWith('konica-minolta:')).toBe(true);
  });

  it('recognises Sindoh on the OEM sysObjectID branch', () => {
    const r = read({
      '1.3.6.1.2.1.1.1.0': str('SINDOH D450'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.2.1.2.1.181.3.4'),
      [`${KM}.1.6.2.1.0`]: str('SINDOH D450'),
    });
    expect(r.device).toMatchObject({ vendor: 'Konica Minolta', brand: 'Sindoh', model: 'SINDOH D450' });
  });

  it('matches a mixed-case sysDescr and reports no counters when the device exposes none', () => {
    const r = read({ '1.3.6.1.2.1.1.1.0': str('Konica Minolta bizhub 25e'), '1.3.6.1.2.1.25.3.2.1.3.1': str('Konica Minolta bizhub 25e') });
    expect(r.profile).toBe('konica-minolta@2');
    expect(r.counters).toEqual({});
  });

  it('strips the maker from the model OID and falls back to the scalar scan counter', () => {
    const r = read({
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.1.1.2.1.54.1.1'),
      [`${KM}.1.6.2.1.0`]: str('KONICA MINOLTA bizhub 4050'),
      [`${C}.1.1.0`]: int(5000),
      [`${C}.1.5.0`]: int(321),
      [`${C}.2.1.5.1.1`]: int(1000),
      [`${C}.2.1.5.1.2`]: int(4000),
    });
    expect(r.device.model).toBe('bizhub 4050');
    expect(r.counters).toEqual({ total: 5000, mono: 5000, printMono: 4000, copyMono: 1000, scan: 321, scanSend: 321 });
    expect(r.sources.scan).toBe(`${C}.1.5.0`);
  });

  it('counts single colour (3) and two colour (4) as colour, and reads large size by colour', () => {
    const r = read({
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.18334.1.1.1.2.1.161.2.2'),
      [`${C}.2.1.5.1.2`]: int(700),
      [`${C}.2.1.5.2.2`]: int(100),
      [`${C}.2.1.5.3.2`]: int(20),
      [`${C}.2.1.5.4.2`]: int(3),
      [`${C}.2.1.7.1.1`]: int(5),
      [`${C}.2.1.7.1.2`]: int(7),
      [`${C}.2.1.7.2.2`]: int(11),
      [`${C}.2.1.7.4.2`]: int(1),
    });
    expect(r.counters).toMatchObject({ printMono: 700, printColor: 123, largeMono: 12, largeColor: 12, large: 24 });
    // Copy cells absent: a partial sum adds what the device has, and never invents a copy figure.
    expect(r.counters.copyColor).toBeUndefined();
    expect(r.units).toMatchObject({ largeMono: 'impressions', largeColor: 'impressions' });
    // The KM totals follow count-mode settings no source locates: no declared unit, never guessed.
    expect(r.units?.printMono).toBeUndefined();
  });
});
