/**
 * Toshiba TEC e-STUDIO multifunction printers (enterprise 1129). References: GLPI agent
 * MibSupport/Toshiba.pm (recognition by enterprise; bcp* identity objects); public e-STUDIO
 * meter-reading scripts and the FusionInventory printer mapping for the counter table.
 *
 * e-STUDIO counter table `1129.2.3.50.1.3.21.6.1.<category>.1.<colour>`: category 2 all,
 * 3 printer, 4 copier, 7 fax, 207 all large size; colour 1 full colour, 2 twin colour, 3 black,
 * 4 total. No public recording proves it, so only these well-attested cells are read.
 */
import type { Profile } from '../types.js';

const TOSHIBA = '1.3.6.1.4.1.1129';
/** e-STUDIO counter table (TOSHIBA TEC private MIB). */
const CTR = `${TOSHIBA}.2.3.50.1.3.21.6.1`;
/** bcpGeneral / bcpDeviceEntry (TOSHIBA TEC BCP MIB, GLPI Toshiba.pm). */
const BCP = `${TOSHIBA}.1.2.1.1.1`;

export const toshiba: Profile = {
  id: 'toshiba',
  version: 1,
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
    // Category 7 fax, 207 all large size (e-STUDIO meter scripts, proven on 2050C/3015AC).
    fax: [{ oid: `${CTR}.7.1.4` }],
    large: [{ oid: `${CTR}.207.1.4` }],
  },
  fixtures: ['toshiba-e-studio-3015ac.snmprec'],
};
