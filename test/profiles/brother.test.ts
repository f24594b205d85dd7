import { describe, expect, it } from 'vitest';
import { PROFILES } from '../../src/profiles/index.js';
import { planRead } from '../../src/profiles/plan.js';
import { readingFromRecording } from '../../src/reading/build.js';
import { readRecord } from '../../src/profiles/counters.js';
import { selectProfile } from '../../src/profiles/match.js';
import { str, hex, int, counter, oid, view, read } from '../helpers/mib.js';

const IEEE1284 = '1.3.6.1.4.1.2435.2.3.9.1.1.7.0';
const SERIAL = '1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0';
const COUNTERS = '1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0';
const LIFE = '1.3.6.1.2.1.43.10.2.1.4.1.1';

describe('Brother profile', () => {
  it('recognises an agent that hides the system group by its IEEE 1284 device ID', () => {
    const v = view({
      '1.3.6.1.2.1.2.2.1.6.1': str('aa:bb:cc:dd:ee:f0'),
      [IEEE1284]: str('MFG:Brother;CMD:PJL,PCL,PCLXL;MDL:HL-L2350DW series;CLS:PRINTER;'),
      [SERIAL]: str('serial_number'),
      [COUNTERS]: hex('00010400000b2c'),
    });
    expect(selectProfile(PROFILES, v)?.id).toBe('brother');
    const r = readingFromRecording(v, PROFILES);
    expect(r.profile).toBe('brother@1');
    expect(r.device).toMatchObject({ vendor: 'Brother', model: 'HL-L2350DW', key: 'brother:mac:aa:bb:cc:dd:ee:f0', keySource: 'mac' });
    expect(r.device.serial).toBeUndefined();
    expect(r.counters).toEqual({ total: 2860 });
    expect(r.sources).toEqual({ total: `${COUNTERS}#00` });
  });

  it('claims an NC- print server that reports HP\'s sysObjectID before the HP profile does', () => {
    const v = view({
      '1.3.6.1.2.1.1.1.0': str('Brother NC-6200h, Firmware Ver.H  ,MID 8C5-A15,FID 2'),
      '1.3.6.1.2.1.1.2.0': oid('1.3.6.1.4.1.11.2.3.9.1'),
      '1.3.6.1.2.1.25.3.2.1.2.1': oid('1.3.6.1.2.1.25.3.1.5'),
      '1.3.6.1.2.1.25.3.2.1.3.1': str('Brother MFC-7820N'),
      '1.3.6.1.2.1.43.10.2.1.3.1.1': int(8),
      [LIFE]: counter(18171),
    });
    expect(PROFILES.findIndex((p) => p.id === 'brother')).toBeLessThan(PROFILES.findIndex((p) => p.id === 'hp'));
    const r = readingFromRecording(v, PROFILES);
    expect(r.profile).toBe('brother@1');
    expect(r.device).toMatchObject({ vendor: 'Brother', model: 'MFC-7820N' });
    expect(r.counters).toEqual({ total: 18171 });
  });

  it('prefers the Printer-MIB life count to record 0x00 and falls back to the record without it', () => {
    const blob = hex('000104000003da');
    const both = read({ [IEEE1284]: str('MFG:Brother;MDL:HL-L2340DW series;'), [LIFE]: counter(1279), [COUNTERS]: blob });
    expect(both.counters).toEqual({ total: 1279 });
    const recordOnly = read({ [IEEE1284]: str('MFG:Brother;MDL:HL-L2340DW series;'), [COUNTERS]: blob });
    expect(recordOnly.counters).toEqual({ total: 986 });
  });

  it('reports mono and colour records as they are; the total is then computed and says so', () => {
    const r = read({ [IEEE1284]: str('MFG:Brother;MDL:MFC-J680DW;'), [COUNTERS]: hex('010104000001cd020104000001eb') });
    expect(r.counters).toEqual({ total: 952, mono: 461, color: 491 });
    expect(r.sources.total).toBe('computed:mono+color');
  });

  it('uses prtGeneralSerialNumber when brInfoSerialNumber is the placeholder', () => {
    const r = read({ [IEEE1284]: str('MFG:Brother;MDL:HL-L8260CDW series;'), [SERIAL]: str('serial_number'), '1.3.6.1.2.1.43.5.1.1.17.1': str('U64000X1N000001') });
    expect(r.device.serial).toBe('U64000X1N000001');
  });

  it('walks without GETBULK, as LibreNMS does for Brother', () => {
    expect(planRead(PROFILES.find((p) => p.id === 'brother')).quirks.bulk).toBe(false);
  });
});

describe('Brother TLV records (readRecord)', () => {
  it('reads 4-byte, 2-byte and 1-byte values by length', () => {
    const b = Buffer.from('110104000061a831010101410101036301010354010101a10102041401010400000abc', 'hex');
    expect(readRecord(b, 0x11)).toBe(25000);
    expect(readRecord(b, 0x31)).toBe(1);
    expect(readRecord(b, 0x41)).toBe(3);
    expect(readRecord(b, 0x54)).toBe(1);
    expect(readRecord(b, 0xa1)).toBe(0x0414);
    expect(readRecord(b, 0x01)).toBe(2748);
    expect(readRecord(b, 0x02)).toBeUndefined();
  });

  it('ignores a trailing checksum byte and an empty blob', () => {
    expect(readRecord(Buffer.from('00010400010f23ff', 'hex'), 0x00)).toBe(69411);
    expect(readRecord(Buffer.alloc(0), 0x00)).toBeUndefined();
  });

  it('finds records before a truncation but never reads past the end', () => {
    const truncated = Buffer.from('000104000060f10101040000', 'hex');
    expect(readRecord(truncated, 0x00)).toBe(24817);
    expect(readRecord(truncated, 0x01)).toBeUndefined();
  });

  it('leaves a counter out when its record is truncated', () => {
    const r = read({ [IEEE1284]: str('MFG:Brother;MDL:DCP-9020CDW series;'), [COUNTERS]: hex('00010400001349010104000006') });
    expect(r.counters).toEqual({ total: 4937 });
  });

  it('reads a 1-byte counter record through the profile', () => {
    const r = read({ [IEEE1284]: str('MFG:Brother;MDL:HL-1110;'), [COUNTERS]: hex('0001012a') });
    expect(r.counters).toEqual({ total: 42 });
  });
});
