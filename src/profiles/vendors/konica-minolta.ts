/**
 * Konica Minolta bizhub, and the OEM rebadges Develop (ineo) and Sindoh on the same private MIB
 * (enterprise 18334). References: GLPI agent MibSupport/Konica.pm (glpi-project/glpi-agent
 * @77f7cdd); LibreNMS os_detection/konica.yaml, os_detection/developprinter.yaml,
 * os_discovery/konica.yaml and its count sensors (includes/discovery/sensors/count/konica.inc.php
 * @0d49141, printer.inc.php); Minolta's own MC2350-MIB (enterprise 2590), which has the same
 * `…1.1.1.5.7.2` counter tree and describes it (lextudio/mibs.pysnmp.com asn1/MC2350-MIB); the
 * print-accounting suite 15831944/vs2008PackPrj PrintHelper/KonicaMinoltaMIB_Def.h (OIDs in clear
 * beside its constants).
 *
 * General counters `18334.1.1.1.5.7.2.1.<n>.0`: 1 total, 3 duplex (MC2350 mltSysDuplexCount: "total
 * print count of Duplex (back)", i.e. back sides = duplex sheets), 5 total scanned to send
 * (MC2350 mltSysSendTotalCount; LibreNMS "Total scans").
 * Colour × function table `18334.1.1.1.5.7.2.2.1.<col>.<colour>.<function>`: col 5 = count,
 * col 7 = large size (LibreNMS "… Large", vs2008 `KmA3…`, MC2350 mltSysPrintFunctionLargeSizeCount).
 * Colour 1 = black, 2 = full colour, 3 = single colour (LibreNMS "Mono", vs2008 `SingleColor`),
 * 4 = two colour (LibreNMS "2 colors", vs2008 `DoubleColor`); function 1 = copy, 2 = print.
 * The contract bills as colour any page that used C, M or Y, so colour = full + single + two colour
 * wherever the device has those cells. Fax printouts have no documented counter, so mono and
 * colour are copy + print.
 *
 * Units. The totals and col 5 follow the device's count-mode settings (MC2350 mltSysCounterConfig:
 * duplex and large size counted once or twice, "reflected to all TotalCounters"); no public
 * source locates those settings in KM's tree, so the totals get no declared unit and billing
 * reports them not computable rather than guess. prtMarkerLifeCount with its unit is kept beside
 * the KM total (Reading.totals). The duplex counter counts back sides, i.e. duplex sheets; col 7
 * counts large pages printed, each side once (MC2350 "large size count"; vs2008 computes
 * A4 = col 5 − 2 × col 7, so col 7 itself is not doubled).
 */
import type { Profile } from '../types.js';

const KM = '1.3.6.1.4.1.18334';
/** KONICA-MINOLTA private MIB, printer counters (GLPI Konica.pm `konicaPrinterCounters`). */
const COUNTERS = `${KM}.1.1.1.5.7.2`;

export const konicaMinolta: Profile = {
  id: 'konica-minolta',
  version: 2,
  vendor: 'Konica Minolta',
  brands: [
    // Develop ineo: the KM model OID names the Develop model (LibreNMS developprinter.yaml).
    { name: 'Develop', match: '^Develop\\b|\\bineo\\b' },
    // Sindoh: OEM branch 18334.1.2.1.2 (GLPI Konica.pm sindohSysobjectID), "SINDOH D450".
    { name: 'Sindoh', match: '\\bSindoh\\b' },
  ],
  match: {
    // KM branch 18334.1.1.1.2 and the OEM branch 18334.1.2.1.2 (GLPI Konica.pm; LibreNMS konica.yaml).
    sysObjectID: [`${KM}.1.1.1.2`, `${KM}.1.2.1.2`],
    // "KONICA MINOLTA bizhub C3110", "Konica Minolta bizhub 25e" (LibreNMS konica.yaml; case varies).
    sysDescr: ['^KONICA MINOLTA\\b', '^Develop\\b', '^Sindoh\\b'],
  },
  identity: {
    // Model name (GLPI Konica.pm `konicaModel`; LibreNMS os_discovery/konica.yaml hardware).
    // OEM units name their own brand here ("Develop ineo+ 280") while sysDescr names the KM twin.
    model: [{ oid: `${KM}.1.1.1.1.6.2.1.0`, extract: '^(?:KONICA MINOLTA\\s+)?(.+)$' }],
    // Controller firmware version (LibreNMS os_discovery/konica.yaml version).
    firmware: [{ oid: `${KM}.1.1.1.1.6.1.0` }],
  },
  counters: {
    // Total output (GLPI konicaTotal; LibreNMS "Total"; MC2350 mltSysTotalCount).
    total: [{ oid: `${COUNTERS}.1.1.0` }],
    mono: [{ sumOf: ['copyMono', 'printMono'] }],
    color: [{ sumOf: ['copyColor', 'printColor'] }],
    print: [{ sumOf: ['printMono', 'printColor'] }],
    // Print black (GLPI konicaBlackPrint; LibreNMS "Total print black").
    printMono: [{ oid: `${COUNTERS}.2.1.5.1.2` }],
    // Print full + single + two colour where the device has them (see above), else full colour (GLPI konicaColorPrint).
    printColor: [{ sum: [`${COUNTERS}.2.1.5.2.2`, `${COUNTERS}.2.1.5.3.2`, `${COUNTERS}.2.1.5.4.2`], partial: true }],
    copy: [{ sumOf: ['copyMono', 'copyColor'] }],
    // Copy black (GLPI konicaBlackCopy; LibreNMS "Total copy black").
    copyMono: [{ oid: `${COUNTERS}.2.1.5.1.1` }],
    copyColor: [{ sum: [`${COUNTERS}.2.1.5.2.1`, `${COUNTERS}.2.1.5.3.1`, `${COUNTERS}.2.1.5.4.1`], partial: true }],
    scan: [
      // Scans (GLPI konicaScans; LibreNMS "Scan"; vs2008 KmScanTotalPageOID), then the scalar "Total scans".
      { oid: `${COUNTERS}.3.1.5.1` },
      { oid: `${COUNTERS}.1.5.0` },
    ],
    // Scanned to send (MC2350 mltSysSendTotalCount "total count scanned as a transmitting function").
    scanSend: [{ oid: `${COUNTERS}.1.5.0` }],
    // Duplex back sides (GLPI konicaRectoVerso; LibreNMS "Total print duplex"; MC2350 mltSysDuplexCount).
    duplex: [{ oid: `${COUNTERS}.1.3.0` }],
    // Large size, col 7: copy + print (LibreNMS "Copy/Print Black Large"; vs2008 KmA3…).
    largeMono: [{ sum: [`${COUNTERS}.2.1.7.1.1`, `${COUNTERS}.2.1.7.1.2`] }],
    largeColor: [
      {
        sum: [`${COUNTERS}.2.1.7.2.1`, `${COUNTERS}.2.1.7.2.2`, `${COUNTERS}.2.1.7.3.1`, `${COUNTERS}.2.1.7.3.2`, `${COUNTERS}.2.1.7.4.1`, `${COUNTERS}.2.1.7.4.2`],
        partial: true,
      },
    ],
    large: [{ sumOf: ['largeMono', 'largeColor'] }],
  },
  units: {
    // Back sides printed, one per duplex sheet (MC2350 mltSysDuplexCount).
    duplex: 'sheets',
    // Large pages, each printed side once (MC2350; vs2008 A4 = col 5 − 2 × col 7).
    largeMono: 'impressions',
    largeColor: 'impressions',
    large: 'impressions',
  },
  billingTotal: {
    use: 'vendor',
    why: 'the KM total is the meter on the device panel that KM service contracts read (GLPI konicaTotal, MC2350 mltSysTotalCount); prtMarkerLifeCount counts marker impressions only',
  },
  fixtures: ['konica-minolta-bizhub-c258.snmprec', 'konica-minolta-bizhub-c360i.snmprec'],
};
