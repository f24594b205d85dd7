/**
 * Sharp MX / BP multifunction printers (enterprise 2385). References: LibreNMS
 * os_detection/sharp.yaml and os_discovery/sharp.yaml; public Sharp meter-reading scripts
 * (`meter_mono` / `meter_color` at 2385.1.1.19.2.1.3.5.4.61 / .63).
 *
 * Counters come from the SHARP private counter table `2385.1.1.19.2.1`: column 3 is the value
 * (Counter32), column 4 its label, indexed `<job>.<k>.<mode>` with job 1 print, 4 copy, 5 all,
 * 8 scanner; mode 60 all, 61 black & white, 63 full colour, 64 two colour. Each counter is read
 * at its index first and then by its English label, for models that number the rows differently.
 * Rows whose index differs between models (vs2008's SharpMIB_Def.h puts scans at 7.4.50 and fax
 * at 8.4.50, where an MX-M266NV labels 8.4.50 "Scan to E-mail/FTP") are read by label only; the
 * labels are those an MX-M266NV reports (LibreNMS printer.inc.php walks the same label column).
 * The contract's colour is any C, M or Y: full colour + two colour.
 *
 * Not over SNMP: no large-size (A3/Ledger) counter appears in this table on any recorded or
 * documented model, and no source says whether "Duplex" counts sheets or sides, so no unit is
 * declared.
 */
import type { CounterRule, Profile } from '../types.js';

const SHARP = '1.3.6.1.4.1.2385';
/** SHARP private MIB counter table entry. */
const CTR = `${SHARP}.1.1.19.2.1`;

/** The counter at `index`, else the row whose label (as seen on an MX-M266NV) matches. */
function counter(index: string, label?: string): CounterRule[] {
  const rules: CounterRule[] = [{ oid: `${CTR}.3.${index}` }];
  if (label) rules.push({ table: { names: `${CTR}.4`, values: `${CTR}.3`, match: label } });
  return rules;
}

export const sharp: Profile = {
  id: 'sharp',
  version: 2,
  vendor: 'Sharp',
  match: {
    // 2385.3.1.* (seen on MX-M266NV; LibreNMS sharp test data).
    sysObjectID: [`${SHARP}.3.1`],
    // "SHARP MX-M266NV" (LibreNMS sharp.yaml `/SHARP (BP|MX)-/`).
    sysDescr: ['^SHARP (BP|MX|AR|DX)-'],
  },
  identity: {
    // Model, kept with its "SHARP " prefix (LibreNMS os_discovery/sharp.yaml hardware).
    model: [{ oid: `${SHARP}.2.1.3.2.1.4.13501.1302.1` }],
    // Firmware (LibreNMS os_discovery/sharp.yaml version). The serial is prtGeneralSerialNumber.
    firmware: [{ oid: `${SHARP}.2.1.1.2.1.2.1` }],
  },
  counters: {
    // "Black & White Total Count", "Full Color Total Count" (Sharp meter scripts meter_mono / meter_color).
    mono: counter('5.4.61', '^Black & White Total Count$'),
    color: [
      { sum: [`${CTR}.3.5.4.63`, `${CTR}.3.5.4.64`], partial: true },
      { table: { names: `${CTR}.4`, values: `${CTR}.3`, match: '^(Full Color|Two Color) Total Count$', all: true } },
    ],
    print: counter('1.4.60', '^Prints$'),
    printMono: counter('1.4.61', '^Black & White Print Count$'),
    // Print colour (Sharp meter script p-pp-clr); copy colour by the same index scheme.
    printColor: counter('1.4.63'),
    copy: counter('4.4.60', '^Copies$'),
    copyMono: counter('4.4.61', '^Black & White Copy Count$'),
    copyColor: counter('4.4.63'),
    // "Black & White Scanner Count" + "Full Color Scanner Count".
    scan: [{ sum: [`${CTR}.3.8.4.51`, `${CTR}.3.8.4.53`] }],
    // "Scan to E-mail/FTP", by label only (see above).
    scanSend: [{ table: { names: `${CTR}.4`, values: `${CTR}.3`, match: '^Scan to E-mail/FTP$' } }],
    // "Duplex", by label only.
    duplex: [{ table: { names: `${CTR}.4`, values: `${CTR}.3`, match: '^Duplex$' } }],
  },
  noLarge: 'no large-size counter in the Sharp counter table (labels of a recorded MX-M266NV; LibreNMS printer.inc.php; vs2008 SharpMIB_Def.h)',
  fixtures: ['sharp-mx-3071.snmprec'],
};
