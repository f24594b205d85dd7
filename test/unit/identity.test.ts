import { describe, expect, it } from 'vitest';
import { decodeHexText } from '../../src/profiles/text.js';
import { deviceKey, formatMac, normalizeSerial, parseDeviceId, parseMacText, vendorSlug } from '../../src/reading/identity.js';

describe('normalizeSerial', () => {
  it.each([
    ['A5C0021012345', 'A5C0021012345'],
    ['  e216r220016  ', 'E216R220016'],
    ['CNB1 234 567', 'CNB1234567'],
    ['U64641E7J134163\u0000\u0000\u0000', 'U64641E7J134163'],
    ['S/N: X3B8022793', 'X3B8022793'],
    ['S/NX3B8022793', 'X3B8022793'],
    ['SN: abc123', 'ABC123'],
    ['sn#abc123', 'ABC123'],
    ['Serial Number: 3353313915', '3353313915'],
    ['SERIAL NO. 3353313915', '3353313915'],
    // A serial that merely starts with the letters SN is not a label.
    ['SNB1234567', 'SNB1234567'],
    ['SERIALX12', 'SERIALX12'],
  ])('%j → %s', (raw, want) => {
    expect(normalizeSerial(raw)).toBe(want);
  });

  it.each(['', '   ', '000000000', '0', 'XXXXXXXX', '????', '-----', 'N/A', 'na', 'none', 'Unknown', 'NULL', 'Serial Number', 'Serial No.', 'SN:', 'SerialNumber', 'serial_number', 'Default', 'Not Available', '0123456789', '123456789', '\u0000\u0000'])(
    'placeholder %j → undefined',
    (raw) => {
      expect(normalizeSerial(raw)).toBeUndefined();
    },
  );

  it('undefined stays undefined; vendor prefixes are stripped case-insensitively', () => {
    expect(normalizeSerial(undefined)).toBeUndefined();
    expect(normalizeSerial('KM-A5C0021012345', ['km-'])).toBe('A5C0021012345');
    expect(normalizeSerial('A5C0021012345', ['KM-'])).toBe('A5C0021012345');
  });
});

describe('decodeHexText', () => {
  it.each([
    ['4142 4344', 'ABCD'],
    ['41424344', 'ABCD'],
    ['41:42:43', 'ABC'],
    ['4d4b524130313233343500', 'MKRA012345'],
    ['4142202000', 'AB'],
  ])('%s → %s', (hex, want) => {
    expect(decodeHexText(hex)).toBe(want);
  });

  it.each(['', '4', '414', '41 0a', '7f41', 'zz', 'MKRA012345', '0000', '2020'])('%j → undefined', (hex) => {
    expect(decodeHexText(hex)).toBeUndefined();
  });
});

describe('formatMac / parseMacText', () => {
  it('formats six bytes as lower-case colon hex', () => {
    expect(formatMac(Buffer.from('001BA9123456', 'hex'))).toBe('00:1b:a9:12:34:56');
  });
  it('rejects all-zero, broadcast and wrong lengths', () => {
    expect(formatMac(Buffer.alloc(6))).toBeUndefined();
    expect(formatMac(Buffer.alloc(6, 0xff))).toBeUndefined();
    expect(formatMac(Buffer.from('001ba91234', 'hex'))).toBeUndefined();
    expect(formatMac(Buffer.from('001ba912345678', 'hex'))).toBeUndefined();
    expect(formatMac(Buffer.alloc(0))).toBeUndefined();
  });
  it.each([
    ['00:1B:A9:12:34:56', '00:1b:a9:12:34:56'],
    ['001BA9123456', '00:1b:a9:12:34:56'],
    ['00-1b-a9-12-34-56', '00:1b:a9:12:34:56'],
    ['001b.a912.3456', '00:1b:a9:12:34:56'],
    [' 00 1b a9 12 34 56 ', '00:1b:a9:12:34:56'],
    ['0:80:77:1:a:3c', '00:80:77:01:0a:3c'],
  ])('parses %j', (text, want) => {
    expect(parseMacText(text)).toBe(want);
  });
  it.each(['', '00:1b:a9:12:34', '00:1b:a9:12:34:5g', '00:00:00:00:00:00', 'ff:ff:ff:ff:ff:ff', '00:1b:a9:12:34:56:78'])('rejects %j', (text) => {
    expect(parseMacText(text)).toBeUndefined();
  });
});

describe('parseDeviceId', () => {
  it('splits IEEE 1284 fields, upper-cases keys, trims, keeps colons inside values', () => {
    expect(parseDeviceId('MFG:Brother;CMD:PJL,PCL,PCLXL;MDL:HL-L2340D series;CLS:PRINTER;DES:Brother: laser;')).toEqual({
      MFG: 'Brother',
      CMD: 'PJL,PCL,PCLXL',
      MDL: 'HL-L2340D series',
      CLS: 'PRINTER',
      DES: 'Brother: laser',
    });
    expect(parseDeviceId(' manufacturer : Hewlett-Packard ; model:HP LaserJet 400;')).toEqual({ MANUFACTURER: 'Hewlett-Packard', MODEL: 'HP LaserJet 400' });
  });
  it('drops empty values and parts without a key', () => {
    expect(parseDeviceId('MFG:;:nokey;junk;;MDL:X')).toEqual({ MDL: 'X' });
    expect(parseDeviceId('')).toEqual({});
  });
});

describe('deviceKey', () => {
  it('prefers the serial, then the MAC, then the host, under the vendor slug', () => {
    expect(deviceKey('Konica Minolta', { serial: 'A5C0021012345', mac: '00:20:6b:8a:dc:ec', host: '10.1.20.31' })).toEqual({
      key: 'konica-minolta:A5C0021012345',
      keySource: 'serial',
    });
    expect(deviceKey('Konica Minolta', { mac: '00:20:6b:8a:dc:ec', host: '10.1.20.31' })).toEqual({ key: 'konica-minolta:mac:00:20:6b:8a:dc:ec', keySource: 'mac' });
    expect(deviceKey('HP', { host: '10.1.20.31' })).toEqual({ key: 'hp:host:10.1.20.31', keySource: 'host' });
  });
  it('uses "unknown" when the vendor has no usable characters', () => {
    expect(deviceKey('', { serial: 'X1', host: 'h' }).key).toBe('unknown:X1');
    expect(deviceKey('???', { serial: 'X1', host: 'h' }).key).toBe('unknown:X1');
  });
  it('slugs vendors to lower-case words joined by dashes', () => {
    expect(vendorSlug('Fuji Xerox')).toBe('fuji-xerox');
    expect(vendorSlug('  OKI Data (Europe) ')).toBe('oki-data-europe');
  });
});
