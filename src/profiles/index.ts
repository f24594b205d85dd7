/**
 * The registry of vendor profiles, in match order: the first profile whose rule matches wins.
 * Adding a vendor means adding a data file under vendors/ and listing it here, plus a recording
 * and its expected Reading in fixtures/devices/ (fixtures/README.md). Neither the code (match.ts,
 * plan.ts, counters.ts, reading/) nor the tests need a change. Order matters where vendors share hardware: OEM print servers (Brother
 * NC-, OKI) can report HP's sysObjectID, so HP comes last.
 */
import type { Profile } from './types.js';
import { konicaMinolta } from './vendors/konica-minolta.js';
import { kyocera } from './vendors/kyocera.js';
import { ricoh } from './vendors/ricoh.js';
import { sharp } from './vendors/sharp.js';
import { toshiba } from './vendors/toshiba.js';
import { xerox } from './vendors/xerox.js';
import { fujifilm } from './vendors/fujifilm.js';
import { brother } from './vendors/brother.js';
import { canon } from './vendors/canon.js';
import { epson } from './vendors/epson.js';
import { lexmark } from './vendors/lexmark.js';
import { oki } from './vendors/oki.js';
import { samsung } from './vendors/samsung.js';
import { zebra } from './vendors/zebra.js';
import { hp } from './vendors/hp.js';

export const PROFILES: readonly Profile[] = [
  konicaMinolta,
  kyocera,
  ricoh,
  sharp,
  toshiba,
  xerox,
  fujifilm,
  brother,
  canon,
  epson,
  lexmark,
  oki,
  samsung,
  zebra,
  hp,
];
