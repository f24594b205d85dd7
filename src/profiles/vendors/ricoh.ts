/**
 * Ricoh, and the OEM rebadges Gestetner, Lanier, Savin and NRG (nashuatec) on the same
 * Ricoh-Private-MIB (enterprise 367). References: GLPI agent MibSupport/Ricoh.pm; LibreNMS
 * os_detection/ricoh.yaml and os_discovery/ricoh.yaml; geekerlw/snmp-mib ricoh/ricoh.c.
 *
 * Counters come from ricohEngCounterTable (`367.3.2.1.2.19.5.1`): column 2 is a counter type
 * code, column 9 its value. Rows differ per model, so rows are found by type code, never by row
 * number (GLPI Ricoh.pm): 10 total; 200 copy, 201 copy B&W, 202 + 203 copy colour; 300 fax;
 * 400 print, 401 print B&W, 402 + 403 print colour; 870 + 871 scans.
 */
import type { CounterRule, Profile } from '../types.js';

const RICOH = '1.3.6.1.4.1.367';
/** ricohEngCounter (Ricoh-Private-MIB). */
const ENG = `${RICOH}.3.2.1.2.19`;

/** The ricohEngCounterTable row(s) with these type codes (ricohEngCounterType → ricohEngCounterValue). */
function byType(...codes: number[]): CounterRule {
  return { table: { names: `${ENG}.5.1.2`, values: `${ENG}.5.1.9`, match: `^(${codes.join('|')})$`, all: codes.length > 1 } };
}

export const ricoh: Profile = {
  id: 'ricoh',
  version: 1,
  vendor: 'Ricoh',
  brands: [
    // OEM units start sysDescr with their brand and keep "Network Printer C model" (LibreNMS ricoh.yaml).
    { name: 'Gestetner', match: '^Gestetner\\b' },
    { name: 'Lanier', match: '^LANIER\\b' },
    { name: 'Savin', match: '^SAVIN\\b' },
    { name: 'NRG', match: '^(NRG|nashuatec)\\b' },
  ],
  match: {
    // ricohAgentsID 367.1.1, the same for the OEM brands (GLPI Ricoh.pm).
    sysObjectID: [`${RICOH}.1.1`],
    // "RICOH MP C2503 1.35 / RICOH Network Printer C model / …" (LibreNMS ricoh.yaml).
    sysDescr: ['^RICOH\\b', '^(Gestetner|LANIER|SAVIN|NRG|nashuatec)\\b.*Network Printer'],
  },
  identity: {
    // ricohEngSerialNumber (LibreNMS os_discovery/ricoh.yaml serial).
    serial: [{ oid: `${RICOH}.3.2.1.2.1.4.0` }],
    // ricohSysName = model, e.g. "MP C2503" (LibreNMS os_discovery/ricoh.yaml hardware; geekerlw ricoh.c).
    model: [{ oid: `${RICOH}.3.2.1.1.1.1.0` }],
    // ricohSysVers = firmware (LibreNMS os_discovery/ricoh.yaml version).
    firmware: [{ oid: `${RICOH}.3.2.1.1.1.2.0` }],
  },
  counters: {
    // ricohEngCounterTotal (geekerlw ricoh.c), then type 10 (GLPI); else prtMarkerLifeCount.
    total: [{ oid: `${ENG}.1.0` }, byType(10)],
    // Fax prints are black and white; machines without a fax board have no type 300 row.
    mono: [{ sumOf: ['printMono', 'copyMono', 'fax'] }, { sumOf: ['printMono', 'copyMono'] }],
    color: [{ sumOf: ['printColor', 'copyColor'] }],
    // ricohEngCounterPrinter (geekerlw ricoh.c), then type 400 (GLPI PRINTTOTAL).
    print: [{ oid: `${ENG}.2.0` }, byType(400)],
    printMono: [byType(401)],
    printColor: [byType(402, 403)],
    // ricohEngCounterCopier (geekerlw ricoh.c), then type 200 (GLPI COPYTOTAL).
    copy: [{ oid: `${ENG}.4.0` }, byType(200)],
    copyMono: [byType(201)],
    copyColor: [byType(202, 203)],
    // Type 300 (GLPI FAXTOTAL).
    fax: [byType(300)],
    // Types 870 + 871 (GLPI SCANNED).
    scan: [byType(870, 871)],
  },
  fixtures: ['ricoh-mp-c3004.snmprec'],
};
