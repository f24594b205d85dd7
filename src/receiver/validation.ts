/**
 * Billing validation at ingest (issue 12): each reading the receiver accepts is checked against
 * its device's history with the billing core, under the receiver's contract, and every failure
 * (counter.rollback, counter.redefined, device.replaced, counter.spike, device.idle, reading.gap)
 * becomes an event of the receiver's own (no agent_seq), with its evidence: what the provider sees
 * in GET /v1/events and the fleet view even from an agent too old to validate. Readings are stored
 * as received: validation only flags.
 *
 * A node keeps one validator per (agent, device) between batches. Several nodes share one
 * database, so before each batch a node feeds its validator the readings other nodes stored since
 * the last one it saw (one indexed query per device); a device it never saw, or a reading older
 * than the last it saw, rebuilds from the history window. A failure here never refuses readings:
 * it is logged, and the readings stay stored.
 */
import type { Logger } from 'pino';
import { FleetValidators, type BillingContract } from '../billing/index.js';
import { meterReadingOf } from '../web/fleet/usage.js';
import type { DeviceEventIn, IncomingReading, ReceiverStore } from './store/types.js';

export class IngestValidation {
  private readonly validators: FleetValidators;

  constructor(
    private readonly store: ReceiverStore,
    contract: BillingContract,
    private readonly log: Logger,
  ) {
    this.validators = new FleetValidators(contract, (key) => key.slice(key.indexOf('\u0000') + 1));
  }

  /** Validates readings just stored for `agentId` and records the events they raise. */
  async afterStore(agentId: string, stored: readonly IncomingReading[]): Promise<number> {
    try {
      const byDevice = new Map<string, IncomingReading[]>();
      for (const r of stored) {
        const list = byDevice.get(r.deviceKey);
        if (list) list.push(r);
        else byDevice.set(r.deviceKey, [r]);
      }
      const events: DeviceEventIn[] = [];
      for (const [deviceKey, list] of byDevice) {
        list.sort((a, b) => (a.readAt < b.readAt ? -1 : a.readAt > b.readAt ? 1 : 0));
        const key = `${agentId}\u0000${deviceKey}`;
        const first = Date.parse((list[0] as IncomingReading).readAt);
        const pos = this.validators.position(key, first);
        const since = pos ? pos.lastAt : this.validators.historySince(first);
        const history = await this.store.meterHistory({ agentId, deviceKey, since: new Date(since).toISOString(), until: new Date(first).toISOString() });
        this.validators.catchUp(key, history.map(meterReadingOf));
        for (const r of list) {
          const m = meterReadingOf({ id: r.id, readAt: r.readAt, ...(r.serial ? { serial: r.serial } : {}), counters: r.counters, ...sourcesAndUnits(r.body) });
          for (const e of this.validators.check(key, m)) {
            events.push({ at: e.at, kind: e.kind, severity: e.severity, deviceKey, message: e.message, data: { readingIds: e.readingIds, ...e.evidence, raisedBy: 'receiver' } });
          }
        }
      }
      await this.store.addEvents(agentId, events);
      return events.length;
    } catch (err) {
      this.log.warn({ agentId, err: (err as Error).message }, 'billing validation at ingest failed; the readings are stored, unflagged');
      return 0;
    }
  }
}

function sourcesAndUnits(body: string): { sources?: Record<string, string>; units?: Record<string, string> } {
  const b = JSON.parse(body) as { sources?: Record<string, string>; units?: Record<string, string> };
  return { ...(b.sources ? { sources: b.sources } : {}), ...(b.units ? { units: b.units } : {}) };
}
