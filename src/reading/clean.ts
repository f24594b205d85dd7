/**
 * Clean strings in a Reading, pure: C0 and C1 control characters (and DEL) removed from every
 * text a device sent, and every string and list capped at a documented length, so a device that
 * sends a 64 KB sysDescr or ten thousand supply rows costs a bounded reading, a terminal never
 * receives escape sequences, and each cut is reported (reading.truncated).
 *
 * Limits (characters, counted as Unicode code points; also in README and docs/provider-api.yaml):
 * sysDescr 512, ieee1284DeviceId 1024, counter sources 1024, every other string 256; at most 256
 * supplies, 256 alerts and 64 console lines.
 */
import { cleanText } from '../snmp/values.js';
import { deviceKey } from './identity.js';
import type { DeviceIdentity, Reading } from '../contract/reading.js';

export const STRING_LIMITS = { sysDescr: 512, ieee1284DeviceId: 1024, source: 1024, other: 256 } as const;
export const LIST_LIMITS = { supplies: 256, alerts: 256, console: 64 } as const;

export interface Cut {
  field: string;
  length: number;
  max: number;
}

/** Controls out, then at most `max` code points. */
export function capString(s: string, max: number, field: string, cuts: Cut[]): string {
  // eslint-disable-next-line no-control-regex -- these are exactly what must not pass
  const clean = /[\u0000-\u001f\u007f-\u009f]/.test(s) ? cleanText(s) : s;
  if (clean.length <= max) return clean;
  const points = Array.from(clean);
  if (points.length <= max) return clean;
  cuts.push({ field, length: points.length, max });
  return points.slice(0, max).join('');
}

function capList<T>(list: T[], max: number, field: string, cuts: Cut[]): T[] {
  if (list.length <= max) return list;
  cuts.push({ field, length: list.length, max });
  return list.slice(0, max);
}

const IDENTITY_TEXT: (keyof DeviceIdentity)[] = ['vendor', 'brand', 'model', 'serial', 'mac', 'firmware', 'sysObjectID', 'sysDescr', 'sysName', 'sysLocation', 'ieee1284DeviceId', 'host'];

/** A device identity with clean, capped strings; the key follows a cut serial or vendor. */
export function cleanIdentity(identity: DeviceIdentity, cuts: Cut[] = []): DeviceIdentity {
  const d: DeviceIdentity = { ...identity };
  for (const f of IDENTITY_TEXT) {
    const v = d[f];
    if (typeof v !== 'string') continue;
    const max = f === 'sysDescr' ? STRING_LIMITS.sysDescr : f === 'ieee1284DeviceId' ? STRING_LIMITS.ieee1284DeviceId : STRING_LIMITS.other;
    (d as unknown as Record<string, string>)[f] = capString(v, max, `device.${f}`, cuts);
  }
  if (cuts.some((c) => c.field === 'device.serial' || c.field === 'device.vendor')) {
    const k = deviceKey(d.vendor, { ...(d.serial ? { serial: d.serial } : {}), ...(d.mac ? { mac: d.mac } : {}), host: d.host });
    d.key = k.key;
    d.keySource = k.keySource;
  }
  return d;
}

/** The Reading with clean, capped strings, and what was cut. */
export function cleanReading(r: Reading): { reading: Reading; cuts: Cut[] } {
  const cuts: Cut[] = [];
  const d = cleanIdentity(r.device, cuts);
  const sources = Object.fromEntries(Object.entries(r.sources).map(([k, v]) => [k, capString(v, STRING_LIMITS.source, `sources.${k}`, cuts)]));
  const supplies = capList(r.supplies, LIST_LIMITS.supplies, 'supplies', cuts).map((s, i) => {
    const out = { ...s, description: capString(s.description, STRING_LIMITS.other, `supplies[${i}].description`, cuts) };
    if (out.color !== undefined) out.color = capString(out.color, STRING_LIMITS.other, `supplies[${i}].color`, cuts);
    return out;
  });
  const alerts = capList(r.status.alerts, LIST_LIMITS.alerts, 'status.alerts', cuts).map((a, i) => (a.text === undefined ? a : { ...a, text: capString(a.text, STRING_LIMITS.other, `status.alerts[${i}].text`, cuts) }));
  const status = { ...r.status, alerts };
  if (r.status.console) status.console = capList(r.status.console, LIST_LIMITS.console, 'status.console', cuts).map((l, i) => capString(l, STRING_LIMITS.other, `status.console[${i}]`, cuts));
  return { reading: { ...r, device: d, sources, supplies, status }, cuts };
}
