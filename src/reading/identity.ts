/** Device identity: serial normalisation, MAC formatting and the device key. Pure functions. */
import type { KeySource } from '../contract/reading.js';

/** Values printers put where a serial should be when they have none. */
const PLACEHOLDER = /^(0+|X+|\?+|-+|N\/?A|NONE|UNKNOWN|NULL|SERIAL_?NUMBER|SERIALNUMBER|SERIAL_?NO\.?|DEFAULT|NOT ?AVAILABLE|0123456789|123456789)$/i;

/** "4142 4344" or "41424344" → "ABCD" when every byte is printable; otherwise undefined. */
export function decodeHexText(s: string): string | undefined {
  const clean = s.replace(/[\s:]/g, '');
  if (clean.length < 2 || clean.length % 2 !== 0 || !/^[0-9a-fA-F]+$/.test(clean)) return undefined;
  const buf = Buffer.from(clean, 'hex');
  const trimmed = trimNul(buf);
  if (trimmed.length === 0) return undefined;
  for (const b of trimmed) if (b < 0x20 || b > 0x7e) return undefined;
  return trimmed.toString('latin1');
}

function trimNul(buf: Buffer): Buffer {
  let end = buf.length;
  while (end > 0 && (buf[end - 1] === 0 || buf[end - 1] === 0x20)) end--;
  return buf.subarray(0, end);
}

/**
 * The serial as a stable key part: upper case, no padding, no "S/N:" style prefix, no inner
 * blanks. Undefined for empty values and placeholders such as 000000000.
 */
export function normalizeSerial(raw: string | undefined, stripPrefixes: readonly string[] = []): string | undefined {
  if (raw === undefined) return undefined;
  let s = raw.trim();
  for (const p of stripPrefixes) if (s.toUpperCase().startsWith(p.toUpperCase())) s = s.slice(p.length);
  // A label needs a separator after it: "SN: X1", "Serial Number X1", but the serial "SNB12345" stays whole.
  s = s.replace(/^(S\/N\s*[:#]?|(SN|SERIAL(\s*NO\.?|\s*NUMBER)?)(\s*[:#]|\s+(?!(NO|NUMBER)\b)))\s*/i, '');
  // eslint-disable-next-line no-control-regex -- NUL padding is what printers send
  s = s.replace(/[\s\u0000]+/g, '').toUpperCase();
  if (s === '' || PLACEHOLDER.test(s)) return undefined;
  return s;
}

/** 6 bytes → "00:20:6b:8a:dc:ec"; undefined for all-zero or broadcast addresses. */
export function formatMac(bytes: Buffer): string | undefined {
  if (bytes.length !== 6) return undefined;
  if (bytes.every((b) => b === 0) || bytes.every((b) => b === 0xff)) return undefined;
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Some recordings and firmwares give the MAC as text ("00:1b:a9:…" or "001BA9…"). */
export function parseMacText(s: string): string | undefined {
  const t = s.trim();
  // Six separated octets may drop leading zeros ("0:80:77:1:2:3"), as some print servers write them.
  const octets = t.split(/[:\-\s]/);
  const hex = octets.length === 6 && octets.every((o) => /^[0-9a-fA-F]{1,2}$/.test(o)) ? octets.map((o) => o.padStart(2, '0')).join('') : t.replace(/[:\-.\s]/g, '');
  if (!/^[0-9a-fA-F]{12}$/.test(hex)) return undefined;
  return formatMac(Buffer.from(hex, 'hex'));
}

export function vendorSlug(vendor: string): string {
  return vendor
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export function deviceKey(
  vendor: string,
  ids: { serial?: string; mac?: string; host: string },
): { key: string; keySource: KeySource } {
  const slug = vendorSlug(vendor) || 'unknown';
  if (ids.serial) return { key: `${slug}:${ids.serial}`, keySource: 'serial' };
  if (ids.mac) return { key: `${slug}:mac:${ids.mac}`, keySource: 'mac' };
  return { key: `${slug}:host:${ids.host}`, keySource: 'host' };
}

/** Fields of an IEEE 1284 device ID ("MFG:Brother;MDL:HL-L2340D;…"), keys upper-cased. */
export function parseDeviceId(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of s.split(';')) {
    const i = part.indexOf(':');
    if (i <= 0) continue;
    const k = part.slice(0, i).trim().toUpperCase();
    const v = part.slice(i + 1).trim();
    if (v) out[k] = v;
  }
  return out;
}
