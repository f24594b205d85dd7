/**
 * Samsung printers and MFPs (SyncThru; now sold and serviced by HP).
 * References: SAMSUNG-COMMON-MIB / SAMSUNG-PRINTER-EXT-MIB (enterprise 236, LibreNMS librenms-mibs):
 * secSysModelName, secSysFWVersion, secSysSerial in 236.11.5.1.1.1; mono and colour page counts at
 * 236.11.5.11.53.11.1.{2,1}.0 as read by several independent meter-reading tools; the Printer-MIB life
 * count is Samsung's reliable total. Quirk: GETBULK returns wrong values on some models
 * (lextudio/sharpsnmplib#58, ML-3470), so walks use GETNEXT.
 */
import type { Profile } from '../types.js';

/** Samsung system information group 236.11.5.1.1.1 (SAMSUNG-COMMON-MIB). */
const SYS_INFO = '1.3.6.1.4.1.236.11.5.1.1.1';

export const samsung: Profile = {
  id: 'samsung',
  version: 1,
  vendor: 'Samsung',
  match: {
    // Samsung printers: 1.3.6.1.4.1.236.11.5.* (GLPI / FusionInventory, LibreNMS).
    sysObjectID: ['1.3.6.1.4.1.236.11.5'],
    // "SAMSUNG NETWORK PRINTER,ROM …", "Samsung CLX-6260 Series; …".
    sysDescr: ['^SAMSUNG NETWORK PRINTER', '^Samsung (CLP|CLX|ML|SCX|SL|M|C|K|X)[-\\s]?\\d'],
  },
  // lextudio/sharpsnmplib#58: GETBULK answers bogus values on the ML-3470.
  quirks: { bulk: false },
  identity: {
    // secSysSerial.
    serial: [{ oid: `${SYS_INFO}.4.0` }],
    // secSysModelName.
    model: [{ oid: `${SYS_INFO}.1.0` }],
    // secSysFWVersion.
    firmware: [{ oid: `${SYS_INFO}.2.0` }],
  },
  counters: {
    // SAMSUNG-PRINTER-EXT-MIB mono and colour print counts.
    mono: [{ oid: '1.3.6.1.4.1.236.11.5.11.53.11.1.2.0' }],
    color: [{ oid: '1.3.6.1.4.1.236.11.5.11.53.11.1.1.0' }],
  },
  noLarge: 'no public MIB document or maintained project shows a large, duplex or scan counter for Samsung over SNMP',
  fixtures: ['samsung-clx-6260.snmprec'],
};
