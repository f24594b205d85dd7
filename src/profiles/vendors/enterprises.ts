/**
 * Printer makers by IANA Private Enterprise Number: the vendor of a printer that no vendor profile
 * claims, from the first arc after 1.3.6.1.4.1 of its sysObjectID. Facts from the IANA registry
 * (https://www.iana.org/assignments/enterprise-numbers), kept to the makers whose printers and
 * print servers answer SNMP; the printer arcs in the notes are from GLPI agent's
 * share/sysobject.ids (glpi-project/glpi-agent @77f7cdd) and the recordings named in
 * notes/research-12.md. A small curated table, not the 60,000-row registry: an unknown number
 * leaves the vendor to the IEEE 1284 device ID, then "Unknown".
 */
export const PRINTER_ENTERPRISES: Readonly<Record<number, string>> = {
  /** IBM (InfoPrint). */
  2: 'IBM',
  /** Hewlett-Packard: printers under 11.2.3.9 (switches share the number). */
  11: 'HP',
  /** Toshiba Corporation. */
  186: 'Toshiba',
  /** Samsung: printers under 236.11.5. */
  236: 'Samsung',
  253: 'Xerox',
  /** Fuji Xerox, now FUJIFILM Business Innovation. */
  297: 'Fuji Xerox',
  /** Ricoh, also its OEM brands Lanier, Savin, Gestetner, NRG. */
  367: 'Ricoh',
  641: 'Lexmark',
  /** Dell: printers under 674.10898, built by Lexmark, Fuji Xerox or Samsung (the badge, not the engine). */
  674: 'Dell',
  /** Extended Systems (ZebraNet print servers). */
  683: 'Extended Systems',
  /** Toshiba TEC. */
  1129: 'Toshiba',
  1248: 'Epson',
  /** Kyocera Document Solutions, also Copystar, TA Triumph-Adler, UTAX. */
  1347: 'Kyocera',
  /** Océ, now Canon Production Printing. */
  1552: 'Océ',
  1602: 'Canon',
  2001: 'OKI',
  2385: 'Sharp',
  2435: 'Brother',
  /** Minolta, before the merger with Konica (MC2350-MIB). */
  2590: 'Minolta',
  10642: 'Zebra',
  /** Konica Minolta, also Develop, Olivetti, Sindoh. */
  18334: 'Konica Minolta',
  /** Honeywell (Intermec label printers). */
  20998: 'Honeywell',
  /** HP LaserJet Pro MFP agents (GLPI HPNetPeripheral.pm). */
  26696: 'HP',
  /** HP office printers (GLPI HPNetPeripheral.pm). */
  29999: 'HP',
  40093: 'Pantum',
};

