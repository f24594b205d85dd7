/**
 * The contract's constants, as data: what a unit is worth and the windows and thresholds that
 * validation and estimates use. The defaults are the contract of issue 12 ("an A3 document is worth
 * two units, … two scans are worth one unit", "three months without a page"); the rest are the
 * checks an MPS dealer's ERP runs on meter reads (e-automate's volume check: a 3-month average plus a
 * buffer), chosen to be quiet on a normal office fleet.
 *
 * One zod schema is the type, the validation and the defaults, so the agent's config and the
 * receiver can embed it later as `billing: {...}` and get the same errors. Pure: no I/O.
 */
import { z } from 'zod';
import { MeterboxError } from '../contract/errors.js';

const whole = (what: string, min: number) =>
  z
    .number({ error: `${what}: a whole number ≥ ${min}` })
    .int({ error: `${what}: a whole number ≥ ${min}` })
    .min(min, { error: `${what}: a whole number ≥ ${min}` });

const atLeast = (what: string, min: number) => z.number({ error: `${what}: a number ≥ ${min}` }).min(min, { error: `${what}: a number ≥ ${min}` });

export const BillingContractSchema = z
  .object({
    unitsPerA4Side: whole('units per A4-size printed side', 1).default(1).meta({ description: 'units one printed side of A4 (or smaller) is worth (contract: 1)' }),
    unitsPerLargeSide: whole('units per large printed side', 1)
      .default(2)
      .meta({ description: 'units one printed side of a large size (A3, ledger) is worth (contract: 2, so an A3 duplex sheet is 4)' }),
    scansPerUnit: whole('scans per unit', 1).default(2).meta({ description: 'scans that make one unit (contract: 2); units are floor(scans / this) at each reading' }),
    idleDays: whole('idle window in days', 1).default(90).meta({ description: 'no printed page for this long raises device.idle (contract: three months)' }),
    gapHours: whole('reading gap window in hours', 1)
      .default(72)
      .meta({ description: 'no reading for longer than this raises reading.gap (default 72: a printer switched off over a weekend is not a gap)' }),
    boundaryToleranceHours: whole('boundary tolerance in hours', 0)
      .default(24)
      .meta({ description: 'a reading this close before a period boundary stands for the boundary; an older one makes the boundary an estimate' }),
    trailingDays: whole('trailing window in days', 1)
      .default(90)
      .meta({ description: 'the window of the trailing daily average used by the spike check and by estimates (3 months)' }),
    minHistoryDays: whole('minimum history in days', 1)
      .default(7)
      .meta({ description: 'a trailing average needs at least this much history; with less, no spike check by average and no estimate by average' }),
    spike: z
      .object({
        factor: atLeast('spike factor', 1).default(3).meta({ description: 'a day above this multiple of the trailing daily average is a spike' }),
        minDailyVolume: whole('spike floor in pages per day', 0)
          .default(100)
          .meta({ description: 'the buffer: a day at or below this volume is never a spike, however quiet the device was' }),
        speedSlackMinutes: atLeast('speed slack in minutes', 0)
          .default(1)
          .meta({ description: 'added to the elapsed time before comparing a step with pages per minute × minutes (reading times are not exact)' }),
      })
      .strict()
      .prefault({})
      .meta({ description: 'counter.spike: the daily volume against the trailing average, and each step against the device speed when it is known' }),
    restartNearZero: whole('near-zero threshold', 0)
      .default(1000)
      .meta({ description: 'when every counter that stood above this drops to or below it, the device was replaced (device.replaced), not rolled back' }),
  })
  .strict()
  .meta({ title: 'billing contract', description: 'The contract units, windows and thresholds used by src/billing/.' });

/** The contract with every default filled in. */
export type BillingContract = z.infer<typeof BillingContractSchema>;
/** The contract as written in a config file: every field optional. */
export type BillingContractInput = z.input<typeof BillingContractSchema>;

/** The contract of issue 12 (all defaults). */
export const DEFAULT_CONTRACT: BillingContract = Object.freeze(BillingContractSchema.parse({}));

/**
 * Validates a contract (for example the config's `billing` object), filling in the defaults.
 * Throws MBX_CONFIG_INVALID naming every bad field, e.g. `billing.spike.factor: spike factor: a number ≥ 1`.
 */
export function parseContract(input: unknown, path = 'billing'): BillingContract {
  const r = BillingContractSchema.safeParse(input ?? {});
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${[path, ...i.path.map(String)].join('.')}: ${i.message}`);
  throw new MeterboxError('MBX_CONFIG_INVALID', `invalid billing contract: ${problems.join('; ')}`, { path, problems });
}

export const MS_PER_HOUR = 3_600_000;
export const MS_PER_DAY = 86_400_000;
