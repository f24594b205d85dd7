/**
 * A profile is data: how to recognise a device family and which OIDs give its identity and
 * counters. The same code applies any profile (match.ts recognises, plan.ts says what to read,
 * counters.ts and text.ts apply the rules); vendor files hold no logic.
 */
import type { CounterName, CounterUnit } from '../contract/reading.js';

/** A string value at an OID, optionally post-processed. */
export interface TextRule {
  oid: string;
  /** The value is ASCII written as hex digits ("4142" = "AB"), as some firmwares do. */
  hexText?: boolean;
  /** A regular expression whose first group is the wanted part. */
  extract?: string;
  /** A string whose value means "no value" on this family (e.g. a fixed placeholder). */
  ignore?: string[];
}

/**
 * Where a counter comes from. Rules are tried in order and the first that yields a
 * non-negative integer wins, which is how OIDs that differ per model are written down.
 */
export type CounterRule =
  /** A single object (scalar or table cell). */
  | { oid: string }
  /**
   * Several objects added up (e.g. one-sided + two-sided); all must be present, unless `partial`:
   * then those present are added (at least one), for per-size cells a device has only for the
   * sizes it can feed.
   */
  | { sum: string[]; partial?: boolean }
  /** One object minus another (Canon's Total 2 − Total 1 = large output); both must be present and the result ≥ 0. */
  | { diff: [string, string] }
  /** Counters already found, added up; the source becomes `computed:a+b`. */
  | { sumOf: CounterName[] }
  /**
   * A vendor table with a name column and a value column: the row whose name matches.
   * With `all`, every matching row is added up (at least one must match), for tables that
   * split one counter over several rows (e.g. full colour and single colour).
   * An integer name cell (a type code) matches as its decimal text. `where` narrows the rows
   * further by another column of the same row (e.g. the unit of a typed counter).
   */
  | { table: { names: string; values: string; match: string; all?: boolean; where?: { column: string; match: string } } }
  /** A TLV blob (Brother's maintenance records): code byte, 0x01, length byte, big-endian value. */
  | { record: { oid: string; code: number } };

export interface MatchRule {
  /** sysObjectID starts with one of these. */
  sysObjectID?: string[];
  /** sysDescr matches one of these (case-insensitive regular expressions). */
  sysDescr?: string[];
  /** One of these OIDs answers at all (for agents that hide the system group). */
  anyOid?: string[];
}

export interface Quirks {
  /** false when the family answers GETBULK wrongly; walks then use GETNEXT. */
  bulk?: boolean;
  maxRepetitions?: number;
  /** Largest GET the family answers without tooBig. */
  maxOidsPerGet?: number;
}

export interface Brand {
  /** Name shown as vendor brand when the model or sysDescr matches (OEM rebadges). */
  name: string;
  match: string;
}

/**
 * A column beside a vendor table's values that says, per row, what each value counts (Xerox
 * xcmHrDevDetailUnit, Lexmark paperGeneralCountUnits). A counter read from `values.<index>` takes
 * its unit from `units.<index>`, mapped by `map`; the device's word wins over the profile's.
 * The Printer-MIB's prtMarkerCounterUnit is one such column for every profile (counters.ts).
 */
export interface UnitColumn {
  values: string;
  units: string;
  /** The unit column's code (as decimal text) → what the counter counts; other codes give no unit. */
  map: Record<string, CounterUnit>;
}

/**
 * Which total is billed when the vendor's own total and the Printer-MIB's prtMarkerLifeCount
 * both answer, and why. The Reading keeps both (Reading.totals) and the difference is reported.
 */
export interface BillingTotal {
  /** `vendor`: counters.total is the profile's total rule; `printer-mib`: it is prtMarkerLifeCount. */
  use: 'vendor' | 'printer-mib';
  /** The reason, with its source: shown in the supported-devices table and carried in the Reading. */
  why: string;
}

/** `counter` must equal what `equals` gives; `why` names the documented identity and its source. */
export interface CounterCheckRule {
  counter: CounterName;
  equals: CounterRule;
  why: string;
}

export interface Profile {
  /** Stable id; with `version` it goes into Reading.profile as `id@version`. */
  id: string;
  version: number;
  vendor: string;
  /** OEM brands sold on this vendor's hardware; recognised for the model, keyed under the vendor. */
  brands?: Brand[];
  match: MatchRule;
  quirks?: Quirks;
  identity?: {
    serial?: TextRule[];
    model?: TextRule[];
    firmware?: TextRule[];
    ieee1284DeviceId?: TextRule[];
  };
  counters?: Partial<Record<CounterName, CounterRule[]>>;
  /**
   * What each counter counts, as the vendor documents it (the comment beside each says where).
   * A unit the device reports itself (prtMarkerCounterUnit for a counter read from
   * prtMarkerLifeCount, a `unitColumns` cell) wins over this declaration. A counter with neither
   * gets no unit, and billing never guesses one (src/billing/README.md).
   */
  units?: Partial<Record<CounterName, CounterUnit>>;
  /** Vendor tables whose rows carry their own unit. */
  unitColumns?: UnitColumn[];
  /**
   * Identities the vendor documents between counters (Canon: 102 − 101 = 112 + 122). Where both
   * sides can be read and differ, the read reports a `counter.check-failed` data problem.
   */
  checks?: CounterCheckRule[];
  /** Required when the profile has a `total` rule (a test checks it): which total is billed, and why. */
  billingTotal?: BillingTotal;
  /**
   * Large-size output (largeMono, largeColor, large) is not available over SNMP on this family:
   * why, and the source searched. Shown in the supported-devices table.
   */
  noLarge?: string;
  /** Extra subtrees to walk, for rules that read tables. Derived from `table` rules automatically. */
  walk?: string[];
  /** Recordings in fixtures/devices/ (each with its .reading.json) that prove this profile, shown in the README. */
  fixtures: string[];
}
