/**
 * The fleet view's data, from the receiver's store: the agents with their health (ok, degraded,
 * unhealthy from their own heartbeat; stale when silent), the devices with what a support desk
 * filters on, and one device's page. Every device is (agent, key): a key two agents report is two
 * devices here as in the store, and one device's page never mixes in another agent's readings.
 */
import pLimit from 'p-limit';
import type { BillingContract, BillingPeriod } from '../../billing/index.js';
import type { Reading, Supply } from '../../contract/reading.js';
import type { ReceiverStore } from '../../receiver/store/types.js';
import type { AgentRow } from '../../receiver/types.js';
import { DATA_LOSS_KINDS, DATA_QUALITY_KINDS } from '../../contract/events.js';
import { maintenanceRows, type MaintenanceRow } from '../../remote/maintenance.js';
import { BILLING_FLAGS, UsageCache, monthOf } from './usage.js';
import { dailyVolume, supplyHistory, type DailyVolume, type SupplyHistory } from './volume.js';

export type AgentHealth = 'ok' | 'degraded' | 'unhealthy' | 'stale';

export interface FleetAgent {
  agentId: string;
  customer?: string;
  health: AgentHealth;
  reasons: string[];
  version?: string;
  lastSeen?: string;
  outboxDepth?: number;
  oldestPendingAgeSeconds?: number;
  devices: number;
  readings: number;
  lastReadingAt?: string;
  dataLoss: number;
  dataQuality: number;
  /** Maintenance from the provider (src/remote/maintenance.ts), when something was published for it. */
  maintenance?: { configBehind: boolean; configState?: string; update?: { target: string; state?: string; reason?: string; behind: boolean } };
}

export interface FleetDevice {
  agentId: string;
  customer?: string;
  key: string;
  vendor?: string;
  model?: string;
  serial?: string;
  host?: string;
  lastReadAt?: string;
  total?: number;
  /** The emptiest consumable that reports a percentage. */
  lowest?: { description: string; percent: number; state: string };
  suppliesLow: boolean;
}

/** A device's billing flags over a period (FleetData.flags): asked apart from the list, which must not wait for them. */
export interface DeviceFlags {
  agentId: string;
  key: string;
  flags: string[];
}

export interface DevicePage {
  agentId: string;
  customer?: string;
  key: string;
  identity: Record<string, string | undefined>;
  lastReadAt?: string;
  profile?: string;
  counters: { name: string; value: number; source?: string }[];
  supplies: Supply[];
  alerts: { severity: string; code: string; text?: string }[];
  volume: DailyVolume;
  supplyHistory: SupplyHistory;
  events: { at: string; kind: string; severity?: string; message: string; reportedBy: 'agent' | 'receiver' }[];
  flags: string[];
  period: { from: string; to: string };
}

/** A supply is low when the printer says so, or at 10 % or less of a consumable. */
export const LOW_PERCENT = 10;

const DATA_LOSS = new Set<string>(DATA_LOSS_KINDS);
const DATA_QUALITY = new Set<string>(DATA_QUALITY_KINDS);

function health(a: AgentRow): { health: AgentHealth; reasons: string[] } {
  if (a.stale) return { health: 'stale', reasons: [a.lastSeen ? `no heartbeat since ${a.lastSeen}` : 'never sent a heartbeat'] };
  const h = a.lastHeartbeat?.health as { status?: string; reasons?: unknown } | undefined;
  const reasons = Array.isArray(h?.reasons) ? h.reasons.filter((r): r is string => typeof r === 'string') : [];
  return { health: h?.status === 'degraded' || h?.status === 'unhealthy' ? h.status : 'ok', reasons };
}

/** Customer names: the label of an agent's live token (`receiver token add --agent ID --label "Customer"`). */
async function customers(store: ReceiverStore): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const t of await store.listTokens()) if (t.kind === 'agent' && t.agentId && t.label && !t.revokedAt) out.set(t.agentId, t.label);
  return out;
}

const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

function consumables(supplies: readonly Supply[]): Supply[] {
  return supplies.filter((s) => s.class !== 'receptacle');
}

export class FleetData {
  readonly usage: UsageCache;
  private readonly limit = pLimit(8);

  constructor(
    private readonly store: ReceiverStore,
    private readonly now: () => Date,
    private readonly staleAfterSeconds: number,
    private readonly fileAgents: () => string[],
    contract?: BillingContract,
  ) {
    this.usage = new UsageCache(store, () => now().getTime(), contract);
  }

  async agents(): Promise<FleetAgent[]> {
    const [agents, devices, counts, names, published] = await Promise.all([this.store.agents(this.now(), this.staleAfterSeconds, this.fileAgents()), this.store.devices(), this.store.agentEventCounts(), customers(this.store), this.store.published()]);
    const upkeep = new Map(maintenanceRows(published, agents).agents.map((m) => [m.agentId, m]));
    const perAgent = new Map<string, number>();
    for (const d of devices) perAgent.set(d.agentId, (perAgent.get(d.agentId) ?? 0) + 1);
    const loss = new Map<string, number>();
    const quality = new Map<string, number>();
    for (const c of counts) {
      if (DATA_LOSS.has(c.kind)) loss.set(c.agentId, (loss.get(c.agentId) ?? 0) + c.count);
      if (DATA_QUALITY.has(c.kind)) quality.set(c.agentId, (quality.get(c.agentId) ?? 0) + c.count);
    }
    return agents.map((a) => {
      const outbox = a.lastHeartbeat?.outbox as { depth?: unknown; oldestPendingAgeSeconds?: unknown } | undefined;
      const depth = num(outbox?.depth);
      const oldest = num(outbox?.oldestPendingAgeSeconds);
      const customer = names.get(a.agentId);
      return {
        agentId: a.agentId,
        ...(customer ? { customer } : {}),
        ...health(a),
        ...(a.version ? { version: a.version } : {}),
        ...(a.lastSeen ? { lastSeen: a.lastSeen } : {}),
        ...(depth !== undefined ? { outboxDepth: depth } : {}),
        ...(oldest !== undefined ? { oldestPendingAgeSeconds: oldest } : {}),
        devices: perAgent.get(a.agentId) ?? 0,
        readings: a.readings,
        ...(a.lastReadingAt ? { lastReadingAt: a.lastReadingAt } : {}),
        dataLoss: loss.get(a.agentId) ?? 0,
        dataQuality: quality.get(a.agentId) ?? 0,
        ...maintenance(upkeep.get(a.agentId)),
      };
    });
  }

  /** Every device with its last reading's figures: two queries whatever the fleet, never the billing core. */
  async devices(): Promise<FleetDevice[]> {
    const [devices, latest, names] = await Promise.all([this.store.devices(), this.store.latestReadings(), customers(this.store)]);
    const last = new Map(latest.map((r) => [`${r.agentId}\u0000${r.deviceKey}`, r.body as unknown as Reading]));
    return devices.map((d) => {
      const r = last.get(`${d.agentId}\u0000${d.key}`);
      const withPercent = consumables(r?.supplies ?? []).filter((s) => s.percent !== undefined);
      const lowest = withPercent.reduce<Supply | undefined>((m, s) => (m === undefined || (s.percent as number) < (m.percent as number) ? s : m), undefined);
      const suppliesLow = consumables(r?.supplies ?? []).some((s) => s.state === 'low' || s.state === 'empty' || (s.percent !== undefined && s.percent <= LOW_PERCENT));
      const customer = names.get(d.agentId);
      const total = r?.counters.total ?? d.lastCounters?.total;
      return {
        agentId: d.agentId,
        ...(customer ? { customer } : {}),
        key: d.key,
        ...(d.vendor ? { vendor: d.vendor } : {}),
        ...(d.model ? { model: d.model } : {}),
        ...(d.serial ? { serial: d.serial } : {}),
        ...(r?.device.host ? { host: r.device.host } : {}),
        ...(d.lastReadAt ? { lastReadAt: d.lastReadAt } : {}),
        ...(total !== undefined ? { total } : {}),
        ...(lowest ? { lowest: { description: lowest.description, percent: lowest.percent as number, state: lowest.state } } : {}),
        suppliesLow,
      };
    });
  }

  /**
   * Every device's billing flags over `period` (default: this month): the billing core over each
   * device's readings, a few milliseconds a device once it has months of history, and measured
   * again whenever the device has a new reading. The devices page draws its list first and asks
   * for these beside it.
   */
  async flags(period: BillingPeriod = monthOf(this.now().getTime())): Promise<DeviceFlags[]> {
    const devices = await this.store.devices();
    return Promise.all(
      devices.map((d) => this.limit(async () => ({ agentId: d.agentId, key: d.key, flags: await this.usage.flags({ agentId: d.agentId, key: d.key, ...(d.lastReadAt ? { lastReadAt: d.lastReadAt } : {}) }, period) }))),
    );
  }

  /** One device of one agent; undefined when that agent reports no such device. */
  async device(agentId: string, key: string, days: number): Promise<DevicePage | undefined> {
    const d = (await this.store.devices({ agentId, deviceKey: key }))[0];
    if (!d) return undefined;
    const now = this.now().getTime();
    const from = now - days * 86_400_000;
    const [latest, rows, events, names] = await Promise.all([
      this.store.readings({ agentId, deviceKey: key, newest: true, limit: 1 }),
      // A week more than shown: the first day shown gets a bar from the meter before it.
      this.store.meterHistory({ agentId, deviceKey: key, since: new Date(from - 7 * 86_400_000).toISOString(), until: new Date(now + 1).toISOString(), supplies: true }),
      this.store.events({ agentId, deviceKey: key, limit: 1000 }),
      customers(this.store),
    ]);
    const r = latest[0]?.body as unknown as Reading | undefined;
    const period = monthOf(now);
    const customer = names.get(agentId);
    const id = r?.device;
    return {
      agentId,
      ...(customer ? { customer } : {}),
      key,
      identity: {
        vendor: id?.vendor ?? d.vendor,
        brand: id?.brand,
        model: id?.model ?? d.model,
        serial: id?.serial ?? d.serial,
        host: id?.host,
        mac: id?.mac,
        firmware: id?.firmware,
        sysName: id?.sysName,
        sysLocation: id?.sysLocation,
        sysDescr: id?.sysDescr,
        keySource: id?.keySource,
      },
      ...(d.lastReadAt ? { lastReadAt: d.lastReadAt } : {}),
      ...(r?.profile ? { profile: r.profile } : {}),
      counters: Object.entries(r?.counters ?? {}).map(([name, value]) => ({ name, value: value as number, ...(r?.sources?.[name as keyof Reading['sources']] ? { source: r.sources[name as keyof Reading['sources']] as string } : {}) })),
      supplies: r?.supplies ?? [],
      alerts: r?.status.alerts ?? [],
      volume: dailyVolume(rows, from, now),
      supplyHistory: supplyHistory(rows.filter((x) => Date.parse(x.readAt) >= from)),
      events: events.map((e) => ({ at: e.at, kind: e.kind, ...(e.severity ? { severity: e.severity } : {}), message: e.message, reportedBy: e.agentSeq !== undefined ? ('agent' as const) : ('receiver' as const) })),
      flags: await this.usage.flags({ agentId, key, ...(d.lastReadAt ? { lastReadAt: d.lastReadAt } : {}) }, period),
      period: { from: new Date(period.from).toISOString(), to: new Date(period.to).toISOString() },
    };
  }
}

export { BILLING_FLAGS };

/** What the agents list shows of maintenance: only when a configuration or an update was published for the agent. */
function maintenance(m: MaintenanceRow | undefined): Pick<FleetAgent, 'maintenance'> {
  if (!m || (m.config.published === undefined && m.update.published === undefined)) return {};
  const state = (r: Record<string, unknown> | undefined) => (typeof r?.state === 'string' ? r.state : undefined);
  const u = m.update;
  const reason = typeof u.reported?.reason === 'string' ? u.reported.reason : undefined;
  return {
    maintenance: {
      configBehind: m.config.behind,
      ...(state(m.config.reported) ? { configState: state(m.config.reported) } : {}),
      ...(u.published ? { update: { target: u.published, ...(state(u.reported) ? { state: state(u.reported) } : {}), ...(reason ? { reason } : {}), behind: u.behind } } : {}),
    },
  };
}
