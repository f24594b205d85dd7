/**
 * One plain representation of SNMP values, independent of net-snmp, so the profile
 * code (profiles/, reading/) and the simulator work on ordinary data (functional core).
 */
export type SnmpValue =
  | { type: 'integer'; value: number }
  | { type: 'counter32' | 'gauge32' | 'timeticks'; value: number }
  | { type: 'counter64'; value: bigint }
  | { type: 'octets'; value: Buffer }
  | { type: 'oid'; value: string }
  | { type: 'ipaddress'; value: string }
  | { type: 'opaque'; value: Buffer }
  | { type: 'null' };

export interface Varbind {
  oid: string;
  value: SnmpValue;
}

/** A set of OID → value, as collected from one device in one read. */
export type MibView = ReadonlyMap<string, SnmpValue>;

export function asNumber(v: SnmpValue | undefined): number | undefined {
  if (!v) return undefined;
  switch (v.type) {
    case 'integer':
    case 'counter32':
    case 'gauge32':
    case 'timeticks':
      return v.value;
    case 'counter64':
      return v.value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v.value) : undefined;
    case 'octets': {
      // Some vendors publish counters as strings ("12345").
      const s = v.value.toString('latin1').trim();
      return /^-?\d+$/.test(s) ? Number(s) : undefined;
    }
    default:
      return undefined;
  }
}

export function asBuffer(v: SnmpValue | undefined): Buffer | undefined {
  if (!v) return undefined;
  if (v.type === 'octets' || v.type === 'opaque') return v.value;
  return undefined;
}

/** Text of an OctetString with control characters and padding removed. */
export function asText(v: SnmpValue | undefined): string | undefined {
  if (!v) return undefined;
  if (v.type === 'oid' || v.type === 'ipaddress') return v.value;
  const buf = asBuffer(v);
  if (buf === undefined) {
    const n = asNumber(v);
    return n === undefined ? undefined : String(n);
  }
  return cleanText(decodeOctets(buf));
}

function decodeOctets(buf: Buffer): string {
  const utf8 = buf.toString('utf8');
  // Printers mix UTF-8 and Latin-1; fall back when UTF-8 decoding produced replacement chars.
  return utf8.includes('\uFFFD') ? buf.toString('latin1') : utf8;
}

/** Control characters out (C0, DEL and C1: U+0080–U+009F, which a Latin-1 device may send), blanks collapsed. */
export function cleanText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').replace(/\s+/g, ' ').trim();
}
