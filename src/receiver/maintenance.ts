/**
 * What every node does on a timer: the sweep (stale agents, expired commands, heartbeat-log
 * pruning) and the delivery of due webhook alerts. All of it is decided in the database, so any
 * number of nodes may run it at once and each transition or alert still happens once.
 */
import type { Logger } from 'pino';
import type { ReceiverStore } from './store/types.js';
import type { WebhookOptions } from './types.js';
import { nextAttempt, postWebhook } from './webhook.js';

export interface MaintenanceOptions {
  store: ReceiverStore;
  now: () => Date;
  staleAfterSeconds: number;
  heartbeatRetentionSeconds: number;
  intervalMs: number;
  webhook?: WebhookOptions;
  nodeId: string;
  log: Logger;
  /** Told after each sweep (and the alert deliveries after it) has finished, failed or not. */
  onSwept?: () => void;
}

export function startMaintenance(o: MaintenanceOptions): { stop(): Promise<void> } {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  const deliverAlerts = async () => {
    if (!o.webhook) return;
    for (;;) {
      const due = await o.store.claimAlerts(o.now(), 20, 60);
      if (due.length === 0) return;
      for (const a of due) {
        if (stopped) return; // the lease runs out and another node (or the next start) sends it
        try {
          const status = await postWebhook(o.webhook, { ...a.payload, node: o.nodeId, attempt: a.attempts });
          await o.store.alertDelivered(a, o.now());
          o.log.info({ agentId: a.agentId, kind: a.kind, status }, 'webhook alert delivered');
        } catch (err) {
          const next = nextAttempt(a.attempts, o.now());
          await o.store.alertFailed(a, (err as Error).message, next, o.now());
          o.log[next ? 'warn' : 'error']({ agentId: a.agentId, kind: a.kind, attempts: a.attempts, retryAt: next?.toISOString(), err: (err as Error).message }, next ? 'webhook alert not delivered; will retry' : 'webhook alert given up');
        }
      }
    }
  };

  const tick = async () => {
    try {
      const r = await o.store.sweep(o.now(), o.staleAfterSeconds, o.heartbeatRetentionSeconds);
      for (const agentId of r.stale) o.log.warn({ agentId, staleAfterSeconds: o.staleAfterSeconds }, 'agent went stale');
      for (const c of r.expired) o.log.warn({ agentId: c.agentId, command: c.name, id: c.id, sent: c.sent }, 'command expired unacknowledged; dropped');
      await deliverAlerts();
    } catch (err) {
      o.log.error({ err: (err as Error).message }, 'maintenance sweep failed; next one will retry');
    }
  };

  const schedule = (ms: number) => {
    if (stopped) return;
    timer = setTimeout(() => {
      running = tick().finally(() => {
        running = undefined;
        o.onSwept?.();
        schedule(o.intervalMs);
      });
    }, ms);
    timer.unref();
  };
  schedule(Math.min(1000, o.intervalMs));

  return {
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}
