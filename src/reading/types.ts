/**
 * The Reading: the canonical record of one read of one device (see ARCHITECTURE.md).
 * JSON field names are a contract with the provider; change them only with a new protocol version.
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
  'duplex',
  'large',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

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

export interface Reading {
  id: string;
  readAt: string;
  device: DeviceIdentity;
  counters: Counters;
  sources: CounterSources;
  supplies: Supply[];
  status: DeviceStatus;
  profile: string;
}
