/**
 * Konica Minolta bizhub, and the OEM rebadges Develop (ineo) and Sindoh on the same private MIB
 * (enterprise 18334). References: GLPI agent MibSupport/Konica.pm; LibreNMS
 * os_detection/konica.yaml, os_detection/developprinter.yaml, os_discovery/konica.yaml and its
 * printer count-sensor discovery (konica branch); Checkmk Konica Minolta counter plugin.
 *
 * Counter table (KONICA-MINOLTA private MIB) `18334.1.1.1.5.7.2.2.1.<col>.<colour>.<function>`:
 * col 5 = count, col 7 = large size; colour 1 = black, 2 = full colour; function 1 = copy, 2 = print.
 * Colour follows GLPI: full colour only (single- and two-colour cells are not read).
 * Fax printouts have no documented counter, so mono and colour are copy + print.
 */
import type { Profile } from '../types.js';

const KM = '1.3.6.1.4.1.18334';
/** KONICA-MINOLTA private MIB, printer counters (GLPI Konica.pm `konicaPrinterCounters`). */
const COUNTERS = `${KM}.1.1.1.5.7.2`;

export const konicaMinolta: Profile = {
  id: 'konica-minolta',
  version: 1,
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
    // Total output (GLPI konicaTotal; Checkmk plugin "total counter").
    total: [{ oid: `${COUNTERS}.1.1.0` }],
    mono: [{ sumOf: ['copyMono', 'printMono'] }],
    color: [{ sumOf: ['copyColor', 'printColor'] }],
    print: [{ sumOf: ['printMono', 'printColor'] }],
    // Print black / full colour (GLPI konicaBlackPrint / konicaColorPrint; LibreNMS "Total print black/color").
    printMono: [{ oid: `${COUNTERS}.2.1.5.1.2` }],
    printColor: [{ oid: `${COUNTERS}.2.1.5.2.2` }],
    copy: [{ sumOf: ['copyMono', 'copyColor'] }],
    // Copy black / full colour (GLPI konicaBlackCopy / konicaColorCopy; LibreNMS "Total copy black/color").
    copyMono: [{ oid: `${COUNTERS}.2.1.5.1.1` }],
    copyColor: [{ oid: `${COUNTERS}.2.1.5.2.1` }],
    scan: [
      // Scans (GLPI konicaScans), then the scalar "Total scans" (LibreNMS count sensors; Checkmk plugin).
      { oid: `${COUNTERS}.3.1.5.1` },
      { oid: `${COUNTERS}.1.5.0` },
    ],
    // Duplex total (GLPI konicaRectoVerso; LibreNMS "Total print duplex").
    duplex: [{ oid: `${COUNTERS}.1.3.0` }],
    // Large size (A3/Ledger), col 7: copy/print × black/full colour (LibreNMS konica count-sensor notes).
    large: [{ sum: [`${COUNTERS}.2.1.7.1.1`, `${COUNTERS}.2.1.7.1.2`, `${COUNTERS}.2.1.7.2.1`, `${COUNTERS}.2.1.7.2.2`] }],
  },
  fixtures: ['konica-minolta-bizhub-c258.snmprec'],
};
