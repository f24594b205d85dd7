/**
 * Device identity, pure: the DeviceIdentity of a Reading from the device's answers (the profile's
 * text rules first, then the standard MIBs), serial normalisation, MAC formatting and the key.
 */
import { firstText } from '../profiles/text.js';
import { HR, IF, PPM_DEVICE_ID, PRT, SYS, printerDeviceIndex } from '../profiles/standard-mib.js';
import type { Profile } from '../profiles/types.js';
import { enterpriseVendor } from '../profiles/match.js';
import { column } from '../snmp/table.js';
import { asBuffer, asNumber, asText, type MibView } from '../snmp/values.js';
import type { DeviceIdentity, KeySource } from '../contract/reading.js';

/** Values printers put where a serial should be when they have none. */
const PLACEHOLDER = /^(0+|X+|\?+|-+|N\/?A|NONE|UNKNOWN|NULL|SERIAL_?NUMBER|SERIALNUMBER|SERIAL_?NO\.?|DEFAULT|NOT ?AVAILABLE|0123456789|123456789)$/i;

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

// ---------------------------------------------------------------- from the device's answers

function macOf(view: MibView): string | undefined {
  const types = column(view, IF.type);
  const addrs = column(view, IF.physAddress);
  const candidates = [...addrs.entries()].sort(([a], [b]) => {
    // Ethernet (6) and Wi-Fi (71) before loopback and virtual interfaces.
    const rank = (i: string) => ([6, 71].includes(asNumber(types.get(i)) ?? 0) ? 0 : 1);
    return rank(a) - rank(b);
  });
  for (const [, v] of candidates) {
    const buf = asBuffer(v);
    if (!buf) continue;
    const mac = buf.length === 6 ? formatMac(buf) : parseMacText(buf.toString('latin1'));
    if (mac) return mac;
  }
  return undefined;
}

function vendorFromEnterprise(view: MibView): string | undefined {
  const objectID = view.get(SYS.objectID);
  if (objectID?.type !== 'oid') return undefined;
  return enterpriseVendor(objectID.value);
}

export function decodeIdentity(view: MibView, profile: Profile | undefined, host: string): DeviceIdentity {
  const sysDescr = asText(view.get(SYS.descr));
  const objectID = view.get(SYS.objectID);
  const deviceIdText = firstText(view, profile?.identity?.ieee1284DeviceId) ?? firstPpmDeviceId(view);
  const deviceId = deviceIdText ? parseDeviceId(deviceIdText) : {};
  const printerIndex = printerDeviceIndex(view) ?? '1';
  const vendor =
    profile?.vendor ?? vendorFromEnterprise(view) ?? deviceId.MFG ?? deviceId.MANUFACTURER ?? 'Unknown';
  const model =
    firstText(view, profile?.identity?.model) ??
    deviceId.MDL ??
    deviceId.MODEL ??
    asText(view.get(`${HR.deviceDescr}.${printerIndex}`)) ??
    sysDescr;
  const rawSerial =
    firstText(view, profile?.identity?.serial) ?? asText(view.get(`${PRT.generalSerialNumber}.${printerIndex}`)) ?? firstColumnText(view, PRT.generalSerialNumber);
  const serial = normalizeSerial(rawSerial);
  const mac = macOf(view);
  const identity: DeviceIdentity = { ...deviceKey(vendor, { serial, mac, host }), vendor, host };
  if (model) identity.model = model;
  const brand = brandOf(profile, [model, sysDescr, deviceId.MFG]);
  if (brand) identity.brand = brand;
  if (serial) identity.serial = serial;
  if (mac) identity.mac = mac;
  const firmware = firstText(view, profile?.identity?.firmware);
  if (firmware) identity.firmware = firmware;
  if (objectID?.type === 'oid') identity.sysObjectID = objectID.value;
  if (sysDescr) identity.sysDescr = sysDescr;
  const sysName = asText(view.get(SYS.name));
  if (sysName) identity.sysName = sysName;
  const sysLocation = asText(view.get(SYS.location));
  if (sysLocation) identity.sysLocation = sysLocation;
  if (deviceIdText) identity.ieee1284DeviceId = deviceIdText;
  return identity;
}

function firstColumnText(view: MibView, root: string): string | undefined {
  for (const v of column(view, root).values()) {
    const s = asText(v);
    if (s) return s;
  }
  return undefined;
}

function firstPpmDeviceId(view: MibView): string | undefined {
  return firstColumnText(view, PPM_DEVICE_ID);
}

/** OEM rebadges (Develop, Sindoh on Konica Minolta…) keep the vendor's key; the brand is shown beside it. */
function brandOf(profile: Profile | undefined, texts: (string | undefined)[]): string | undefined {
  for (const b of profile?.brands ?? []) {
    const re = new RegExp(b.match, 'i');
    if (texts.some((t) => t !== undefined && re.test(t))) return b.name;
  }
  return undefined;
}
