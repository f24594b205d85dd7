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
 */
import type { Profile } from '../types.js';

const XEROX = '1.3.6.1.4.1.253';
/** xcmHrDevDetailValueInteger (XEROX-HOST-RESOURCES-EXT-MIB). */
const DETAIL = `${XEROX}.8.53.13.2.1.6`;
/** Detail counter `idx` of hrDevice `dev`. */
const d = (dev: number, idx: number) => `${DETAIL}.${dev}.20.${idx}`;
/** xcmHrDevInfoEntry for hrDevice 1: description (.2), serial (.3). */
const DEV_INFO = `${XEROX}.8.53.3.2.1`;
/** IEEE 1284 device ID of the printer (XEROX-COMMON-MIB, xcmGenDeviceId area). */
const DEVICE_ID = `${XEROX}.8.51.1.2.1.20.1`;
const PLACEHOLDER_SERIALS = ['000000000', '0000000000'];

export const xerox: Profile = {
  id: 'xerox',
  version: 1,
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
    // Total Large Impressions (A3/Tabloid) of the marker.
    large: [{ oid: d(1, 47) }],
  },
  fixtures: ['xerox-workcentre-6515.snmprec'],
};
