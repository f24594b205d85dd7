/**
 * OKI printers and MFPs (OkiLAN print servers).
 * References: OKI Data private MIB (enterprise 2001); GLPI agent MibSupport/Oki.pm (model, serial);
 * LibreNMS tests/snmpsim okilan_9450g.snmprec (sysDescr "… PrintServer: Attached to MC873 …" and the
 * HP-style IEEE 1284 string with MANUFACTURE:/MODEL: keys).
 * Counters: OKI's private counter table (2001.1.1.1.1.11.1.10.170) is described inconsistently by the
 * public sources, so the total is the Printer-MIB life count only.
 */
import type { Profile } from '../types.js';

export const oki: Profile = {
  id: 'oki',
  version: 1,
  vendor: 'OKI',
  match: {
    // OKI Data enterprise 2001 (GLPI Oki.pm).
    sysObjectID: ['1.3.6.1.4.1.2001'],
    // "OKI OkiLAN 9450g Rev.00.69 … PrintServer: Attached to MC873 …".
    sysDescr: ['^OKI (OkiLAN|MC|C|B|ES)'],
  },
  identity: {
    // Serial in the OKI private MIB (GLPI Oki.pm).
    serial: [{ oid: '1.3.6.1.4.1.2001.1.1.1.1.11.1.10.45.0' }],
    model: [
      // Model in the OKI private MIB (GLPI Oki.pm).
      { oid: '1.3.6.1.4.1.2001.1.1.1.1.11.1.10.25.0' },
      // The printer behind the OkiLAN print server, from sysDescr.
      { oid: '1.3.6.1.2.1.1.1.0', extract: 'Attached to\\s+([^\\s:]+)' },
    ],
    // HP-LASERJET-COMMON-MIB gdStatusId, which OkiLAN answers: "MANUFACTURE:OKI UK LTD;…;MODEL:MC873;…".
    ieee1284DeviceId: [{ oid: '1.3.6.1.4.1.11.2.3.9.1.1.7.0' }],
  },
  noLarge: 'no public MIB document or maintained project shows a large, duplex or scan counter for OKI over SNMP',
  fixtures: ['oki-c834.snmprec'],
};
