/**
 * Xerox Phaser, WorkCentre, VersaLink and AltaLink (enterprise 253). Fuji Xerox and Fujifilm
 * (enterprise 297) have their own profile, fujifilm.ts. References: GLPI agent
 * MibSupport/Xerox.pm; LibreNMS os_detection/xerox.yaml and os_discovery/xerox.yaml;
 * XEROX-HOST-RESOURCES-EXT-MIB (xcmHrDevInfo, xcmHrDevDetailTable).
 *
 * Counters come from xcmHrDevDetailTable `253.8.53.13.2.1.6.<hrDeviceIndex>.20.<detail>`
 * (detail type 20 = counters). The marking engine is hrDevice 1; the copier, scanner and fax
 * are hrDevice 11/10/12 on Xerox-built models and 103/102/104 on Fuji Xerox-built ones
 * (WorkCentre 6605), so both are listed. Impressions 33/34 count all functions, fax included.
 *
 * The table describes its own rows (XEROX-HOST-RESOURCES-EXT-TC XcmHrDevTrafficUnit, in
 * observium-community-edition mibs/xerox/): col 5 is the unit of each value (26 mediaImage,
 * 27 mediaImpression, 28 mediaSheet) and col 8 its label. The unit a device gives wins over the
 * declarations below, which follow the labels recorded on an AltaLink C8135: 43 "Color Large
 * Impressions", 44 "Black Large Impressions", 47 "Large Impressions"; 9 / 31 "Black / Color
 * Printed 2 Sided Sheets"; copier 11.5 / 11.27 "Black / Color Copied 2 Sided Sheets"; fax 12.16
 * "Embedded Fax 2-Sided Sheets"; 12.13 "Embedded Fax Images Sent". 43/44 are also vs2008's Xerox
 * A3 colour / black totals (15831944/vs2008PackPrj PrintHelper/XeroxMIB_Def.h).
 * The "A4 Equivalent Impressions" rows (200-202) fall far below Total Impressions on a recorded
 * WorkCentre 3655, so they are not read.
 */
import type { Profile } from '../types.js';

const XEROX = '1.3.6.1.4.1.253';
/** xcmHrDevDetailValueInteger (XEROX-HOST-RESOURCES-EXT-MIB). */
const DETAIL = `${XEROX}.8.53.13.2.1.6`;
/** xcmHrDevDetailUnit (XEROX-HOST-RESOURCES-EXT-MIB): the unit of the value beside it. */
const DETAIL_UNIT = `${XEROX}.8.53.13.2.1.5`;
/** Detail counter `idx` of hrDevice `dev`. */
const d = (dev: number, idx: number) => `${DETAIL}.${dev}.20.${idx}`;
/** xcmHrDevInfoEntry for hrDevice 1: description (.2), serial (.3). */
const DEV_INFO = `${XEROX}.8.53.3.2.1`;
/** IEEE 1284 device ID of the printer (XEROX-COMMON-MIB, xcmGenDeviceId area). */
const DEVICE_ID = `${XEROX}.8.51.1.2.1.20.1`;
const PLACEHOLDER_SERIALS = ['000000000', '0000000000'];

export const xerox: Profile = {
  id: 'xerox',
  version: 2,
  vendor: 'Xerox',
  match: {
    // 253.8.62.1.* (LibreNMS os_detection/xerox.yaml).
    sysObjectID: [`${XEROX}.8.62.1`],
    // "Xerox AltaLink C8045; SS 100.002…" (LibreNMS os_discovery/xerox.yaml).
    sysDescr: ['^Xerox\\s'],
    // Partial walks without the system group: the device description and the 1284 ID answer.
    anyOid: [`${DEV_INFO}.2.1`, DEVICE_ID],
  },
  identity: {
    // prtGeneralSerialNumber, then xcmHrDevInfoSerialNumber (Gauge32 on some models). Phaser 6130N
    // answers 000000000 in both.
    serial: [
      { oid: '1.3.6.1.2.1.43.5.1.1.17.1', ignore: PLACEHOLDER_SERIALS },
      { oid: `${DEV_INFO}.3.1`, ignore: PLACEHOLDER_SERIALS },
    ],
    model: [
      // "Xerox <model>; <firmware list>" (LibreNMS os_discovery/xerox.yaml `/Xerox (?<hardware>[^;]+)/`).
      { oid: '1.3.6.1.2.1.1.1.0', extract: '^Xerox\\s+([^;]+)' },
      // xcmHrDevInfoDescription: "Xerox WorkCentre 3655X v1 Multifunction Printer".
      { oid: `${DEV_INFO}.2.1`, extract: '^Xerox\\s+(.+?)(?:\\s+(?:Multifunction\\s+)?Printer)?$' },
    ],
    // Only when it is a real 1284 ID (the Phaser 6130N answers "/w==;").
    ieee1284DeviceId: [{ oid: DEVICE_ID, extract: '^(.*MFG:.*)$' }],
  },
  counters: {
    // Total / Color / Black Impressions (GLPI Xerox.pm xeroxTotalPrint, xeroxColorPrint, xeroxBlackPrint).
    total: [{ oid: d(1, 1) }],
    mono: [{ oid: d(1, 34) }],
    color: [{ oid: d(1, 33) }],
    print: [{ sumOf: ['printMono', 'printColor'] }],
    // Black / Color Printed Impressions (FusionInventory Xerox mapping 20.7 / 20.29).
    printMono: [{ oid: d(1, 7) }],
    printColor: [{ oid: d(1, 29) }],
    copy: [{ sumOf: ['copyMono', 'copyColor'] }],
    // Black / Color Copied Impressions (GLPI xeroxBlackCopy / xeroxColorCopy on hrDevice 11; 103 on 6605).
    copyMono: [{ oid: d(11, 3) }, { oid: d(103, 3) }],
    copyColor: [{ oid: d(11, 25) }, { oid: d(103, 25) }],
    // Fax Impressions of the fax device, else "Faxed Impressions" of the marker.
    fax: [{ oid: d(12, 14) }, { oid: d(104, 14) }, { oid: d(1, 71) }],
    // Network Scanning + E-mail Images Sent (GLPI xeroxScanSavedOnNetwork / xeroxScanSentByEmail).
    scan: [{ sum: [d(10, 11), d(10, 12)] }, { sum: [d(102, 11), d(102, 12)] }],
    // The same images, all of them sent out of the device (scan to network, to e-mail).
    scanSend: [{ sum: [d(10, 11), d(10, 12)] }, { sum: [d(102, 11), d(102, 12)] }],
    // Embedded Fax Images Sent.
    scanFax: [{ oid: d(12, 13) }, { oid: d(104, 13) }],
    // 2-sided sheets: printed (1.9 black, 1.31 colour), copied (11.5 / 11.27; 103 on Fuji Xerox-built), faxed (12.16).
    duplexMono: [{ sum: [d(1, 9), d(11, 5), d(103, 5), d(12, 16), d(104, 16)], partial: true }],
    duplexColor: [{ sum: [d(1, 31), d(11, 27), d(103, 27)], partial: true }],
    duplex: [{ sumOf: ['duplexMono', 'duplexColor'] }, { sumOf: ['duplexMono'] }],
    // Black / Color Large Impressions (A3, Tabloid) of the marker.
    largeMono: [{ oid: d(1, 44) }],
    largeColor: [{ oid: d(1, 43) }],
    // Large Impressions of the marker, else black + colour.
    large: [{ oid: d(1, 47) }, { sumOf: ['largeMono', 'largeColor'] }],
  },
  unitColumns: [{ values: DETAIL, units: DETAIL_UNIT, map: { '27': 'impressions', '28': 'sheets' } }],
  units: {
    total: 'impressions',
    mono: 'impressions',
    color: 'impressions',
    printMono: 'impressions',
    printColor: 'impressions',
    copyMono: 'impressions',
    copyColor: 'impressions',
    fax: 'impressions',
    duplexMono: 'sheets',
    duplexColor: 'sheets',
    largeMono: 'impressions',
    largeColor: 'impressions',
    large: 'impressions',
  },
  billingTotal: {
    use: 'vendor',
    why: 'Total Impressions (1.20.1) is the billing meter Xerox devices show and report to Xerox; it equals prtMarkerLifeCount on the recorded WorkCentre 3655X',
  },
  fixtures: ['xerox-workcentre-6515.snmprec', 'xerox-altalink-c8135.snmprec'],
};
