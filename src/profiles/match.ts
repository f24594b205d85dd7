/**
 * Recognition: the objects the first GET asks for, which profile a device's answers match, and
 * whether the host is a printer at all. Pure functions of the probe's answers and profile data.
 */
import { asText, type MibView } from '../snmp/values.js';
import { HR, PRT, SYS } from './standard-mib.js';
import type { Profile } from './types.js';
import { PRINTER_ENTERPRISES } from './vendors/enterprises.js';

/** Reading.profile of a printer no vendor profile claims: the Printer-MIB alone. */
const STANDARD_PROFILE_ID = 'standard@1';

/** The first GET sent to a host: enough to tell a printer and pick its profile. */
export function probeOids(profiles: readonly Profile[]): string[] {
  const oids = new Set<string>([SYS.descr, SYS.objectID, SYS.name, `${HR.deviceType}.1`, `${PRT.generalPrinterName}.1`, `${PRT.markerLifeCount}.1.1`]);
  for (const p of profiles) for (const o of p.match.anyOid ?? []) oids.add(o);
  return [...oids];
}

function profileMatches(profile: Profile, probe: MibView): boolean {
  const m = profile.match;
  const objectID = probe.get(SYS.objectID);
  const oid = objectID?.type === 'oid' ? objectID.value : undefined;
  if (oid && m.sysObjectID?.some((p) => oid === p || oid.startsWith(p + '.'))) return true;
  const descr = asText(probe.get(SYS.descr));
  if (descr && m.sysDescr?.some((re) => new RegExp(re, 'i').test(descr))) return true;
  if (m.anyOid?.some((o) => probe.has(o))) return true;
  return false;
}

export function selectProfile(profiles: readonly Profile[], probe: MibView): Profile | undefined {
  return profiles.find((p) => profileMatches(p, probe));
}

/** A host is a printer when the Printer-MIB answers, hrDeviceType says printer, or a profile claims it. */
export function looksLikePrinter(probe: MibView, profile: Profile | undefined): boolean {
  if (profile) return true;
  if ([...probe.keys()].some((oid) => oid.startsWith('1.3.6.1.2.1.43.'))) return true;
  const t = probe.get(`${HR.deviceType}.1`);
  return t?.type === 'oid' && t.value === HR.typePrinter;
}

export function profileLabel(profile: Profile | undefined): string {
  return profile ? `${profile.id}@${profile.version}` : STANDARD_PROFILE_ID;
}

/** The printer maker of a sysObjectID's enterprise number (vendors/enterprises.ts), or undefined. */
export function enterpriseVendor(sysObjectID: string): string | undefined {
  const m = /^1\.3\.6\.1\.4\.1\.(\d+)(?:\.|$)/.exec(sysObjectID);
  return m ? PRINTER_ENTERPRISES[Number(m[1])] : undefined;
}
