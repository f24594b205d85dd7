/**
 * Epson inkjet printers, MFPs and large-format printers (and the network scan servers of Epson scanners).
 * References: EPSON private MIB (enterprise 1248); GLPI agent MibSupport/Epson.pm (recognition, model,
 * serial); LibreNMS tests/snmpsim epson*.snmprec (network-interface serial); PrintMaster's Epson counter
 * mapping, captured from Epson's own device-management tool and checked on AM-C550 and WF-C17590
 * (1248.1.2.2.27: colour pages, and the function table 27.6.1 with columns 3 = B&W, 4 = total,
 * 5 = colour and rows 1 = print, 2 = copy). The vendor total and B&W summary OIDs differ between
 * firmwares in those sources, so the total is the Printer-MIB life count.
 */
import type { Profile } from '../types.js';

/** Epson function counter table 1248.1.2.2.27.6.1.<column>.1.1.<function>. */
const FUNCTION = '1.3.6.1.4.1.1248.1.2.2.27.6.1';
/** Epson printer information entry 1248.1.2.2.1.1.1.<column>.1 (GLPI Epson.pm). */
const PRINTER_INFO = '1.3.6.1.4.1.1248.1.2.2.1.1.1';

export const epson: Profile = {
  id: 'epson',
  version: 1,
  vendor: 'Epson',
  match: {
    // Epson enterprise 1248 (GLPI Epson.pm); printers report 1248.1.1.2.1.3.<len>.<ascii name>.
    // Only the 1248.1 branch, not every Epson product (projectors answer SNMP too).
    sysObjectID: ['1.3.6.1.4.1.1248.1'],
    // "EPSON Built-in", "EPSON Built-in 11b/g/n … Print Server", "EPSON … Ext. Scan Server".
    sysDescr: ['^EPSON (Built-in|.*(Print|Scan) Server)'],
  },
  identity: {
    serial: [
      // prtGeneralSerialNumber first: it is the printer's serial.
      { oid: '1.3.6.1.2.1.43.5.1.1.17.1' },
      // Printer serial in the Epson printer information entry (GLPI Epson.pm).
      { oid: `${PRINTER_INFO}.5.1` },
      // Last resort: the network interface's own serial, "EP<last MAC bytes>ENSN<nn>" (the only one scan servers have).
      { oid: '1.3.6.1.4.1.1248.1.1.3.1.1.1.0' },
    ],
    model: [
      // Model name in the Epson printer information entry (GLPI Epson.pm), "SC-T3405 Series".
      { oid: `${PRINTER_INFO}.2.1` },
      // hrDeviceDescr.1 (HOST-RESOURCES-MIB), "EPSON WF-C5790BA" → "WF-C5790BA".
      { oid: '1.3.6.1.2.1.25.3.2.1.3.1', extract: '^(?:EPSON\\s+)?(.+)$' },
    ],
    // IEEE 1284 device ID in the Epson printer information entry, "MFG:EPSON;…;MDL:SC-T3405 Series;…".
    ieee1284DeviceId: [{ oid: `${PRINTER_INFO}.1.1` }],
  },
  counters: {
    // Colour pages (1248.1.2.2.27.1.1.4.1.1).
    color: [{ oid: '1.3.6.1.4.1.1248.1.2.2.27.1.1.4.1.1' }],
    print: [{ oid: `${FUNCTION}.4.1.1.1` }],
    printMono: [{ oid: `${FUNCTION}.3.1.1.1` }],
    printColor: [{ oid: `${FUNCTION}.5.1.1.1` }],
    copy: [{ oid: `${FUNCTION}.4.1.1.2` }],
    copyMono: [{ oid: `${FUNCTION}.3.1.1.2` }],
    copyColor: [{ oid: `${FUNCTION}.5.1.1.2` }],
  },
  noLarge: "no large, duplex or scan counter documented over SNMP: PrintMaster's Epson mapping (docs/dev/vendor/EPSON_OID_MAPPING.md) finds totals and colour by function only",
  fixtures: ['epson-wf-c5790.snmprec'],
};
