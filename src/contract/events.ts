/**
 * Every kind of event meterbox records or reports, in one place. docs/errors.md says what each
 * one means and what to do about it (a test fails when a kind used in src/ is missing there).
 * Kinds are `<subject>.<what happened>`; the same kind means the same thing wherever it appears.
 * Part of src/contract/: imports nothing.
 */

export type EventSeverity = 'info' | 'warning' | 'error';

/** One event as an agent reports it in a heartbeat (`events[]`): what the uploader sends and the receiver stores. */
export interface WireEvent {
  /** The agent's own sequence number: the receiver keeps an event once per (agent, seq). */
  seq: number;
  at: string;
  kind: string;
  severity: EventSeverity;
  message: string;
  deviceKey?: string;
}

/** Problems with the data a device sent (reading/quality.ts): the reading goes out, the problem is an event. */
export const DATA_PROBLEM_KINDS = ['counter.invalid', 'counter.missing', 'counter.totals-differ', 'counter.check-failed', 'snmp.walk-broken', 'reading.no-counters', 'reading.truncated'] as const;
export type DataProblemKind = (typeof DATA_PROBLEM_KINDS)[number];

/** The outbox about itself: damage, salvage, a disk that refused writes, events it could not keep. */
const STORE_EVENT_KINDS = ['store.corrupt-replaced', 'store.salvaged', 'store.salvage-failed', 'store.write-failed', 'store.resumed', 'store.held-dropped', 'store.events-dropped'] as const;

/** What retention removed from the outbox, by age or to stay under its size cap. */
const RETENTION_EVENT_KINDS = ['retention.pruned', 'retention.compacted', 'retention.dropped-pending'] as const;

/** What the provider did with readings the uploader sent, and a token it refused. */
const UPLOAD_EVENT_KINDS = ['upload.rejected', 'upload.quarantined', 'upload.auth-failed'] as const;

/**
 * The device registry (store/devices.ts; discovery's sweeps and the readings feed it): a device
 * answering at a new address, one serial at several addresses, an address answering with another
 * device, and a counter that went backwards between two readings.
 */
const DEVICE_EVENT_KINDS = ['device.moved', 'device.duplicate-serial', 'device.replaced', 'counter.backwards'] as const;

/**
 * The billing core's validation events (src/billing/validate.ts, usage.ts): evidence about one
 * device's readings. The agent's outbox raises them as it stores each reading (store/validation.ts)
 * and its heartbeat carries them; the receiver raises the same at ingest; usage figures list them.
 * `device.replaced` is the same fact as the registry's: another device now stands where this one
 * stood. `counter.rollback` supersedes the registry's `counter.backwards`, which agents before
 * issue 12 raised.
 */
export const BILLING_EVENT_KINDS = ['counter.rollback', 'counter.redefined', 'device.replaced', 'counter.spike', 'device.idle', 'reading.gap'] as const;
export type BillingEventKind = (typeof BILLING_EVENT_KINDS)[number];

/** Maintenance from the provider (src/remote): signed configurations and updates taken, refused or rolled back. */
export const REMOTE_EVENT_KINDS = [
  'remote.config-applied',
  'remote.config-refused',
  'remote.config-rolled-back',
  'update.downloaded',
  'update.refused',
  'update.installed',
  'update.rolled-back',
] as const;

/** What the agent's events table holds and its heartbeat carries. */
export const AGENT_EVENT_KINDS = [...DATA_PROBLEM_KINDS, ...STORE_EVENT_KINDS, ...RETENTION_EVENT_KINDS, ...UPLOAD_EVENT_KINDS, ...DEVICE_EVENT_KINDS, ...BILLING_EVENT_KINDS.filter((k) => k !== 'device.replaced'), ...REMOTE_EVENT_KINDS] as const;
export type EventKind = (typeof AGENT_EVENT_KINDS)[number];

/** Event kinds that mean readings were lost or may be lost (status, the heartbeat's dataLoss and the metrics count these). */
export const DATA_LOSS_KINDS = [
  'retention.dropped-pending',
  'retention.compacted',
  'store.corrupt-replaced',
  'store.salvaged',
  'store.salvage-failed',
  'store.write-failed',
  'store.resumed',
  'store.held-dropped',
  'upload.rejected',
  'upload.quarantined',
  'store.events-dropped',
] as const satisfies readonly EventKind[];

/** Event kinds of data problems, counted in the heartbeat's dataQuality and `meterbox status`. */
export const DATA_QUALITY_KINDS = DATA_PROBLEM_KINDS;


/** The provider's server about its agents (src/receiver): what its event list and its webhook report, and a webhook alert it gave up on. */
export const RECEIVER_EVENT_KINDS = ['agent.stale', 'agent.recovered', 'command.expired', 'device.key-conflict', 'alert.failed'] as const;
export type ReceiverEventKind = (typeof RECEIVER_EVENT_KINDS)[number];
/** The receiver's webhook alerts: an agent went silent, or came back. */
export type AgentAlertKind = Extract<ReceiverEventKind, 'agent.stale' | 'agent.recovered'>;
