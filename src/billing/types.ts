/**
 * The plain data that goes into and comes out of the billing core. Input is a lean
 * MeterReading (time as epoch milliseconds, counters, their OIDs and units), so a caller that
 * streams millions of rows need not build whole Readings; `toMeterReading` adapts a Reading.
 * Output is JSON-ready: times are ISO strings, every figure carries its formula and evidence.
 */
import type { BillingEventKind } from '../contract/events.js';
import type { CounterName, Counters, CounterSources, CounterUnits, Reading } from '../contract/reading.js';

/** One reading of one device, as billing needs it. */
export interface MeterReading {
  /** The Reading id (UUIDv7): the evidence an event or a figure points at. */
  readonly id: string;
  /** When it was read, epoch milliseconds. */
  readonly at: number;
  /** The serial the device answered with; a change within one device's stream is a replacement. */
  readonly serial?: string;
  readonly counters: Counters;
  /** The OID behind each counter; a change of OID is a redefinition (no delta is taken across it). */
  readonly sources?: CounterSources;
  /** The unit of each counter (Reading.units). Counters without a unit give no contract units. */
  readonly units?: CounterUnits;
}

/** A MeterReading tagged with the key it is billed under (the device key, or a billing position). */
export interface DeviceMeterReading extends MeterReading {
  readonly deviceKey: string;
}

export function toMeterReading(r: Reading): DeviceMeterReading {
  return {
    deviceKey: r.device.key,
    id: r.id,
    at: Date.parse(r.readAt),
    serial: r.device.serial,
    counters: r.counters,
    sources: r.sources,
    units: r.units,
  };
}

/** A period [from, to), epoch milliseconds. */
export interface BillingPeriod {
  readonly from: number;
  readonly to: number;
}

// ---------------------------------------------------------------- events

/** What every event says: what, which device, when, which readings prove it, and a sentence. */
interface EventBase {
  deviceKey: string;
  /** The time of the reading that raised it (ISO), or the period end for an event about the period. */
  at: string;
  /** The readings it rests on, oldest first; the last one raised it. */
  readingIds: string[];
  severity: 'info' | 'warning';
  message: string;
}

export interface RollbackEvent extends EventBase {
  kind: 'counter.rollback';
  evidence: { counter: CounterName; previous: number; current: number };
}

/** The OID or the unit behind a counter changed between two readings: its values are not comparable. */
export interface RedefinedEvent extends EventBase {
  kind: 'counter.redefined';
  evidence: { counter: CounterName; previousSource?: string; source?: string; previousUnit?: string; unit?: string };
}

export interface ReplacedEvent extends EventBase {
  kind: 'device.replaced';
  evidence: {
    cause: 'serial-changed' | 'restart-near-zero';
    previousSerial?: string;
    serial?: string;
    /** The counters both readings have, before and after. */
    counters: { counter: CounterName; previous: number; current: number }[];
    /** For restart-near-zero: the contract's threshold. */
    nearZero?: number;
  };
}

export interface SpikeEvent extends EventBase {
  kind: 'counter.spike';
  evidence:
    | {
        rule: 'trailing-average';
        counter: CounterName;
        /** Pages over the measured window (at least one day, ending at this reading). */
        volume: number;
        days: number;
        /** The trailing daily average before the measured window, and how many days it covers. */
        dailyAverage: number;
        averageDays: number;
        factor: number;
        minDailyVolume: number;
        /** days × max(factor × dailyAverage, minDailyVolume). */
        limit: number;
      }
    | {
        rule: 'device-speed';
        counter: CounterName;
        volume: number;
        minutes: number;
        speedPpm: number;
        slackMinutes: number;
        /** speedPpm × (minutes + slackMinutes). */
        limit: number;
      };
}

export interface IdleEvent extends EventBase {
  kind: 'device.idle';
  evidence: {
    /** The first reading that showed the printed counters as they still are: no page since. */
    lastPageReadingId: string;
    lastPageAt: string;
    idleDays: number;
    windowDays: number;
  };
}

export interface GapEvent extends EventBase {
  kind: 'reading.gap';
  evidence: {
    previousReadingId: string;
    previousAt: string;
    /** The reading that ended the gap, or absent when the gap runs to the period end. */
    nextReadingId?: string;
    until: string;
    hours: number;
    windowHours: number;
  };
}

export type BillingEvent = RollbackEvent | RedefinedEvent | ReplacedEvent | SpikeEvent | IdleEvent | GapEvent;

// ---------------------------------------------------------------- figures

/** How a boundary value was found. Only `interpolation` and `trailing-average` are estimates. */
export type BoundaryKind =
  /** A reading at or shortly before the boundary (within boundaryToleranceHours). */
  | 'reading'
  /** The readings on both sides have the same value: nothing happened in between, the value is exact. */
  | 'unchanged'
  /** Estimated on the straight line between the readings on both sides. */
  | 'interpolation'
  /** Estimated as the last reading + the trailing daily average × days (no reading after the boundary). */
  | 'trailing-average'
  /** A rollback or a replacement lies between the readings on both sides: the side before ends at its last reading, the side after starts at its first. */
  | 'break'
  /** The device (or this counter) was first read after the boundary: usage counts from that first reading. */
  | 'first-reading';

export type EstimateRule = 'interpolation' | 'trailing-average';

export interface Boundary {
  kind: BoundaryKind;
  /** The value at the boundary; absent for `break` and `first-reading`. */
  value?: number;
  /** The readings it rests on (the one before, and the one after when used). */
  readingIds: string[];
  /** For `trailing-average`: the daily average used, and the days it covers. */
  dailyAverage?: number;
  averageDays?: number;
}

export interface CounterUsage {
  opening: Boundary;
  closing: Boundary;
  /** The counter's usage over the period: the sum of its steps, never negative, nothing across a break. */
  delta: number;
  estimated: boolean;
  rules: EstimateRule[];
  /** The OID behind it at the closing reading. */
  source?: string;
}

/** One term of a unit formula: coefficient × counter, the counter in its declared unit. */
export interface FormulaTerm {
  counter: CounterName;
  coefficient: number;
  unit: string;
}

export type UnitName = 'mono' | 'color' | 'scan';
export const UNIT_NAMES: readonly UnitName[] = ['mono', 'color', 'scan'];

export type UnitFigure =
  | {
      computable: true;
      value: number;
      /** e.g. `floor(mono + largeMono)` with the units of each counter in `terms`. */
      formula: string;
      terms: FormulaTerm[];
      /** The OID behind each counter used, from the reading that closes the figure. */
      sources: Partial<Record<CounterName, string>>;
      estimated: boolean;
      rules: EstimateRule[];
      opening: Boundary;
      closing: Boundary;
      /** Things to look at that did not stop the figure (a unit meter that went down without a counter rollback). */
      warnings: string[];
    }
  | {
      computable: false;
      /** Why, naming the counter or declaration that is missing. Never guessed. */
      reason: string;
      /** Counters whose absence (or undeclared unit) is the reason. */
      missing: CounterName[];
    };

export type ContractUnits = Record<UnitName, UnitFigure>;

// ---------------------------------------------------------------- usage

export interface ReadingRef {
  id: string;
  at: string;
  serial?: string;
}

/** A run of readings of one physical device inside the period; a replacement starts a new one. */
export interface DeviceSegment {
  serial?: string;
  first: ReadingRef;
  last: ReadingRef;
  /** Why this segment starts (absent for the first). */
  cause?: 'serial-changed' | 'restart-near-zero';
}

export type UsageFlag = 'estimated' | 'not-computable' | 'first-reading' | 'open-period' | BillingEventKind;

export interface DeviceUsage {
  deviceKey: string;
  serial?: string;
  period: {
    from: string;
    to: string;
    /** min(to, now): a period still running is measured up to now. */
    end: string;
    open: boolean;
  };
  /** The last reading at or before `from`, and at or before `end` (the boundary values themselves are per counter). */
  opening?: ReadingRef;
  closing?: ReadingRef;
  counters: Partial<Record<CounterName, CounterUsage>>;
  units: ContractUnits;
  segments: DeviceSegment[];
  estimated: boolean;
  flags: UsageFlag[];
  /** Events raised by readings in (from, end], and about the period itself (a gap or idleness at its end). */
  events: BillingEvent[];
}
