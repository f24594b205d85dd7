/**
 * Discovery's working copy of the device registry: which device (vendor + serial, MAC fallback)
 * answered at which address in the sweeps, with the credential that worked, and what a sweep
 * found that addresses alone do not say (one serial at several addresses, an address answering
 * with another device). Pure: it is fed sweep observations and a time. The registry itself is
 * the store's devices table (store/devices.ts): the daemon saves each sweep there (devices() and
 * the events out) and restores this copy from it at start, so credentials and addresses survive
 * restarts; moves are decided there, once, for sweeps and polls alike.
 */
import type { SweepEvent, SweptDevice } from '../contract/devices.js';
import type { DeviceIdentity, KeySource } from '../contract/reading.js';

export interface Observation {
  host: string;
  device: DeviceIdentity;
  /** Name of the credential set that worked. */
  credential: string;
  label?: string;
}

export class DeviceRegistry {
  private readonly byKey = new Map<string, SweptDevice>();
  /** Address → key of the device that answered there last. */
  private readonly atHost = new Map<string, string>();
  private readonly log: SweepEvent[] = [];

  /** A registry holding what devices() returned earlier (store/devices.ts swept()). */
  static restore(saved: readonly SweptDevice[]): DeviceRegistry {
    const r = new DeviceRegistry();
    for (const d of saved) {
      r.byKey.set(d.key, { ...d, hosts: [...d.hosts] });
      for (const h of d.hosts) r.atHost.set(h, d.key);
    }
    return r;
  }

  devices(): SweptDevice[] {
    return [...this.byKey.values()].map((d) => ({ ...d, hosts: [...d.hosts] }));
  }

  events(): SweepEvent[] {
    return [...this.log];
  }

  get(key: string): SweptDevice | undefined {
    const d = this.byKey.get(key);
    return d && { ...d, hosts: [...d.hosts] };
  }

  /** Key of the device last seen at `host`. */
  keyAt(host: string): string | undefined {
    return this.atHost.get(host);
  }

  /** The credential that worked for the device last seen at `host`. */
  credentialHint(host: string): string | undefined {
    const key = this.atHost.get(host);
    return key === undefined ? undefined : this.byKey.get(key)?.credential;
  }

  /** The credential that worked for a device, for the poller. */
  credentialOf(key: string): string | undefined {
    return this.byKey.get(key)?.credential;
  }

  /**
   * Record one sweep's printers and return the events it caused. Devices keyed only by address
   * (no serial, no MAC) have no identity to follow, so they cause no events.
   */
  applySweep(observations: readonly Observation[], at: Date = new Date()): SweepEvent[] {
    const when = at.toISOString();
    const events: SweepEvent[] = [];
    const groups = new Map<string, Observation[]>();
    for (const o of observations) {
      const g = groups.get(o.device.key);
      if (g) g.push(o);
      else groups.set(o.device.key, [o]);
    }
    const tracked = (source: KeySource) => source !== 'host';

    // An address that answered with another device than last time.
    for (const o of observations) {
      const before = this.atHost.get(o.host);
      if (before !== undefined && before !== o.device.key && tracked(o.device.keySource) && this.tracks(before)) {
        events.push({ type: 'replaced', at: when, host: o.host, from: before, to: o.device.key });
      }
    }

    for (const [key, group] of groups) {
      const hosts = [...new Set(group.map((o) => o.host))].sort(compareHosts);
      const first = group[0] as Observation;
      const known = this.byKey.get(key);
      if (tracked(first.device.keySource)) {
        if (hosts.length > 1) {
          const same = known && known.hosts.length === hosts.length && known.hosts.every((h, i) => h === hosts[i]);
          if (!same) events.push({ type: 'duplicate-serial', at: when, key, hosts });
        }
      }
      // Free the addresses this device held and no longer answers at.
      for (const h of known?.hosts ?? []) if (!hosts.includes(h) && this.atHost.get(h) === key) this.atHost.delete(h);
      const d: SweptDevice = {
        key,
        keySource: first.device.keySource,
        vendor: first.device.vendor,
        hosts,
        credential: first.credential,
        firstSeen: known?.firstSeen ?? when,
        lastSeen: when,
      };
      if (first.device.model) d.model = first.device.model;
      if (first.device.serial) d.serial = first.device.serial;
      if (first.device.mac) d.mac = first.device.mac;
      if (first.label) d.label = first.label;
      this.byKey.set(key, d);
      for (const h of hosts) this.atHost.set(h, key);
    }
    // A replaced device no longer answers at the address it was replaced at.
    for (const e of events) {
      if (e.type !== 'replaced') continue;
      const old = this.byKey.get(e.from);
      if (old && !groups.has(e.from)) old.hosts = old.hosts.filter((h) => h !== e.host);
    }
    this.log.push(...events);
    return events;
  }

  private tracks(key: string): boolean {
    const d = this.byKey.get(key);
    return d !== undefined && d.keySource !== 'host';
  }
}

/** Addresses in numeric order where they are IPv4, else text order. */
export function compareHosts(a: string, b: string): number {
  const na = ipv4Number(a);
  const nb = ipv4Number(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function ipv4Number(s: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(s);
  return m ? ((Number(m[1]) * 256 + Number(m[2])) * 256 + Number(m[3])) * 256 + Number(m[4]) : undefined;
}
