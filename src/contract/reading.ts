/**
 * The Reading: the canonical record of one read of one device (see ARCHITECTURE.md).
 * JSON field names are a contract with the provider; change them only with a new protocol version.
 * Part of src/contract/ (the bottom layer): profiles, reading, store, upload, billing and the
 * receiver all speak these types, so they sit below every one of them and import nothing.
 */

/** Counter names, in the order they are shown. Only those the device exposes appear in a Reading. */
export const COUNTER_NAMES = [
  'total',
  'mono',
  'color',
  'print',
  'printMono',
  'printColor',
  'copy',
  'copyMono',
  'copyColor',
  'fax',
  'scan',
  /** Scans for copying, for sending (e-mail, folder, USB, host) and for faxing, where the device splits them. */
  'scanCopy',
  'scanSend',
  'scanFax',
  /** Duplex output; its unit (`units.duplex`) says whether it counts duplex sheets or their sides. */
  'duplex',
  'duplexMono',
  'duplexColor',
  /** Large-size (A3, ledger and the like) output, all colours and by colour. */
  'large',
  'largeMono',
  'largeColor',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/**
 * What one step of a counter means, as the device or its profile declares it (Reading.units):
 * - `impressions`: one per printed side, whatever its size (an A4 duplex sheet is 2, an A3 simplex sheet is 1).
 *   For the duplex counters: the sides of duplex sheets (2 per sheet).
 * - `sheets`: one per sheet, whatever is on its back. For the duplex counters: one per duplex sheet
 *   (a counter of back sides printed is one per duplex sheet, so it is `sheets`).
 * - `a4-equivalent`: one per printed side, a large side counting 2 (Canon's "Total 2", a Konica Minolta
 *   total in the double count mode for large and duplex, Xerox's "A4 Equivalent Impressions").
 * A counter with no declared unit is not used for contract units: src/billing/ never guesses one.
 */
export const COUNTER_UNITS = ['impressions', 'sheets', 'a4-equivalent'] as const;
export type CounterUnit = (typeof COUNTER_UNITS)[number];
export type CounterUnits = Partial<Record<CounterName, CounterUnit>>;

export type Counters = Partial<Record<CounterName, number>>;
/** The OID a counter came from, or `computed:<formula>` when meterbox derived it. */
export type CounterSources = Partial<Record<CounterName, string>>;

/** How the device key was formed; `serial` is stable, `mac` survives readdressing, `host` does not. */
export type KeySource = 'serial' | 'mac' | 'host';

export interface DeviceIdentity {
  key: string;
  keySource: KeySource;
  vendor: string;
  /** The OEM brand on the front panel when it differs from the vendor (e.g. Develop on Konica Minolta). */
  brand?: string;
  model?: string;
  serial?: string;
  mac?: string;
  firmware?: string;
  sysObjectID?: string;
  sysDescr?: string;
  sysName?: string;
  sysLocation?: string;
  ieee1284DeviceId?: string;
  host: string;
}

export type SupplyKind =
  | 'toner'
  | 'tonerCartridge'
  | 'ink'
  | 'inkCartridge'
  | 'drum'
  | 'developer'
  | 'fuser'
  | 'transferUnit'
  | 'wasteToner'
  | 'wasteInk'
  | 'staples'
  | 'ribbon'
  | 'cleaner'
  | 'other';

/** `someRemaining` is the Printer-MIB's -3: the device only knows the supply is not empty. */
export type SupplyState = 'ok' | 'low' | 'empty' | 'someRemaining' | 'unknown';

export interface Supply {
  index: number;
  description: string;
  kind: SupplyKind;
  color?: string;
  /** As reported (prtMarkerSuppliesLevel), including the special values -1, -2 and -3. */
  level: number;
  /** As reported (prtMarkerSuppliesMaxCapacity), including -1 (no limit) and -2 (unknown). */
  max: number;
  percent?: number;
  state: SupplyState;
  unit?: string;
  /** consumed (a supply that runs out) or receptacle (a container that fills up, such as waste toner). */
  class?: 'consumed' | 'receptacle';
}

export interface Alert {
  severity: 'critical' | 'warning' | 'info' | 'other';
  code: string;
  text?: string;
  group?: string;
}

export interface DeviceStatus {
  device?: 'unknown' | 'running' | 'warning' | 'testing' | 'down';
  printer?: 'other' | 'unknown' | 'idle' | 'printing' | 'warmup';
  /** Decoded hrPrinterDetectedErrorState bits. */
  errors: string[];
  alerts: Alert[];
  console?: string[];
}

/**
 * The version of the Reading contract (docs/provider-api.yaml). 1: the original fields. 2 adds
 * `readingVersion`, `units`, `totals` and the counters scanCopy, scanSend, scanFax, duplexMono,
 * duplexColor, largeMono and largeColor; every addition is optional, so a version-1 Reading is
 * still a valid version-2 one. An absent readingVersion means 1.
 */
export const READING_VERSION = 2;
export type ReadingVersion = 1 | 2;

/** The counter names of version 1 (docs/provider-api.yaml CounterName before version 2). */
export const READING_V1_COUNTERS: readonly CounterName[] = ['total', 'mono', 'color', 'print', 'printMono', 'printColor', 'copy', 'copyMono', 'copyColor', 'fax', 'scan', 'duplex', 'large'];

/**
 * The Reading as a receiver of `version` accepts it: for version 1, without the version-2 fields
 * (readingVersion, units, totals) and without the counters version 1 has no name for. Their
 * values stay in the outbox; only what goes on the wire is cut.
 */
export function readingForVersion(r: Reading, version: ReadingVersion): Reading {
  if (version >= READING_VERSION) return r;
  const { readingVersion: _v, units: _u, totals: _t, ...v1 } = r;
  const keep = (o: Partial<Record<CounterName, unknown>>) => Object.fromEntries(Object.entries(o).filter(([k]) => (READING_V1_COUNTERS as readonly string[]).includes(k)));
  return { ...v1, counters: keep(r.counters) as Counters, sources: keep(r.sources) as CounterSources };
}

/** One total as a device reports it: the value, its OID and its unit where known. */
export interface TotalValue {
  value: number;
  source: string;
  unit?: CounterUnit;
}

/**
 * Both totals of a device that has its own total besides the Printer-MIB's prtMarkerLifeCount.
 * They often differ (Kyocera's total leaves out pages the marker counted; a marker counting
 * sheets against a total counting sides), so both are kept and the profile says which is billed.
 */
export interface TotalsCheck {
  /** Which of the two is counters.total. */
  billing: 'vendor' | 'printer-mib';
  /** Why, as the profile states it. */
  why: string;
  vendor: TotalValue;
  printerMib: TotalValue;
  /** vendor − printerMib; 0 when they agree. */
  difference: number;
}

export interface Reading {
  /** READING_VERSION of the agent that made it; absent in version-1 Readings. */
  readingVersion?: number;
  id: string;
  readAt: string;
  device: DeviceIdentity;
  counters: Counters;
  sources: CounterSources;
  supplies: Supply[];
  status: DeviceStatus;
  profile: string;
  /** The unit of each counter, where the device (prtMarkerCounterUnit, a unit column) or the profile says it. Optional: older readings have none. */
  units?: CounterUnits;
  /** The channel the reading came by: absent or `box` for a meterbox agent; `manual`, `device-email`… for others. The box's readings win in billing. */
  source?: string;
  /** The vendor's total and prtMarkerLifeCount, where both answer. Optional: older readings have none. */
  totals?: TotalsCheck;
}
