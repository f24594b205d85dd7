/**
 * Lexmark lasers and MFPs (and Dell OEM models built on them).
 * References: LEXMARK-PVT-MIB (prtgenInfoTable, 641.2.1.2.1) and LEXMARK-MPS-MIB (device, inventory and
 * paperGeneralCountTable, 641.6); GLPI agent MibSupport/Lexmark.pm (model, serial, firmware order).
 * Counters: LEXMARK-MPS-MIB paperGeneralCountTable (641.6.4.2.1.1): column .2 paperGeneralCountType
 * (1 totalPicked, 2 totalSafe, 3 totalMonoSafe, 4 totalColorSafe, 16/17/18 print total/mono/colour,
 * 32/33/34 copy, 48/49/50 fax), .3 paperGeneralCountUnits (4 sides, 5 sheets), .4 the value.
 * Row numbers differ between models, so rows are chosen by type and unit (sides = impressions).
 * Quirk: some agents hide the system group; they are recognised by prtgenPrinterName.
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

/** prtgenPrinterName.1 (LEXMARK-PVT-MIB), "Lexmark XC9235". */
const PRTGEN_PRINTER_NAME = '1.3.6.1.4.1.641.2.1.2.1.2.1';
const MODEL_TEXT = '^(?:Lexmark\\s+)?(.+)$';

export const lexmark: Profile = {
  id: 'lexmark',
  version: 1,
  vendor: 'Lexmark',
  match: {
    // Lexmark enterprise 641 (GLPI Lexmark.pm), e.g. 1.3.6.1.4.1.641.52.71107195.
    sysObjectID: ['1.3.6.1.4.1.641'],
    // "Lexmark XC9235 version CXTMH.074.258 kernel … All-N-1".
    sysDescr: ['^Lexmark '],
    // Agents that hide the system group still answer prtgenPrinterName.
    anyOid: [PRTGEN_PRINTER_NAME],
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
      { oid: '1.3.6.1.4.1.641.6.2.3.1.4.1', extract: MODEL_TEXT },
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
  },
  fixtures: ['lexmark-cx725de.snmprec'],
};
