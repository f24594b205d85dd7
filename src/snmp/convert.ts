/** Conversion between net-snmp's varbind values and meterbox's SnmpValue (both directions). */
import snmp from 'net-snmp';
import type { V3Credentials } from './credentials.js';
import type { SnmpValue } from './values.js';

const T = snmp.ObjectType;

function toBigInt(value: unknown): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') return BigInt(Math.trunc(value));
  if (Buffer.isBuffer(value)) return value.length === 0 ? 0n : BigInt('0x' + value.toString('hex'));
  return 0n;
}

function toBuffer(value: unknown): Buffer {
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'string') return Buffer.from(value, 'latin1');
  return Buffer.alloc(0);
}

export function fromNetSnmp(type: number, value: unknown, _oid?: string): SnmpValue {
  switch (type) {
    case T.Integer:
      return { type: 'integer', value: Number(value) };
    case T.Counter:
      return { type: 'counter32', value: Number(value) };
    case T.Gauge:
      return { type: 'gauge32', value: Number(value) };
    case T.TimeTicks:
      return { type: 'timeticks', value: Number(value) };
    case T.Counter64:
      return { type: 'counter64', value: toBigInt(value) };
    case T.OctetString:
      return { type: 'octets', value: toBuffer(value) };
    case T.Opaque:
      return { type: 'opaque', value: toBuffer(value) };
    case T.OID:
      return { type: 'oid', value: String(value) };
    case T.IpAddress:
      return { type: 'ipaddress', value: String(value) };
    default:
      return { type: 'null' };
  }
}

/** For the simulator's agent: net-snmp's type number and a value it can encode. */
export function toNetSnmp(v: SnmpValue): { type: number; value: unknown } {
  switch (v.type) {
    case 'integer':
      return { type: T.Integer, value: v.value };
    case 'counter32':
      return { type: T.Counter, value: v.value };
    case 'gauge32':
      return { type: T.Gauge, value: v.value };
    case 'timeticks':
      return { type: T.TimeTicks, value: v.value };
    case 'counter64': {
      // net-snmp's encoder needs an 8-byte buffer for Counter64; a JS number crashes it.
      const buf = Buffer.alloc(8);
      buf.writeBigUInt64BE(BigInt.asUintN(64, v.value));
      return { type: T.Counter64, value: buf };
    }
    case 'octets':
      return { type: T.OctetString, value: v.value };
    case 'opaque':
      return { type: T.Opaque, value: v.value };
    case 'oid':
      return { type: T.OID, value: v.value };
    case 'ipaddress':
      return { type: T.IpAddress, value: v.value };
    case 'null':
      return { type: T.Null, value: null };
  }
}

const AUTH_PROTOCOL: Record<string, number> = {
  md5: snmp.AuthProtocols.md5,
  sha: snmp.AuthProtocols.sha,
  sha224: snmp.AuthProtocols.sha224,
  sha256: snmp.AuthProtocols.sha256,
  sha384: snmp.AuthProtocols.sha384,
  sha512: snmp.AuthProtocols.sha512,
};
const PRIV_PROTOCOL: Record<string, number> = {
  des: snmp.PrivProtocols.des,
  aes: snmp.PrivProtocols.aes,
  aes256b: snmp.PrivProtocols.aes256b,
  aes256r: snmp.PrivProtocols.aes256r,
};

/** A v3 user as net-snmp's session and agent authorizer both take it. */
export function toNetSnmpUser(c: V3Credentials): snmp.User {
  const user: Record<string, unknown> = { name: c.user, level: snmp.SecurityLevel[c.level] };
  if (c.level !== 'noAuthNoPriv') {
    user.authProtocol = AUTH_PROTOCOL[c.authProtocol ?? 'sha'];
    user.authKey = c.authKey;
  }
  if (c.level === 'authPriv') {
    user.privProtocol = PRIV_PROTOCOL[c.privProtocol ?? 'aes'];
    user.privKey = c.privKey;
  }
  return user as unknown as snmp.User;
}
