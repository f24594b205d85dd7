/**
 * Zebra label printers (ZebraNet print servers, including those built on ESI hardware).
 * References: ZEBRA-QL-MIB and ESI-MIB via GLPI agent MibSupport/Zebra.pm (recognition, model, serial,
 * firmware order); LibreNMS resources/definitions/os_detection/zebra.yaml (sysObjectIDs 10642 and 683)
 * and tests/snmpsim/zebra.snmprec.
 * No page counters: label printers measure printed length, not pages, and have no Printer-MIB marker.
 */
import type { Profile } from '../types.js';

export const zebra: Profile = {
  id: 'zebra',
  version: 1,
  vendor: 'Zebra',
  match: {
    // Zebra enterprise 10642 and the ESI (Extended Systems) ZebraNet print servers, 683 (LibreNMS zebra.yaml, GLPI Zebra.pm).
    sysObjectID: ['1.3.6.1.4.1.10642', '1.3.6.1.4.1.683'],
    // "ZebraNet Wired PS", "ZebraNet PrintServer".
    sysDescr: ['^ZebraNet'],
  },
  identity: {
    serial: [
      // ZEBRA-QL-MIB printer serial 10642.200.19.5.0 (GLPI: "more accurate" on GK420 and ZE500)…
      { oid: '1.3.6.1.4.1.10642.200.19.5.0' },
      // …else the ESI-MIB print-server serial 683.1.5.0 (GLPI Zebra.pm, LibreNMS serial).
      { oid: '1.3.6.1.4.1.683.1.5.0' },
    ],
    // GLPI Zebra.pm getModel order: ZEBRA-QL-MIB 10642.1.1.0 "ZTC TLP 2824 Plus", ESI-MIB 683.6.2.3.2.1.15.1,
    // ZEBRA-QL-MIB 10642.200.19.7.0.
    model: [
      { oid: '1.3.6.1.4.1.10642.1.1.0' },
      { oid: '1.3.6.1.4.1.683.6.2.3.2.1.15.1' },
      { oid: '1.3.6.1.4.1.10642.200.19.7.0' },
    ],
    // GLPI Zebra.pm getFirmware order: ZEBRA-QL-MIB 10642.1.2.0, ESI-MIB 683.1.9.0.
    firmware: [{ oid: '1.3.6.1.4.1.10642.1.2.0' }, { oid: '1.3.6.1.4.1.683.1.9.0' }],
    // IEEE 1284 device ID (MANUFACTURER:/MODEL: keys): ZEBRA-QL-MIB 10642.1.3.0, then HP's gdStatusId.
    ieee1284DeviceId: [{ oid: '1.3.6.1.4.1.10642.1.3.0' }, { oid: '1.3.6.1.4.1.11.2.3.9.1.1.7.0' }],
  },
  noLarge: 'label printers on continuous media: no page-size counters',
  fixtures: ['zebra-zt410.snmprec'],
};
