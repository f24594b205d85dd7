/**
 * Ricoh, and the OEM rebadges Gestetner, Lanier, Savin and NRG (nashuatec) on the same
 * Ricoh-Private-MIB (enterprise 367). References: GLPI agent MibSupport/Ricoh.pm; LibreNMS
 * os_detection/ricoh.yaml and os_discovery/ricoh.yaml; geekerlw/snmp-mib ricoh/ricoh.c.
 *
 * Counters come from ricohEngCounterTable (`367.3.2.1.2.19.5.1`): column 2 is a counter type
 * code, column 9 its value. Rows differ per model, so rows are found by type code, never by row
 * number (GLPI Ricoh.pm): 10 total; 200 copy, 201 copy B&W, 202 + 203 copy colour; 300 fax;
 * 400 print, 401 print B&W, 402 + 403 print colour; 870 + 871 scans; 700 LargePaperPrints,
 * 701 DuplexPrintedSides (Ricoh-Private-MIB ricohEngCounterType, in observium-community-edition
 * mibs/ricoh/RicohPrivateMIB). Large output is not split by colour over SNMP.
 *
 * Units: each row says how it counts in column 3, ricohEngCounterIncrement (Ricoh-Private-MIB):
 * bit 4 "A3 DoubleCount ON(0)/OFF(1)", bit 5 the same for DLT, bit 6 "Duplex DoubleCount
 * ON(0)/OFF(1)", bit 3 when the sheet is counted; bits 0-2 and 7-31 are always 0. So, with bit 4
 * the value 16: 48 or 56 (duplex counted twice, A3/DLT once) is impressions; 0 or 8 (all counted
 * twice) is a4-equivalent; 112 or 120 (nothing counted twice) is sheets. Any other value (A3 and
 * DLT counted differently, or sheets with large doubled) gives no unit. The scalar
 * ricohEngCounterTotal has no such cell and no declared unit. prtMarkerCounterUnit is 8 (sheets)
 * on a recorded MP C2503, so the unit is never assumed.
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
  version: 2,
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
    // Type 700 LargePaperPrints (Ricoh-Private-MIB).
    large: [byType(700)],
    // Type 701 DuplexPrintedSides (Ricoh-Private-MIB): sides of duplex sheets.
    duplex: [byType(701)],
  },
  unitColumns: [
    {
      values: `${ENG}.5.1.9`,
      units: `${ENG}.5.1.3`,
      map: { '48': 'impressions', '56': 'impressions', '0': 'a4-equivalent', '8': 'a4-equivalent', '112': 'sheets', '120': 'sheets' },
    },
  ],
  units: {
    // "DuplexPrintedSides": the type's own name says sides.
    duplex: 'impressions',
  },
  billingTotal: {
    use: 'vendor',
    why: 'ricohEngCounterTotal is the machine total of the device counter report; prtMarkerLifeCount may count sheets (unit 8) where the total counts sides',
  },
  fixtures: ['ricoh-mp-c3004.snmprec'],
};
