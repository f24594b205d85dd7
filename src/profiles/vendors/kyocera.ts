/**
 * Kyocera TASKalfa / ECOSYS, and the OEM rebadges UTAX, TA Triumph-Adler and Copystar on the
 * same private MIB (enterprise 1347). References: GLPI agent MibSupport/Kyocera.pm and
 * Tools/Hardware.pm (glpi-project/glpi-agent @77f7cdd), its issues #913 (per-size counts add up to
 * the total) and #382 (duplex); LibreNMS os_detection/kyocera.yaml, os_discovery/kyocera.yaml and
 * includes/discovery/sensors/count/kyocera.inc.php; DataDog default_profiles/kyocera-printer.yaml;
 * PrintMaster agent/scanner/vendor/kyocera.go and docs/dev/vendor/KYOCERA_OID_MAPPING.md
 * (mstrhakr/printmaster @2736ce6); Kyocera's KMCOMMON-MIB v1.50 (`1347.42`, in
 * observium-community-edition mibs/kyocera/KMCOMMON-MIB).
 *
 * Function × colour counters `1347.42.3.1.2.1.1.<function>.<colour>`: function 1 printer,
 * 2 copier, 4 fax; colour 1 black & white, 2 single (mono) colour, 3 full colour (PrintMaster;
 * the device's own kmColorModeName). None of them is a total on its own, so mono and colour are
 * sums. Kyocera's own total (1347.43.10.1.1.12.1.1) equals those parts.
 *
 * Per-paper-size table kmMediaTable `1347.42.2.1.1.1.<col>.<hrDevice>.<row>` (KMCOMMON): col 2 the
 * size name ("A3", "B4", "Ledger"…), col 6 all pages of that size (the sizes add up to the total,
 * GLPI #913), col 7 black & white, col 8 full colour (GLPI Hardware.pm reads col 8 as colour).
 * Rows differ per model (on desktop ECOSYS row 1 is not A3), so large rows are chosen by name:
 * A3, B4 and Ledger, the sizes of 364 mm or more. Single-colour pages of a size (probably col 9)
 * are not documented and not read.
 *
 * Duplex `1347.42.2.5.1.1.<n>.1`: n = 1 one-sided / front, 2 two-sided / rear (GLPI #382, LibreNMS
 * "duplex front"/"rear pages"; 1 + 2 = the total). Whether n = 2 counts duplex sheets or their
 * sides is not settled by any source, so it carries no unit. The page counters are in
 * impressions, so billing needs no duplex figure here.
 * Scans (KMCOMMON kmMFPScanCounterItem; PrintMaster): `42.3.1.3.1.1.{2 copy, 4 fax}`,
 * `42.3.1.4.1.1.1` other (scan to send); `1347.46.10.1.1.5.3` total scans (GLPI Hardware.pm).
 *
 * Units: impressions. prtMarkerCounterUnit is 7 (impressions) on Kyocera devices, and the size
 * table's pages, which count each printed side, add up to Kyocera's total (GLPI #913).
 */
import type { CounterRule, Profile } from '../types.js';

const KY = '1.3.6.1.4.1.1347';
/** Function × colour page counts (PrintMaster KyoceraPrintBW … KyoceraFaxBW). */
const FN = `${KY}.42.3.1.2.1.1`;
/** Pages per function (PrintMaster mapping: 1 printer, 2 copier, 4 fax). */
const FN_TOTAL = `${KY}.42.3.1.1.1.1`;
/** kmMediaTable (KMCOMMON-MIB) of the printer (hrDevice 1): `${MEDIA}.<col>.1.<row>`. */
const MEDIA = `${KY}.42.2.1.1.1`;
/** Rows of kmMediaTable whose size is large (364 mm or more), by kmMediaName. */
const LARGE_SIZES = '^(A3|B4|Ledger|11x17|Tabloid)$';
/** A column of kmMediaTable added up over the large rows. */
const largeRows = (col: number): CounterRule => ({ table: { names: `${MEDIA}.2.1`, values: `${MEDIA}.${col}.1`, match: LARGE_SIZES, all: true } });
/** kmDuplexCounter (KMCOMMON-MIB): `${DUPLEX}.<n>.1`. */
const DUPLEX = `${KY}.42.2.5.1.1`;

export const kyocera: Profile = {
  id: 'kyocera',
  version: 2,
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
    // Total scans (GLPI Hardware.pm "total scan counter"), else copy + fax + other scans (PrintMaster).
    scan: [{ oid: `${KY}.46.10.1.1.5.3` }, { sumOf: ['scanCopy', 'scanFax', 'scanSend'] }],
    // kmMFPScanCounterItem copier / fax (KMCOMMON; PrintMaster KyoceraScanCopy / KyoceraScanFax).
    scanCopy: [{ oid: `${KY}.42.3.1.3.1.1.2` }],
    scanFax: [{ oid: `${KY}.42.3.1.3.1.1.4` }],
    // Other scans: scan to send (PrintMaster KyoceraScanOther).
    scanSend: [{ oid: `${KY}.42.3.1.4.1.1.1` }],
    // Two-sided / rear pages (GLPI #382; LibreNMS kyocera "duplex rear pages"); unit not settled.
    duplex: [{ oid: `${DUPLEX}.2.1` }],
    // Large rows, black & white (col 7) and full colour (col 8).
    largeMono: [largeRows(7)],
    largeColor: [largeRows(8)],
    // Large rows, all pages (col 6); else rows 1 A3, 2 B4, 7 Ledger of the TASKalfa layout.
    large: [largeRows(6), { sum: [`${MEDIA}.6.1.1`, `${MEDIA}.6.1.2`, `${MEDIA}.6.1.7`] }],
  },
  units: {
    total: 'impressions',
    mono: 'impressions',
    color: 'impressions',
    print: 'impressions',
    printMono: 'impressions',
    printColor: 'impressions',
    copy: 'impressions',
    copyMono: 'impressions',
    copyColor: 'impressions',
    fax: 'impressions',
    largeMono: 'impressions',
    largeColor: 'impressions',
    large: 'impressions',
  },
  billingTotal: {
    use: 'vendor',
    why: "Kyocera's total equals its function counters and its per-size table (GLPI #913), which the colour and large figures come from; prtMarkerLifeCount runs a few hundred pages ahead of them",
  },
  fixtures: ['kyocera-taskalfa-3253ci.snmprec', 'kyocera-taskalfa-5053ci.snmprec'],
};
