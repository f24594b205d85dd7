/**
 * Lexmark lasers and MFPs (and Dell OEM models built on them).
 * References: LEXMARK-PVT-MIB (prtgenInfoTable, 641.2.1.2.1) and LEXMARK-MPS-MIB (device, inventory and
 * paperGeneralCountTable, 641.6); GLPI agent MibSupport/Lexmark.pm (model, serial, firmware order).
 * Counters: LEXMARK-MPS-MIB paperGeneralCountTable (641.6.4.2.1.1): column .2 paperGeneralCountType
 * (1 totalPicked, 2 totalSafe, 3 totalMonoSafe, 4 totalColorSafe, 16/17/18 print total/mono/colour,
 * 32/33/34 copy, 48/49/50 fax), .3 paperGeneralCountUnits (4 sides, 5 sheets), .4 the value.
 * Row numbers differ between models, so rows are chosen by type and unit (sides = impressions).
 * Quirk: some agents hide the system group; they are recognised by prtgenPrinterName.
 *
 * Billing counters (LEXMARK-MPS-MIB and LEXMARK-TC-MIB, observium-community-edition mibs/lexmark/):
 * - paperSidesCountTable (641.6.4.2.2.1), one row per paper size and type: .2 paperSidesPaperSize
 *   (PaperSizeTC), .6 / .7 paperSidesMonoSafe / ColorSafe, "sides (impressions) … delivered into an
 *   output bin". Large sizes (PaperSizeTC): tabloid 14, paper12x18 27, sra3 28, isoA3 67, isoB4 76,
 *   jisB4 140, paper11x17 143, a3Plus 144;
 * - scanCountTable (641.6.4.3.1.1): .2 scanCountType = application (1 copy, 2 fax, 3 e-mail,
 *   4 network, 5 local host, 6 USB, 7 FTP) + 256 × flatbed + 512 × duplex, .4 scanCountSides.
 * No duplex type exists in paperGeneralCountTable; sides − sheets would count blank backs, so
 * duplex is not reported.
 * Dell lasers built on Lexmark engines (sysObjectID 674.10898…, GLPI share/sysobject.ids) answer
 * the same private MIBs; they are matched by those answers and named by their Dell badge.
 */
import type { CounterRule, Profile } from '../types.js';

/** paperGeneralCountEntry (LEXMARK-MPS-MIB). */
const PAPER_GENERAL = '1.3.6.1.4.1.641.6.4.2.1.1';

/** The paperGeneralCountTable rows of these types, counted in sides (paperGeneralCountUnits 4), added up. */
function sides(...types: number[]): CounterRule {
  return {
    table: {
      names: `${PAPER_GENERAL}.2`,
      values: `${PAPER_GENERAL}.4`,
      match: `^(${types.join('|')})$`,
      all: types.length > 1,
      where: { column: `${PAPER_GENERAL}.3`, match: '^4$' },
    },
  };
}

/** paperSidesCountEntry and scanCountEntry (LEXMARK-MPS-MIB). */
const PAPER_SIDES = '1.3.6.1.4.1.641.6.4.2.2.1';
const SCAN_COUNT = '1.3.6.1.4.1.641.6.4.3.1.1';
/** PaperSizeTC values of 364 mm or more (LEXMARK-TC-MIB). */
const LARGE_SIZES = '^(14|27|28|67|76|140|143|144)$';

/** paperSidesCountTable column `col` added up over the large paper sizes. */
function largeSides(col: number): CounterRule {
  return { table: { names: `${PAPER_SIDES}.2`, values: `${PAPER_SIDES}.${col}`, match: LARGE_SIZES, all: true } };
}

/** scanCountSides added up over the rows of these applications, by ADF, flatbed or duplex. */
function scanSides(...apps: number[]): CounterRule {
  const types = apps.flatMap((a) => [a, a + 256, a + 512, a + 768]);
  return { table: { names: `${SCAN_COUNT}.2`, values: `${SCAN_COUNT}.4`, match: `^(${types.join('|')})$`, all: true } };
}

/** prtgenPrinterName.1 (LEXMARK-PVT-MIB), "Lexmark XC9235". */
const PRTGEN_PRINTER_NAME = '1.3.6.1.4.1.641.2.1.2.1.2.1';
const MODEL_TEXT = '^(?:Lexmark\\s+|Dell\\s+)?(.+)$';
/** deviceModel.1 (LEXMARK-MPS-MIB). */
const DEVICE_MODEL = '1.3.6.1.4.1.641.6.2.3.1.4.1';

export const lexmark: Profile = {
  id: 'lexmark',
  version: 2,
  vendor: 'Lexmark',
  brands: [
    // Dell lasers on Lexmark engines: "Dell B2360dn", "Dell Laser Printer 5350dn".
    { name: 'Dell', match: '^Dell\\b' },
  ],
  match: {
    // Lexmark enterprise 641 (GLPI Lexmark.pm), e.g. 1.3.6.1.4.1.641.52.71107195.
    sysObjectID: ['1.3.6.1.4.1.641'],
    // "Lexmark XC9235 version CXTMH.074.258 kernel … All-N-1".
    sysDescr: ['^Lexmark '],
    // Agents that hide the system group, and Dell OEM models, still answer prtgenPrinterName / deviceModel.
    anyOid: [PRTGEN_PRINTER_NAME, DEVICE_MODEL],
  },
  identity: {
    // GLPI Lexmark.pm getSerial order: prtGeneralSerialNumber, deviceSerial (LEXMARK-MPS-MIB; a
    // Counter64 on some firmwares, read as its decimal text), prtgenSerialNo (LEXMARK-PVT-MIB).
    serial: [
      { oid: '1.3.6.1.2.1.43.5.1.1.17.1' },
      { oid: '1.3.6.1.4.1.641.6.2.3.1.5.1' },
      { oid: '1.3.6.1.4.1.641.2.1.2.1.6.1' },
    ],
    // GLPI Lexmark.pm getModel: deviceModel (LEXMARK-MPS-MIB), prtgenPrinterName; "Lexmark " stripped.
    model: [
      { oid: DEVICE_MODEL, extract: MODEL_TEXT },
      { oid: PRTGEN_PRINTER_NAME, extract: MODEL_TEXT },
    ],
    // GLPI Lexmark.pm getFirmware: swInventoryRevision (LEXMARK-MPS-MIB), prtgenCodeRevision (LEXMARK-PVT-MIB).
    firmware: [{ oid: '1.3.6.1.4.1.641.6.3.3.1.7.1.1' }, { oid: '1.3.6.1.4.1.641.2.1.2.1.4.1' }],
  },
  counters: {
    // totalSafe (2): sides delivered to the output bin; the Printer-MIB life count when absent.
    total: [sides(2)],
    mono: [sides(3)],
    color: [sides(4)],
    // printTotal (16) and copyTotal (32) count sheets only, so print and copy add up their mono and colour sides.
    print: [{ sumOf: ['printMono', 'printColor'] }],
    printMono: [sides(17)],
    printColor: [sides(18)],
    copy: [{ sumOf: ['copyMono', 'copyColor'] }],
    copyMono: [sides(33)],
    copyColor: [sides(34)],
    // faxTotal (48) counts sheets; faxMono (49) + faxColor (50) count sides.
    fax: [sides(49, 50)],
    // Mono / colour sides delivered on large paper (paperSidesMonoSafe / paperSidesColorSafe).
    largeMono: [largeSides(6)],
    largeColor: [largeSides(7)],
    large: [{ sumOf: ['largeMono', 'largeColor'] }],
    // scanCountSides by application: copy; fax; e-mail, network, local host, USB, FTP.
    scanCopy: [scanSides(1)],
    scanFax: [scanSides(2)],
    scanSend: [scanSides(3, 4, 5, 6, 7)],
    scan: [{ sumOf: ['scanCopy', 'scanFax', 'scanSend'] }, { sumOf: ['scanCopy', 'scanSend'] }],
  },
  // paperGeneralCountUnits: 4 sides (impressions), 5 sheets.
  unitColumns: [{ values: `${PAPER_GENERAL}.4`, units: `${PAPER_GENERAL}.3`, map: { '4': 'impressions', '5': 'sheets' } }],
  units: {
    // paperSidesCountTable counts "sides (impressions)".
    largeMono: 'impressions',
    largeColor: 'impressions',
    large: 'impressions',
  },
  billingTotal: {
    use: 'vendor',
    why: 'totalSafe counts the sides delivered to an output bin, the figure Lexmark MPS bills; prtMarkerLifeCount also counts sides picked but not delivered (jams)',
  },
  fixtures: ['lexmark-cx725de.snmprec', 'lexmark-cx921de.snmprec', 'dell-b5465dnf.snmprec'],
};
