/**
 * src/billing/: the pure billing core, shared by the box (`meterbox usage`) and the receiver
 * (its billing export). It turns one device's readings into the contract's units, checks each
 * reading against the device's history, and measures a period with estimates where readings are
 * missing — reproducibly, with the formula, counters, OIDs and rule behind every figure.
 *
 * Owns: the contract constants (contract.ts), unit formulas (units.ts), validation events
 * (validate.ts), boundary values and estimates (walk.ts), period usage per device and per fleet
 * stream (usage.ts), replacements across device keys (replacements.ts); dense.ts and history.ts
 * keep the hot path fast. README.md documents the formulas and what a profile must declare.
 * May import: contract (the counter vocabulary, error codes), zod; nothing else (src/layers.json,
 * enforced by the lint). Must not import: snmp, profiles, store, upload, receiver, daemon, cli, node:* I/O. No clock: `now` is passed in. No vendor knowledge:
 * profiles declare counters and units, the core computes.
 */
export { BillingContractSchema, DEFAULT_CONTRACT, parseContract, MS_PER_DAY, MS_PER_HOUR, type BillingContract, type BillingContractInput } from './contract.js';
export { contractUnits, deriveUnitMeter, deriveUnitMeters, declarationsOf, meterValue, type Declarations, type Derivation, type UnitMeter } from './units.js';
export { DeviceValidator, PRINTED_COUNTERS, SPIKE_COUNTERS, type ReadingCheck, type ValidatorOptions } from './validate.js';
export { replacementCandidates, type DeviceSpan, type ReplacementCandidate } from './replacements.js';
export { UsageAccumulator, deviceUsage, readingWindow, usageByDevice, usageByDeviceAsync, type DeviceUsageOptions, type FleetUsageOptions, type UsageOptions } from './usage.js';
export * from './types.js';
export { BILLING_EVENT_KINDS, type BillingEventKind } from '../contract/events.js';
export { FleetValidators } from './validators.js';
export { BOX_CHANNEL, preferBox } from './channels.js';
export { isoMillis } from './iso-time.js';
