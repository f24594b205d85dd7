/**
 * Canon imageRUNNER, imageRUNNER ADVANCE, i-SENSYS / imageCLASS and LBP.
 * References: CANON-MIB (enterprise 1602); GLPI agent MibSupport/Canon.pm (recognition, model,
 * firmware, serial, its counter-name mapping; glpi-project/glpi-agent @77f7cdd and issue #574);
 * LibreNMS includes/definitions/discovery/canonprinter.yaml (hardware, version); the Zabbix
 * community templates Printers/Canon/template_canon_c5540 (zabbix/community-templates @640b659).
 *
 * Counters: canCounterValue (1602.1.11.1.3.1.4.<counter id>), indexed by the counter IDs of
 * Canon's "Check Counter" screen. Their meanings, from Canon's own documents:
 * - 101 Total 1 (every size counted 1), 102 Total 2 (large counted 2), 103 Total (Large):
 *   Canon/Océ "Canon billing counters" (docs.cpp.canon, GUID-A5D98C6B-C52B-4FF7-B63A-07756880FDDB)
 *   and the imagePRESS C800 service guide (soft counters 101/102/108/109);
 * - 108 Total (Black 1); 112/113 Total (Black/Large, Small); 122/123 Total (Full Colour + Single
 *   Colour / Large, Small): the same Canon page, Zabbix C5540, GLPI issue #574;
 * - 201 Copy (Total 1), 301 Print (Total 1), 501 Scan (Total 1): GLPI Canon.pm names, Zabbix.
 * "Large" is media 364 mm long or more, A3/Tabloid (docs.cpp.canon M147137); whether B4 is large
 * is a service-mode setting (iR 7095 service manual, gratus.org/manual/1011582 p. 316).
 * Identity used as a cross-check: 102 − 101 (large counted a second time) = 112 + 122.
 * Which IDs a device has depends on the model and region; absent IDs are simply not reported.
 *
 * Units: the soft counters count each printed side (the iR 7095 service manual counts the 1st
 * and the 2nd side of a duplex sheet from the delivery sensor), so the Total 1 family (101,
 * 108, 112/113, 122/123) is in impressions. There is no documented duplex counter: the
 * `114` this profile read before had no public source and is no longer read.
 */
import type { Profile } from '../types.js';

/** canCounterValue column of the Canon counter table (CANON-MIB), instance = counter ID. */
const COUNTER = '1.3.6.1.4.1.1602.1.11.1.3.1.4';

export const canon: Profile = {
  id: 'canon',
  version: 2,
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
    // 112 Total (Black/Large).
    largeMono: [{ oid: `${COUNTER}.112` }],
    // 122 Total (Full Colour + Single Colour/Large).
    largeColor: [{ oid: `${COUNTER}.122` }],
    // 103 Total (Large), else Total 2 − Total 1 (a large side counted a second time), else 112 + 122.
    large: [{ oid: `${COUNTER}.103` }, { diff: [`${COUNTER}.102`, `${COUNTER}.101`] }, { sumOf: ['largeMono', 'largeColor'] }],
  },
  units: {
    total: 'impressions',
    mono: 'impressions',
    color: 'impressions',
    print: 'impressions',
    copy: 'impressions',
    largeMono: 'impressions',
    largeColor: 'impressions',
    large: 'impressions',
  },
  checks: [
    {
      counter: 'large',
      equals: { diff: [`${COUNTER}.102`, `${COUNTER}.101`] },
      why: 'Canon: Total 2 (102) counts a large side twice and Total 1 (101) once, so 102 − 101 is the large output',
    },
    {
      counter: 'large',
      equals: { sum: [`${COUNTER}.112`, `${COUNTER}.122`] },
      why: 'Canon: Total (Large) = Total (Black/Large) 112 + Total (Full Colour + Single Colour/Large) 122',
    },
  ],
  billingTotal: {
    use: 'vendor',
    why: 'Total 1 (101) is the meter on the Check Counter screen that Canon service contracts read; it equals prtMarkerLifeCount where both answer',
  },
  fixtures: ['canon-ir-adv-c3530.snmprec', 'canon-ir-adv-c5535i.snmprec'],
};
