/**
 * Toshiba TEC e-STUDIO multifunction printers (enterprise 1129). References: GLPI agent
 * MibSupport/Toshiba.pm (recognition by enterprise; bcp* identity objects); public e-STUDIO
 * meter-reading scripts and the FusionInventory printer mapping for the counter table; the
 * print-accounting suite 15831944/vs2008PackPrj PrintHelper/ToshibaMIB_Def.h (each OID in clear
 * beside its constant: A3/A4 print, copy, scan and "other" per colour).
 *
 * e-STUDIO counter table `1129.2.3.50.1.3.21.6.1.<category>.1.<colour>`: category 2 all,
 * 3 printer, 4 copier, 7 fax, 207 all large size, 209/210 print large/small, 211/212 copy
 * large/small, 219/220 scan large/small, 225/226 other (lists, reports) large/small (vs2008);
 * colour 1 full colour, 2 twin (single) colour, 3 black, 4 total (vs2008 FullColor, SingleColor, HB).
 *
 * Units: not declared. One public reader halves the large counters as "already converted to A4"
 * while vs2008 does not, and no source says whether the totals count sides or sheets, so billing
 * reports Toshiba's units not computable until a device's own report settles it.
 */
import type { Profile } from '../types.js';

const TOSHIBA = '1.3.6.1.4.1.1129';
/** e-STUDIO counter table (TOSHIBA TEC private MIB). */
const CTR = `${TOSHIBA}.2.3.50.1.3.21.6.1`;
/** bcpGeneral / bcpDeviceEntry (TOSHIBA TEC BCP MIB, GLPI Toshiba.pm). */
const BCP = `${TOSHIBA}.1.2.1.1.1`;

export const toshiba: Profile = {
  id: 'toshiba',
  version: 2,
  vendor: 'Toshiba',
  match: {
    // The whole enterprise (GLPI Toshiba.pm).
    sysObjectID: [TOSHIBA],
    sysDescr: ['^TOSHIBA\\s+e-STUDIO'],
  },
  identity: {
    // bcpProductNumber (GLPI Toshiba.pm getSerial); e-STUDIO models answer prtGeneralSerialNumber instead.
    serial: [{ oid: `${BCP}.1.1.0` }],
    // bcpDeviceModel (GLPI Toshiba.pm getModel); else hrDeviceDescr ("TOSHIBA e-STUDIO3005AC").
    model: [{ oid: `${BCP}.2.1.0` }],
    // bcpProductVersion (GLPI Toshiba.pm firmware).
    firmware: [{ oid: `${BCP}.1.2.0` }],
  },
  counters: {
    // Category 2 "all": total / black (e-STUDIO meter scripts; FusionInventory mapping).
    total: [{ oid: `${CTR}.2.1.4` }],
    mono: [{ oid: `${CTR}.2.1.3` }],
    // Category 2: full colour + twin colour (e-STUDIO meter scripts).
    color: [{ sum: [`${CTR}.2.1.1`, `${CTR}.2.1.2`] }, { oid: `${CTR}.2.1.1` }],
    // Category 3 printer (FusionInventory mapping pagecountertotalpages_print = 3.1.3).
    print: [{ oid: `${CTR}.3.1.4` }],
    printMono: [{ oid: `${CTR}.3.1.3` }],
    printColor: [{ sum: [`${CTR}.3.1.1`, `${CTR}.3.1.2`] }, { oid: `${CTR}.3.1.1` }],
    // Category 4 copier (FusionInventory mapping pagecountertotalpages_copy = 4.1.3).
    copy: [{ oid: `${CTR}.4.1.4` }],
    copyMono: [{ oid: `${CTR}.4.1.3` }],
    copyColor: [{ sum: [`${CTR}.4.1.1`, `${CTR}.4.1.2`] }, { oid: `${CTR}.4.1.1` }],
    // Category 7 fax (e-STUDIO meter scripts, proven on 2050C/3015AC).
    fax: [{ oid: `${CTR}.7.1.4` }],
    // Print large 209 + copy large 211 + other large 225, black (vs2008 ToshibaA3PrintHBPageOID, …).
    largeMono: [{ sum: [`${CTR}.209.1.3`, `${CTR}.211.1.3`, `${CTR}.225.1.3`], partial: true }],
    // The same categories, full colour + single colour (vs2008 ToshibaA3…FullColor/SingleColorPageOID).
    largeColor: [{ sum: [`${CTR}.209.1.1`, `${CTR}.209.1.2`, `${CTR}.211.1.1`, `${CTR}.211.1.2`, `${CTR}.225.1.1`, `${CTR}.225.1.2`], partial: true }],
    // Category 207 all large size (e-STUDIO meter scripts), else large black + colour.
    large: [{ oid: `${CTR}.207.1.4` }, { sumOf: ['largeMono', 'largeColor'] }],
    // Scans large 219 + small 220, every colour (vs2008 ToshibaScanBig…/ToshibaScanSmall…PageOID).
    scan: [{ sum: [219, 220].flatMap((c) => [1, 2, 3].map((k) => `${CTR}.${c}.1.${k}`)), partial: true }],
  },
  billingTotal: {
    use: 'vendor',
    why: 'category 2 "all" (total) is the e-STUDIO counter that meter-reading scripts bill from; it includes fax and list prints',
  },
  fixtures: ['toshiba-e-studio-3015ac.snmprec'],
};
