/**
 * HP LaserJet, PageWide and OfficeJet with an embedded or external JetDirect.
 * References: HP-LASERJET-COMMON-MIB / JETDIRECT3-MIB (hp.nm.system.net-peripheral, 1.3.6.1.4.1.11.2.3.9);
 * GLPI agent MibSupport/HPNetPeripheral.pm (recognition, model, serial, firmware, TOTAL/COLOR/DUPLEX
 * counters); HP IJXXXX-MIB status-prt-eng group (oidview.com/mibs/11/IJXXXX-MIB.html: total-engine-,
 * total-mono-, total-color- and duplex-page-count); LibreNMS LibreNMS/OS/Jetdirect.php.
 * Matched last: OEM print servers (Brother NC-, OKI, Zebra) answer HP's OIDs or report HP's sysObjectID.
 */
import type { Profile } from '../types.js';

/** status-prt-eng (HP-LASERJET-COMMON-MIB): hpDevice (11.2.3.9.4.2.1) . 4.1.2. */
const STATUS_PRT_ENG = '1.3.6.1.4.1.11.2.3.9.4.2.1.4.1.2';
/** system.id (HP-LASERJET-COMMON-MIB): hpDevice . 1.3. */
const SYSTEM_ID = '1.3.6.1.4.1.11.2.3.9.4.2.1.1.3';
/** gdStatusId: the IEEE 1284 device ID (JETDIRECT3-MIB; GLPI HPNetPeripheral.pm). */
const GD_STATUS_ID = '1.3.6.1.4.1.11.2.3.9.1.1.7.0';

export const hp: Profile = {
  id: 'hp',
  version: 1,
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
  },
  fixtures: ['hp-color-laserjet-m479fdw.snmprec'],
};
