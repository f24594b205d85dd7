/**
 * Kyocera TASKalfa / ECOSYS, and the OEM rebadges UTAX, TA Triumph-Adler and Copystar on the
 * same private MIB (enterprise 1347). References: GLPI agent MibSupport/Kyocera.pm; LibreNMS
 * os_detection/kyocera.yaml and os_discovery/kyocera.yaml; DataDog default_profiles/kyocera-printer.yaml;
 * PrintMaster agent/scanner/vendor/kyocera.go and its Kyocera OID mapping notes (TASKalfa 6052ci).
 *
 * Function × colour counters (KYOCERA private MIB, PrintMaster mapping)
 * `1347.42.3.1.2.1.1.<function>.<colour>`: function 1 printer, 2 copier, 4 fax;
 * colour 1 black & white, 2 single (mono) colour, 3 full colour. None of them is a total on its
 * own, so mono and colour are sums. Kyocera's own total (1347.43.10.1.1.12.1.1) equals those parts;
 * prtMarkerLifeCount can run a few hundred pages ahead, so the vendor total is preferred.
 */
import type { Profile } from '../types.js';

const KY = '1.3.6.1.4.1.1347';
/** Function × colour page counts (PrintMaster KyoceraPrintBW … KyoceraFaxBW). */
const FN = `${KY}.42.3.1.2.1.1`;
/** Pages per function (PrintMaster mapping: 1 printer, 2 copier, 4 fax). */
const FN_TOTAL = `${KY}.42.3.1.1.1.1`;
/** Pages per paper size, column 6 = all pages; rows 1 A3, 2 B4, 7 Ledger (PrintMaster KyoceraCounterTable). */
const SIZE = `${KY}.42.2.1.1.1.6.1`;

export const kyocera: Profile = {
  id: 'kyocera',
  version: 1,
  vendor: 'Kyocera',
  brands: [
    // OEM names appear in the model (kcprtGeneralModelName, hrDeviceDescr) and the IEEE 1284 ID.
    { name: 'Triumph-Adler', match: 'Triumph[- ]?Adler|^TA\\s' },
    { name: 'UTAX', match: '^UTAX|\\bUTAX\\b' },
    { name: 'Copystar', match: '^CS\\s\\d|\\bCopystar\\b' },
  ],
  match: {
    // 1347.41 (GLPI Kyocera.pm; DataDog kyocera-printer.yaml sysobjectid).
    sysObjectID: [KY],
    // "KYOCERA Document Solutions Printing System" (LibreNMS kyocera.yaml `/^KYOCERA/`).
    sysDescr: ['^KYOCERA\\b', '^UTAX', '^TA Triumph-Adler'],
  },
  identity: {
    // kcprtSerialNumber (LibreNMS os_discovery/kyocera.yaml serial; DataDog kyocera-printer.yaml).
    serial: [{ oid: `${KY}.43.5.1.1.28.1` }],
    // kcprtGeneralModelName: the name on the front panel, OEM name included (LibreNMS hardware; DataDog).
    model: [{ oid: `${KY}.43.5.1.1.1.1` }],
    // Main firmware version (LibreNMS os_discovery/kyocera.yaml version).
    firmware: [{ oid: `${KY}.43.5.4.1.5.1.1` }],
  },
  counters: {
    // Total printed pages (PrintMaster KyoceraTotalPrinted; the web UI "Total"); else prtMarkerLifeCount.
    total: [{ oid: `${KY}.43.10.1.1.12.1.1` }],
    mono: [
      { sum: [`${FN}.1.1`, `${FN}.2.1`, `${FN}.4.1`] },
      // Printers without copier or fax.
      { sum: [`${FN}.1.1`, `${FN}.2.1`] },
      { oid: `${FN}.1.1` },
    ],
    color: [
      { sum: [`${FN}.1.2`, `${FN}.1.3`, `${FN}.2.2`, `${FN}.2.3`, `${FN}.4.2`, `${FN}.4.3`] },
      { sum: [`${FN}.1.2`, `${FN}.1.3`, `${FN}.2.2`, `${FN}.2.3`] },
      { sum: [`${FN}.1.2`, `${FN}.1.3`] },
    ],
    // Printer pages (PrintMaster mapping, function 1).
    print: [{ oid: `${FN_TOTAL}.1` }],
    // Print B&W; print single + full colour (PrintMaster KyoceraPrintBW, KyoceraPrintColor).
    printMono: [{ oid: `${FN}.1.1` }],
    printColor: [{ sum: [`${FN}.1.2`, `${FN}.1.3`] }],
    // Copier pages (PrintMaster mapping, function 2).
    copy: [{ oid: `${FN_TOTAL}.2` }],
    // Copy B&W; copy single + full colour (PrintMaster KyoceraCopyBW, KyoceraCopyColor).
    copyMono: [{ oid: `${FN}.2.1` }],
    copyColor: [{ sum: [`${FN}.2.2`, `${FN}.2.3`] }],
    // Fax pages printed (PrintMaster mapping, function 4).
    fax: [{ oid: `${FN_TOTAL}.4` }],
    // Scanned pages: copy scans + fax scans + other scans (PrintMaster KyoceraScanCopy/ScanFax/ScanOther).
    scan: [{ sum: [`${KY}.42.3.1.3.1.1.2`, `${KY}.42.3.1.3.1.1.4`, `${KY}.42.3.1.4.1.1.1`] }],
    // Pages on A3, B4 and Ledger (paper size table, column 6).
    large: [{ sum: [`${SIZE}.1`, `${SIZE}.2`, `${SIZE}.7`] }],
  },
  fixtures: ['kyocera-taskalfa-3253ci.snmprec'],
};
