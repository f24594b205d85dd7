/**
 * snmprec files (snmpsim's format): one `OID|TYPE|VALUE` per line. A type with an `x`
 * suffix (`4x`) carries a hex-encoded value. Used by the simulator and by `meterbox dump`.
 */
import { MeterboxError } from '../contract/errors.js';
import { compareOids, isValidOid, normalizeOid } from './oid.js';
import type { SnmpValue, Varbind } from './values.js';

const TAGS: Record<number, SnmpValue['type']> = {
  2: 'integer',
  4: 'octets',
  5: 'null',
  6: 'oid',
  64: 'ipaddress',
  65: 'counter32',
  66: 'gauge32',
  67: 'timeticks',
  68: 'opaque',
  70: 'counter64',
};

const TAG_OF: Record<SnmpValue['type'], number> = {
  integer: 2,
  octets: 4,
  null: 5,
  oid: 6,
  ipaddress: 64,
  counter32: 65,
  gauge32: 66,
  timeticks: 67,
  opaque: 68,
  counter64: 70,
};

export interface SnmprecParseResult {
  varbinds: Varbind[];
  /** Lines that could not be understood, with the reason; they are skipped, not fatal. */
  skipped: { line: number; reason: string }[];
}

export function parseSnmprec(text: string, source = 'snmprec'): SnmprecParseResult {
  const byOid = new Map<string, SnmpValue>();
  const skipped: SnmprecParseResult['skipped'] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) return;
    const first = line.indexOf('|');
    const second = first < 0 ? -1 : line.indexOf('|', first + 1);
    if (second < 0) {
      skipped.push({ line: i + 1, reason: 'expected OID|TYPE|VALUE' });
      return;
    }
    const oid = normalizeOid(line.slice(0, first));
    const tagText = line.slice(first + 1, second);
    const valueText = line.slice(second + 1);
    if (!isValidOid(oid)) {
      skipped.push({ line: i + 1, reason: `bad OID ${oid}` });
      return;
    }
    const m = /^(\d+)(x?)(?::.*)?$/.exec(tagText);
    const type = m ? TAGS[Number(m[1])] : undefined;
    if (!m || !type) {
      skipped.push({ line: i + 1, reason: `unsupported type ${tagText} at ${oid}` });
      return;
    }
    try {
      byOid.set(oid, parseValue(type, valueText, m[2] === 'x'));
    } catch (err) {
      skipped.push({ line: i + 1, reason: `${oid}: ${(err as Error).message}` });
    }
  });
  if (byOid.size === 0 && lines.some((l) => l.trim() !== '')) {
    throw new MeterboxError('MBX_SNMPREC_INVALID', `${source}: no usable OID|TYPE|VALUE line`, { path: source });
  }
  const varbinds = [...byOid.entries()].map(([oid, value]) => ({ oid, value })).sort((a, b) => compareOids(a.oid, b.oid));
  return { varbinds, skipped };
}

function parseValue(type: SnmpValue['type'], text: string, hex: boolean): SnmpValue {
  const bytes = (): Buffer => {
    if (!hex) return Buffer.from(text, 'utf8');
    const clean = text.replace(/\s+/g, '');
    if (!/^([0-9a-fA-F]{2})*$/.test(clean)) throw new Error('bad hex value');
    return Buffer.from(clean, 'hex');
  };
  const integer = (min: number, max: number): number => {
    const s = hex ? String(parseInt(text, 16)) : text.trim();
    if (!/^-?\d+$/.test(s)) throw new Error(`not an integer: ${text}`);
    const n = Number(s);
    if (n < min || n > max) throw new Error(`out of range: ${text}`);
    return n;
  };
  switch (type) {
    case 'integer':
      return { type, value: integer(-2147483648, 2147483647) };
    case 'counter32':
    case 'gauge32':
    case 'timeticks':
      return { type, value: integer(0, 4294967295) };
    case 'counter64': {
      const s = text.trim();
      if (!/^\d+$/.test(s)) throw new Error(`not a Counter64: ${text}`);
      return { type, value: BigInt(s) };
    }
    case 'octets':
    case 'opaque':
      return { type, value: bytes() };
    case 'oid': {
      const s = normalizeOid(text.trim());
      if (!isValidOid(s)) throw new Error(`not an OID: ${text}`);
      return { type, value: s };
    }
    case 'ipaddress': {
      const s = hex ? [...bytes()].join('.') : text.trim();
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) throw new Error(`not an IPv4 address: ${text}`);
      return { type, value: s };
    }
    case 'null':
      return { type };
  }
}

function isPrintable(buf: Buffer): boolean {
  for (const b of buf) if (b < 0x20 || b > 0x7e) return false;
  return true;
}

export function formatSnmprecLine(vb: Varbind): string {
  const v = vb.value;
  const tag = TAG_OF[v.type];
  switch (v.type) {
    case 'octets':
    case 'opaque':
      // Trailing blanks would be lost to the parser's trimEnd(), so such values go as hex too.
      return isPrintable(v.value) && !v.value.toString('latin1').includes('|') && v.value.at(-1) !== 0x20
        ? `${vb.oid}|${tag}|${v.value.toString('latin1')}`
        : `${vb.oid}|${tag}x|${v.value.toString('hex')}`;
    case 'null':
      return `${vb.oid}|${tag}|`;
    default:
      return `${vb.oid}|${tag}|${String(v.value)}`;
  }
}

export function formatSnmprec(varbinds: readonly Varbind[]): string {
  return [...varbinds].sort((a, b) => compareOids(a.oid, b.oid)).map(formatSnmprecLine).join('\n') + '\n';
}
