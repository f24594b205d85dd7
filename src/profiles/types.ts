/**
 * A profile is data: how to recognise a device family and which OIDs give its identity and
 * counters. The same code applies any profile (match.ts recognises, plan.ts says what to read,
 * counters.ts and text.ts apply the rules); vendor files hold no logic.
 */
import type { CounterName } from '../contract/reading.js';

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
  /** Several objects added up (e.g. one-sided + two-sided); all must be present. */
  | { sum: string[] }
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
  /** Extra subtrees to walk, for rules that read tables. Derived from `table` rules automatically. */
  walk?: string[];
  /** Recordings in fixtures/devices/ (each with its .reading.json) that prove this profile, shown in the README. */
  fixtures: string[];
}
