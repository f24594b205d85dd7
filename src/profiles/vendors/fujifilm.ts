/**
 * Fujifilm Business Innovation (Apeos, ApeosPort) and Fuji Xerox (DocuCentre, ApeosPort, DocuPrint),
 * enterprise 297. References: LibreNMS os_detection/fujifilmprinter.yaml (297.1.11.93.2.1.*,
 * "FUJIFILM Apeos …") and os_detection/xerox.yaml (Fuji Xerox 297.1.11.93.1.*).
 *
 * No public recording shows a Fujifilm/Fuji Xerox private counter, so this profile reads the
 * standard Printer-MIB total only; Xerox-branded devices (enterprise 253) use xerox.ts.
 */
import type { Profile } from '../types.js';

const FX = '1.3.6.1.4.1.297';

export const fujifilm: Profile = {
  id: 'fujifilm',
  version: 1,
  vendor: 'Fujifilm',
  brands: [
    // Devices sold before the 2021 rename carry the Fuji Xerox name in sysDescr / hrDeviceDescr.
    { name: 'Fuji Xerox', match: 'Fuji\\s?Xerox' },
  ],
  match: {
    // Fuji Xerox 297.1.11.93.1.* and Fujifilm 297.1.11.93.2.1.* (LibreNMS xerox.yaml, fujifilmprinter.yaml).
    sysObjectID: [`${FX}.1.11.93`],
    // "FUJIFILM Apeos C7580" (LibreNMS fujifilmprinter.yaml), "FUJI XEROX DocuCentre-…".
    sysDescr: ['^FUJIFILM\\s', '^FUJI\\s?XEROX\\s'],
  },
  identity: {
    // The model is sysDescr without the maker (LibreNMS fujifilmprinter.yaml); the serial is
    // prtGeneralSerialNumber.
    model: [{ oid: '1.3.6.1.2.1.1.1.0', extract: '^(?:FUJIFILM|FUJI\\s?XEROX)\\s+([^;]+)' }],
  },
  noLarge: 'no public MIB document or maintained project shows a large-size counter for Fujifilm over SNMP',
  fixtures: ['fujifilm-apeos-c3060.snmprec'],
};
