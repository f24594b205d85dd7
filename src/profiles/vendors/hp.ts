/**
 * HP LaserJet, PageWide and OfficeJet with an embedded or external JetDirect.
 * References: HP-LASERJET-COMMON-MIB / JETDIRECT3-MIB (hp.nm.system.net-peripheral, 1.3.6.1.4.1.11.2.3.9);
 * GLPI agent MibSupport/HPNetPeripheral.pm (recognition, model, serial, firmware, TOTAL/COLOR/DUPLEX
 * counters); HP IJXXXX-MIB status-prt-eng group (oidview.com/mibs/11/IJXXXX-MIB.html: total-engine-,
 * total-mono-, total-color- and duplex-page-count); LibreNMS LibreNMS/OS/Jetdirect.php.
 * Matched last: OEM print servers (Brother NC-, OKI, Zebra) answer HP's OIDs or report HP's sysObjectID.
 *
 * Billing counters, all from HP-LASERJET-COMMON-MIB (DotZero24/pysnmp-mibs mibs/hp/, also in
 * LibreNMS) unless noted; hpDevice `device` = 11.2.3.9.4.2.1:
 * - duplex-page-count (device.4.1.2.22): "sheets of media that have been duplex printed";
 * - total-color-page-count (device.4.1.2.7): "each side of a duplexed sheet … counted
 *   independently", i.e. impressions; total-engine- and total-mono-page-count count the same pages;
 * - large output by PCL media size (the MIB's media size enum: 11 Ledger, 27 ISO A3, 46 JIS B4):
 *   printed-media-simplex-count and printed-media-duplex-count (device.1.16.1.1.{1,3}.<size>, mono
 *   per FUTURESMART-MIB) and printed-media-color-simplex/duplex-count (device.1.16.3.1.{1,3}.<size>).
 *   Whether a "duplex page" there is a sheet or a side is not stated, so large carries no unit;
 * - MFP scans (settings-scanner, device.2.2.1; PrintMaster agent/scanner/vendor/hp.go reads the
 *   same): scanner-adf-page-count (44) and scanner-flatbed-page-count (74) count every page
 *   scanned (to host, copy, fax); scan-adf-page-count (45) and scan-flatbed-page-count (73) the
 *   pages scanned to the host; fax-adf-scan-count and fax-flatbed-scan-count (settings-fax-proc-sub,
 *   device.3.7.1.{31,36}) the pages scanned for faxing. Copy scans are what is left, which the MIB
 *   does not count on its own, so scanCopy is not reported.
 */
import type { Profile } from '../types.js';

/** status-prt-eng (HP-LASERJET-COMMON-MIB): hpDevice (11.2.3.9.4.2.1) . 4.1.2. */
const STATUS_PRT_ENG = '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2';
/** hpDevice `device` (HP-LASERJET-COMMON-MIB). */
const DEVICE = '1.3.6.1.4.1.11.2.3.9.4.2.1';
/** settings-scanner (device.2.2.1) and settings-fax-proc-sub (device.3.7.1). */
const SCANNER = `${DEVICE}.2.2.1`;
const FAX = `${DEVICE}.3.7.1`;
/** PCL media sizes of 364 mm or more: 11 Ledger, 27 ISO A3, 46 JIS B4 (HP-LASERJET-COMMON-MIB media size enum). */
const LARGE_MEDIA = [11, 27, 46];
/** Simplex (.1) and duplex (.3) counts of the large media sizes under a printed-media usage table. */
const largeCells = (usage: string) => [1, 3].flatMap((x) => LARGE_MEDIA.map((size) => `${usage}.${x}.${size}`));
/** system.id (HP-LASERJET-COMMON-MIB): hpDevice . 1.3. */
const SYSTEM_ID = '1.3.6.1.4.1.11.2.3.9.4.2.1.1.3';
/** gdStatusId: the IEEE 1284 device ID (JETDIRECT3-MIB; GLPI HPNetPeripheral.pm). */
const GD_STATUS_ID = '1.3.6.1.4.1.11.2.3.9.1.1.7.0';

export const hp: Profile = {
  id: 'hp',
  version: 2,
  vendor: 'HP',
  match: {
    // GLPI HPNetPeripheral.pm: hp.nm.system.net-peripheral, HP office printers (29999) and
    // LaserJet Pro MFPs on Marvell ASICs (26696.1). Not all of enterprise 11: HP switches live there too.
    sysObjectID: ['1.3.6.1.4.1.11.2.3.9', '1.3.6.1.4.1.29999', '1.3.6.1.4.1.26696.1'],
    // JetDirect sysDescr: "HP ETHERNET MULTI-ENVIRONMENT,SN:…,FN:…,SVCID:…,PID:<product>".
    sysDescr: ['^HP ETHERNET MULTI-ENVIRONMENT'],
  },
  identity: {
    // serial-number (system.id.3); some firmwares prefix binary bytes, so keep the serial-looking run.
    serial: [{ oid: `${SYSTEM_ID}.3.0`, extract: '([A-Za-z0-9]{6,})' }],
    model: [
      // GLPI HPNetPeripheral.pm getModel: the model in gdStatusId first, then model-name (system.id.2).
      { oid: GD_STATUS_ID, extract: '(?:^|;)\\s*(?:MDL|MODEL):\\s*([^;]+)' },
      { oid: `${SYSTEM_ID}.2.0` },
    ],
    // fw-rom (system.id.6), GLPI HPNetPeripheral.pm getFirmware.
    firmware: [{ oid: `${SYSTEM_ID}.6.0` }],
    ieee1284DeviceId: [{ oid: GD_STATUS_ID }],
  },
  counters: {
    // total-engine-page-count (status-prt-eng.5; GLPI TOTAL); the Printer-MIB life count when absent.
    total: [{ oid: `${STATUS_PRT_ENG}.5.0` }],
    // total-mono-page-count (status-prt-eng.6; IJXXXX-MIB).
    mono: [{ oid: `${STATUS_PRT_ENG}.6.0` }],
    // total-color-page-count (status-prt-eng.7; GLPI COLOR, IJXXXX-MIB).
    color: [{ oid: `${STATUS_PRT_ENG}.7.0` }],
    // duplex-page-count (status-prt-eng.22; GLPI DUPLEX, IJXXXX-MIB).
    duplex: [{ oid: `${STATUS_PRT_ENG}.22.0` }],
    // Every page scanned through the ADF and on the flatbed (scanner-adf-page-count + scanner-flatbed-page-count).
    scan: [{ sum: [`${SCANNER}.44.0`, `${SCANNER}.74.0`] }],
    // Scanned to the host (scan-adf-page-count + scan-flatbed-page-count).
    scanSend: [{ sum: [`${SCANNER}.45.0`, `${SCANNER}.73.0`] }],
    // Scanned for faxing (fax-adf-scan-count + fax-flatbed-scan-count).
    scanFax: [{ sum: [`${FAX}.31.0`, `${FAX}.36.0`] }],
    // printed-media-(color-)simplex/duplex-count over the large sizes the device has cells for.
    largeMono: [{ sum: largeCells(`${DEVICE}.1.16.1.1`), partial: true }],
    largeColor: [{ sum: largeCells(`${DEVICE}.1.16.3.1`), partial: true }],
    large: [{ sumOf: ['largeMono', 'largeColor'] }, { sumOf: ['largeMono'] }],
  },
  units: {
    total: 'impressions',
    mono: 'impressions',
    color: 'impressions',
    duplex: 'sheets',
  },
  billingTotal: {
    use: 'vendor',
    why: 'total-engine-page-count is the engine meter HP service and GLPI read; it equals prtMarkerLifeCount on the devices that have both',
  },
  fixtures: ['hp-color-laserjet-m479fdw.snmprec', 'hp-color-laserjet-flow-mfp-e87660.snmprec'],
};
