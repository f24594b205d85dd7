/**
 * Canon imageRUNNER, imageRUNNER ADVANCE, i-SENSYS / imageCLASS and LBP.
 * References: CANON-MIB (enterprise 1602); GLPI agent MibSupport/Canon.pm (recognition, model,
 * firmware, serial); LibreNMS includes/definitions/discovery/canonprinter.yaml (hardware, version).
 * Counters: the Canon counter table canCounterValue (1602.1.11.1.3.1.4.<counter id>), indexed by the
 * counter IDs of Canon's "Check Counter" screen: 101 Total 1, 108 Total (Black 1), 112/113
 * Total (Black / Large, Small), 114 Total 1 (2-Sided), 122/123 Total (Full Colour + Single Colour /
 * Large, Small), 201 Copy (Total 1), 301 Print (Total 1), 501 Scan (Total 1); per the Zabbix
 * community Canon template notes and several meter-reading tools. Which IDs a device has depends on
 * the model and region; absent IDs are simply not reported.
 */
import type { Profile } from '../types.js';

/** canCounterValue column of the Canon counter table (CANON-MIB), instance = counter ID. */
const COUNTER = '1.3.6.1.4.1.1602.1.11.1.3.1.4';

export const canon: Profile = {
  id: 'canon',
  version: 1,
  vendor: 'Canon',
  match: {
    // GLPI Canon.pm: sysObjectID ^.1.3.6.1.4.1.1602.4. (Canon printers and MFPs).
    sysObjectID: ['1.3.6.1.4.1.1602.4'],
    // "Canon LBP6670 /P", "Canon iR-ADV C5535 /P".
    sysDescr: ['^Canon (iR|LBP|MF|i-SENSYS|imageRUNNER|imageCLASS|imagePRESS)'],
  },
  identity: {
    // canServInfoSerialNumberDeviceNumber (GLPI Canon.pm); prtGeneralSerialNumber otherwise.
    serial: [{ oid: '1.3.6.1.4.1.1602.1.2.1.8.1.3.1.1' }],
    // canPdInfoProductName "LBP6670" (GLPI Canon.pm; LibreNMS canonprinter.yaml hardware).
    model: [{ oid: '1.3.6.1.4.1.1602.1.1.1.1.0' }],
    // canPdInfoProductVersion "R7.21" (GLPI Canon.pm; LibreNMS canonprinter.yaml version).
    firmware: [{ oid: '1.3.6.1.4.1.1602.1.1.1.4.0' }],
  },
  counters: {
    // 101 Total 1 (equals prtMarkerLifeCount on the devices that have both).
    total: [{ oid: `${COUNTER}.101` }],
    // 108 Total (Black 1), else 112 + 113 Total (Black / Large) + (Black / Small).
    mono: [{ oid: `${COUNTER}.108` }, { sum: [`${COUNTER}.112`, `${COUNTER}.113`] }],
    // 122 + 123 Total (Full Colour + Single Colour / Large) + (… / Small).
    color: [{ sum: [`${COUNTER}.122`, `${COUNTER}.123`] }],
    // 301 Print (Total 1).
    print: [{ oid: `${COUNTER}.301` }],
    // 201 Copy (Total 1).
    copy: [{ oid: `${COUNTER}.201` }],
    // 501 Scan (Total 1).
    scan: [{ oid: `${COUNTER}.501` }],
    // 114 Total 1 (2-Sided).
    duplex: [{ oid: `${COUNTER}.114` }],
  },
  fixtures: ['canon-ir-adv-c3530.snmprec'],
};
