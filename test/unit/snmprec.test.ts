import { describe, expect, it } from 'vitest';
import { isMeterboxError } from '../../src/contract/errors.js';
import { formatSnmprec, formatSnmprecLine, parseSnmprec } from '../../src/snmp/snmprec.js';
import type { Varbind } from '../../src/snmp/values.js';

describe('parseSnmprec', () => {
  it('reads every type, hex values (4x) and Counter64 beyond 2^53, sorted by OID', () => {
    const text = [
      '# a comment',
      '',
      '1.3.6.1.2.1.1.2.0|6|1.3.6.1.4.1.2435.2.3.9.1',
      '1.3.6.1.2.1.1.1.0|4|Brother NC-8300h',
      '.1.3.6.1.2.1.1.3.0|67|123456',
      '1.3.6.1.2.1.2.2.1.6.1|4x|00 1b a9 12 34 56',
      '1.3.6.1.2.1.43.10.2.1.4.1.1|65|4294967295',
      '1.3.6.1.2.1.43.11.1.1.9.1.1|2|-3',
      '1.3.6.1.2.1.25.2.2.0|66|2048',
      '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0|70|18446744073709551615',
      '1.3.6.1.2.1.4.20.1.1.10.0.0.5|64|10.0.0.5',
      '1.3.6.1.2.1.4.20.1.2.1|64x|0a000006',
      '1.3.6.1.4.1.99.1.0|5|',
      '1.3.6.1.4.1.99.2.0|68x|9f780441200000\r',
    ].join('\n');
    const { varbinds, skipped } = parseSnmprec(text);
    expect(skipped).toEqual([]);
    const byOid = new Map(varbinds.map((vb) => [vb.oid, vb.value]));
    expect(byOid.get('1.3.6.1.2.1.1.1.0')).toEqual({ type: 'octets', value: Buffer.from('Brother NC-8300h') });
    expect(byOid.get('1.3.6.1.2.1.1.2.0')).toEqual({ type: 'oid', value: '1.3.6.1.4.1.2435.2.3.9.1' });
    expect(byOid.get('1.3.6.1.2.1.1.3.0')).toEqual({ type: 'timeticks', value: 123456 });
    expect(byOid.get('1.3.6.1.2.1.2.2.1.6.1')).toEqual({ type: 'octets', value: Buffer.from('001ba9123456', 'hex') });
    expect(byOid.get('1.3.6.1.2.1.43.10.2.1.4.1.1')).toEqual({ type: 'counter32', value: 4294967295 });
    expect(byOid.get('1.3.6.1.2.1.43.11.1.1.9.1.1')).toEqual({ type: 'integer', value: -3 });
    expect(byOid.get('1.3.6.1.2.1.25.2.2.0')).toEqual({ type: 'gauge32', value: 2048 });
    expect(byOid.get('1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0')).toEqual({ type: 'counter64', value: 18446744073709551615n });
    expect(byOid.get('1.3.6.1.2.1.4.20.1.1.10.0.0.5')).toEqual({ type: 'ipaddress', value: '10.0.0.5' });
    expect(byOid.get('1.3.6.1.2.1.4.20.1.2.1')).toEqual({ type: 'ipaddress', value: '10.0.0.6' });
    expect(byOid.get('1.3.6.1.4.1.99.1.0')).toEqual({ type: 'null' });
    expect(byOid.get('1.3.6.1.4.1.99.2.0')).toEqual({ type: 'opaque', value: Buffer.from('9f780441200000', 'hex') });
    // Sorted arc by arc, not as strings (…1.1.3.0 before …2.2.1.6.1, …43.10 after …25.2).
    expect(varbinds.map((v) => v.oid)).toEqual([
      '1.3.6.1.2.1.1.1.0',
      '1.3.6.1.2.1.1.2.0',
      '1.3.6.1.2.1.1.3.0',
      '1.3.6.1.2.1.2.2.1.6.1',
      '1.3.6.1.2.1.4.20.1.1.10.0.0.5',
      '1.3.6.1.2.1.4.20.1.2.1',
      '1.3.6.1.2.1.25.2.2.0',
      '1.3.6.1.2.1.43.10.2.1.4.1.1',
      '1.3.6.1.2.1.43.11.1.1.9.1.1',
      '1.3.6.1.4.1.99.1.0',
      '1.3.6.1.4.1.99.2.0',
      '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0',
    ]);
  });

  it('skips and reports bad lines with their line number, keeping the good ones', () => {
    const text = [
      '1.3.6.1.2.1.1.1.0|4|fine',
      'no separators here',
      'not.an.oid|4|x',
      '1.3.6.1.2.1.1.2.0|99|x',
      '1.3.6.1.2.1.1.3.0|4x|4g',
      '1.3.6.1.2.1.1.4.0|2|12abc',
      '1.3.6.1.2.1.1.5.0|65|4294967296',
      '1.3.6.1.2.1.1.6.0|70|-1',
      '1.3.6.1.2.1.1.7.0|6|not an oid',
      '1.3.6.1.2.1.1.8.0|64|300.1',
      '1.3.6.1.2.1.1.9.0|2|2147483648',
    ].join('\n');
    const { varbinds, skipped } = parseSnmprec(text, 'bad.snmprec');
    expect(varbinds).toEqual([{ oid: '1.3.6.1.2.1.1.1.0', value: { type: 'octets', value: Buffer.from('fine') } }]);
    expect(skipped.map((s) => s.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(skipped[0]?.reason).toMatch(/OID\|TYPE\|VALUE/);
    expect(skipped[1]?.reason).toMatch(/bad OID/);
    expect(skipped[2]?.reason).toMatch(/unsupported type 99/);
    expect(skipped[3]?.reason).toMatch(/1\.3\.6\.1\.2\.1\.1\.3\.0: bad hex/);
    expect(skipped[5]?.reason).toMatch(/out of range/);
    expect(skipped[9]?.reason).toMatch(/out of range/);
  });

  it('a later line for the same OID wins', () => {
    const { varbinds } = parseSnmprec('1.3.6.1.2.1.1.5.0|4|old\n1.3.6.1.2.1.1.5.0|4|new\n');
    expect(varbinds).toEqual([{ oid: '1.3.6.1.2.1.1.5.0', value: { type: 'octets', value: Buffer.from('new') } }]);
  });

  it('a file without one usable line is MBX_SNMPREC_INVALID naming the file; an empty file is no error', () => {
    let err: unknown;
    try {
      parseSnmprec('garbage\nmore garbage\n', 'x.snmprec');
    } catch (e) {
      err = e;
    }
    expect(isMeterboxError(err, 'MBX_SNMPREC_INVALID')).toBe(true);
    expect((err as Error).message).toContain('x.snmprec');
    expect(parseSnmprec('\n\n')).toEqual({ varbinds: [], skipped: [] });
  });
});

describe('formatSnmprec', () => {
  const all: Varbind[] = [
    { oid: '1.3.6.1.2.1.1.1.0', value: { type: 'octets', value: Buffer.from('HP Color LaserJet MFP M479fdw') } },
    { oid: '1.3.6.1.2.1.1.2.0', value: { type: 'oid', value: '1.3.6.1.4.1.11.2.3.9.1' } },
    { oid: '1.3.6.1.2.1.1.3.0', value: { type: 'timeticks', value: 4294967295 } },
    { oid: '1.3.6.1.2.1.2.2.1.6.1', value: { type: 'octets', value: Buffer.from('001ba9123456', 'hex') } },
    { oid: '1.3.6.1.2.1.25.3.5.1.2.1', value: { type: 'octets', value: Buffer.from(' ') } },
    { oid: '1.3.6.1.2.1.25.3.5.1.2.2', value: { type: 'octets', value: Buffer.from('trailing blank ') } },
    { oid: '1.3.6.1.2.1.43.5.1.1.17.1', value: { type: 'octets', value: Buffer.from('A|B') } },
    { oid: '1.3.6.1.2.1.43.5.1.1.17.2', value: { type: 'octets', value: Buffer.from('Ünïcode', 'utf8') } },
    { oid: '1.3.6.1.2.1.43.5.1.1.17.3', value: { type: 'octets', value: Buffer.alloc(0) } },
    { oid: '1.3.6.1.2.1.43.10.2.1.4.1.1', value: { type: 'counter32', value: 48213 } },
    { oid: '1.3.6.1.2.1.43.11.1.1.9.1.1', value: { type: 'integer', value: -2 } },
    { oid: '1.3.6.1.2.1.25.2.2.0', value: { type: 'gauge32', value: 0 } },
    { oid: '1.3.6.1.2.1.4.20.1.1.10.0.0.5', value: { type: 'ipaddress', value: '10.0.0.5' } },
    { oid: '1.3.6.1.4.1.99.1.0', value: { type: 'null' } },
    { oid: '1.3.6.1.4.1.99.2.0', value: { type: 'opaque', value: Buffer.from([0x9f, 0x78, 0x04]) } },
    { oid: '1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0', value: { type: 'counter64', value: 2n ** 64n - 1n } },
  ];

  it('round-trips every type through parseSnmprec, including binary, blank-ended and empty strings', () => {
    const text = formatSnmprec(all);
    const { varbinds, skipped } = parseSnmprec(text);
    expect(skipped).toEqual([]);
    expect(varbinds).toEqual(parseSnmprec(formatSnmprec([...all].reverse())).varbinds);
    const byOid = new Map(varbinds.map((vb) => [vb.oid, vb.value]));
    expect(byOid.size).toBe(all.length);
    for (const vb of all) expect(byOid.get(vb.oid), vb.oid).toEqual(vb.value);
  });

  it('writes printable text as text and anything else as 4x hex', () => {
    expect(formatSnmprecLine(all[0] as Varbind)).toBe('1.3.6.1.2.1.1.1.0|4|HP Color LaserJet MFP M479fdw');
    expect(formatSnmprecLine(all[3] as Varbind)).toBe('1.3.6.1.2.1.2.2.1.6.1|4x|001ba9123456');
    expect(formatSnmprecLine(all[6] as Varbind)).toBe('1.3.6.1.2.1.43.5.1.1.17.1|4x|417c42');
    expect(formatSnmprecLine(all[15] as Varbind)).toBe('1.3.6.1.4.1.18334.1.1.1.5.7.2.1.1.0|70|18446744073709551615');
    expect(formatSnmprecLine(all[13] as Varbind)).toBe('1.3.6.1.4.1.99.1.0|5|');
    expect(formatSnmprec(all).endsWith('\n')).toBe(true);
  });
});
