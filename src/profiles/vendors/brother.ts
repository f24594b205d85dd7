/**
 * Brother lasers, inkjets and MFPs.
 * References: Brother private MIB (enterprise 2435: BROTHER-MIB brInfo* / brpsNet*, via oidview);
 * Home Assistant `brother` library (bieniu/brother, const.py: OIDS and VALUES_COUNTERS record codes);
 * LibreNMS resources/definitions/os_detection/brother.yaml (sysDescr, `snmp_bulk: false`) and
 * LibreNMS/OS/Brother.php (hardware, serial, version); GLPI agent MibSupport/BrotherNetConfig.pm.
 * Quirks: the old NC- print servers report HP's sysObjectID (1.3.6.1.4.1.11.2.3.9.1), so Brother is
 * matched by sysDescr before the HP profile; some agents hide the whole system group and are
 * recognised by the Brother IEEE 1284 device ID alone; GETBULK is answered wrongly by some firmwares.
 */
import type { Profile } from '../types.js';

/** brInfoCounter: TLV page-counter records (bieniu const.py OIDS["counters"]). */
const BR_INFO_COUNTER = '1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.10.0';
/** brieee1284id: the IEEE 1284 device ID (bieniu const.py ATTR_MODEL source; LibreNMS Brother.php). */
const BR_IEEE1284_ID = '1.3.6.1.4.1.2435.2.3.9.1.1.7.0';
/** "Brother MFC-L2710DW series" → "MFC-L2710DW". */
const MODEL_TEXT = '^(?:Brother\\s+)?(.+?)(?:\\s+series)?$';
const MODEL_IN_1284 = 'MDL:\\s*(?:Brother\\s+)?([^;]+?)(?:\\s+series)?\\s*(?:;|$)';

export const brother: Profile = {
  id: 'brother',
  version: 1,
  vendor: 'Brother',
  match: {
    // Brother enterprise 2435 (IANA PEN); printers report 1.3.6.1.4.1.2435.2.3.9.1.
    sysObjectID: ['1.3.6.1.4.1.2435'],
    // LibreNMS os_detection/brother.yaml: '/Brother NC-.*(h|w),/' (NC- print servers, some with HP's sysObjectID).
    sysDescr: ['^Brother NC-'],
    // Agents without a system group still answer brieee1284id (bieniu/brother fixtures).
    anyOid: [BR_IEEE1284_ID],
  },
  // LibreNMS brother.yaml `snmp_bulk: false` (librenms/librenms#11532: no GETBULK support).
  quirks: { bulk: false },
  identity: {
    // brInfoSerialNumber (bieniu const.py ATTR_SERIAL; LibreNMS Brother.php; GLPI BrotherNetConfig.pm).
    // 'serial_number' is the placeholder of anonymised recordings: skip it so prtGeneralSerialNumber is tried.
    serial: [{ oid: '1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.1.0', ignore: ['serial_number'] }],
    model: [
      // brmDNSPrinterName, "Brother MFC-L2710DW series" (LibreNMS Brother.php first choice for hardware).
      { oid: '1.3.6.1.4.1.2435.2.4.3.2435.5.13.3.0', extract: MODEL_TEXT },
      // hrDeviceDescr.1 (HOST-RESOURCES-MIB), same text on Brother.
      { oid: '1.3.6.1.2.1.25.3.2.1.3.1', extract: MODEL_TEXT },
      // MDL of brieee1284id (bieniu const.py: model from the 1284 string), then HP's gdStatusId copy of it.
      { oid: BR_IEEE1284_ID, extract: MODEL_IN_1284 },
      { oid: '1.3.6.1.4.1.11.2.3.9.1.1.7.0', extract: MODEL_IN_1284 },
    ],
    firmware: [
      // brInfoDeviceRomVersion (bieniu const.py ATTR_FIRMWARE).
      { oid: '1.3.6.1.4.1.2435.2.3.9.4.2.1.5.5.17.0' },
      // brpsFirmwareDescription "Firmware Ver.Q" (LibreNMS Brother.php version).
      { oid: '1.3.6.1.4.1.2435.2.4.3.1240.6.5.0', extract: 'Ver\\.?\\s*(\\S+)' },
    ],
    ieee1284DeviceId: [
      { oid: BR_IEEE1284_ID },
      // HP-LASERJET-COMMON-MIB gdStatusId, which Brother firmwares answer with the same string.
      { oid: '1.3.6.1.4.1.11.2.3.9.1.1.7.0' },
    ],
  },
  counters: {
    total: [
      // prtMarkerLifeCount of the printer's marker (Printer-MIB, RFC 3805), when the agent has it…
      { oid: '1.3.6.1.2.1.43.10.2.1.4.1.1' },
      // …else brInfoCounter record 0x00 "page_counter" (bieniu const.py VALUES_COUNTERS).
      { record: { oid: BR_INFO_COUNTER, code: 0x00 } },
    ],
    // brInfoCounter record 0x01 "bw_counter" (bieniu const.py VALUES_COUNTERS).
    mono: [{ record: { oid: BR_INFO_COUNTER, code: 0x01 } }],
    // brInfoCounter record 0x02 "color_counter" (bieniu const.py VALUES_COUNTERS).
    color: [{ record: { oid: BR_INFO_COUNTER, code: 0x02 } }],
    // brInfoCounter record 0x06 "duplex_unit_pages_counter" (bieniu const.py VALUES_COUNTERS).
    duplex: [{ record: { oid: BR_INFO_COUNTER, code: 0x06 } }],
  },
  billingTotal: {
    use: 'printer-mib',
    why: 'prtMarkerLifeCount comes with its unit (prtMarkerCounterUnit); the brInfoCounter page counter is read only where the Printer-MIB has no count',
  },
  noLarge: 'no large-size counter among the brInfoCounter records (bieniu/brother const.py VALUES_COUNTERS); Brother office models are A4',
  fixtures: ['brother-mfc-l3770cdw.snmprec'],
};
