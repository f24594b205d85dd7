/**
 * Device identity over two sweeps with real agents: a printer moves to a new address, two
 * printers answer with one serial, and a printer is swapped for another at the same address.
 * Discovery's registry finds the duplicates and replacements; the device registry (the store's
 * devices table) records the move.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../src/store/store.js';
import { silent, tempDir } from '../store/helpers.js';
import { expandTargets } from '../../src/net/targets.js';
import { sweep } from '../../src/discovery/sweep.js';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import type { DeviceIdentity } from '../../src/contract/reading.js';
import { freeUdpPort } from '../helpers/ports.js';
import { randomBlock22, startPrinter, type LabAgent } from './lab.js';

const CREDS = [{ name: 'office', credentials: { version: '2c' as const, community: 'office' } }];

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.cleanup());

/** A registry and the store it saves each sweep to, as the daemon runs them; `sweepEvents` is what the store recorded. */
function registryWithStore(): { registry: DeviceRegistry; save: (events: ReturnType<DeviceRegistry['applySweep']>) => void; recorded: () => { kind: string; data?: Record<string, unknown> }[]; close: () => void } {
  tmp = tempDir();
  const store = Store.open(join(tmp.dir, 'outbox.db'), { log: silent });
  const registry = new DeviceRegistry();
  let seen = 0;
  return {
    registry,
    save: (events) => store.devices.saveSweep(registry.devices(), events),
    recorded: () => {
      const all = store.events.unreported(1000);
      const fresh = all.slice(seen);
      seen = all.length;
      return fresh.map((e) => ({ kind: e.kind, ...(e.data ? { data: e.data } : {}) }));
    },
    close: () => store.close(),
  };
}

describe('device identity across sweeps (loopback agents)', () => {
  const block = randomBlock22();
  const live: LabAgent[] = [];
  afterAll(async () => {
    await Promise.all(live.map((a) => a.agent.close()));
  });

  it('records moved, duplicate-serial and replaced, and keeps both readings of a duplicated serial', async () => {
    const port = await freeUdpPort(block.at(1));
    const start = async (offset: number, ordinal: number) => {
      const a = await startPrinter(block.at(offset), port, ordinal, ['office']);
      live.push(a);
      return a;
    };
    const stop = async (a: LabAgent) => {
      await a.agent.close();
      live.splice(live.indexOf(a), 1);
    };
    const targets = await expandTargets([{ target: `${block.at(1)}-${block.at(30)}` }]);
    // The agents answer from this process: if it is starved (a busy machine, a GC pause) for longer
    // than the timeout, the timer fires before the answer waiting in the socket is read, and a live
    // printer counts as silent. 1.5 s, as in sweep.test.ts; the silent addresses cost 1.5 s a sweep.
    const opts = { targets, credentials: CREDS, port, timeoutMs: 1500, retries: 0, ratePerSecond: 0 };
    const { registry, save, recorded, close } = registryWithStore();

    const mover = await start(2, 1);
    await start(3, 2);
    const old = await start(4, 3);
    const first = await sweep(opts);
    const none = registry.applySweep(first.observations, new Date('2026-01-01T00:00:00Z'));
    expect(none).toEqual([]);
    save(none);
    expect(recorded()).toEqual([]);
    const key1 = first.printers[0]?.device.key as string;
    expect(registry.keyAt(block.at(2))).toBe(key1);

    await stop(mover);
    await start(10, 1); // same serial, new DHCP lease
    await start(11, 2); // a second device answering with serial 2
    await stop(old);
    await start(4, 4); // another printer now at the old one's address
    const second = await sweep(opts);
    const events = registry.applySweep(second.observations, new Date('2026-01-02T00:00:00Z'));
    const keyOf = (serial: string) => (second.printers.find((p) => p.device.serial === serial)?.device as DeviceIdentity).key;

    expect(events).toEqual(
      expect.arrayContaining([
        { type: 'duplicate-serial', at: '2026-01-02T00:00:00.000Z', key: keyOf('SIM00002'), hosts: [block.at(3), block.at(11)] },
        { type: 'replaced', at: '2026-01-02T00:00:00.000Z', host: block.at(4), from: first.printers[2]?.device.key, to: keyOf('SIM00004') },
      ]),
    );
    expect(events).toHaveLength(2);
    save(events);
    expect(recorded()).toEqual(
      expect.arrayContaining([
        { kind: 'device.moved', data: { from: block.at(2), to: block.at(10) } },
        { kind: 'device.duplicate-serial', data: expect.objectContaining({ key: keyOf('SIM00002') }) },
        { kind: 'device.replaced', data: expect.objectContaining({ host: block.at(4) }) },
      ]),
    );
    // Both readings of the duplicated serial are kept.
    expect(second.printers.filter((p) => p.device.serial === 'SIM00002').map((p) => [p.host, p.reading !== undefined])).toEqual([
      [block.at(3), true],
      [block.at(11), true],
    ]);
    expect(registry.get(key1)?.hosts).toEqual([block.at(10)]);
    expect(registry.keyAt(block.at(2))).toBeUndefined();
    expect(registry.keyAt(block.at(4))).toBe(keyOf('SIM00004'));

    // Nothing changed: a third sweep records nothing new.
    const third = await sweep(opts);
    const nothing = registry.applySweep(third.observations);
    expect(nothing).toEqual([]);
    save(nothing);
    expect(recorded()).toEqual([]);
    close();
  });
});

describe('device registry (pure, saved to the store)', () => {
  const dev = (serial: string | undefined, host: string, mac?: string): DeviceIdentity => ({
    key: serial ? `acme:${serial}` : mac ? `acme:mac:${mac}` : `acme:host:${host}`,
    keySource: serial ? 'serial' : mac ? 'mac' : 'host',
    vendor: 'Acme',
    host,
    ...(serial ? { serial } : {}),
    ...(mac ? { mac } : {}),
  });
  it('follows a device by MAC when it has no serial, and gives address-keyed devices no events', () => {
    const { registry: r, save, recorded, close } = registryWithStore();
    save(
      r.applySweep([
        { host: '10.0.0.5', device: dev(undefined, '10.0.0.5', '02:00:5e:00:00:01'), credential: 'c' },
        { host: '10.0.0.6', device: dev(undefined, '10.0.0.6'), credential: 'c' },
      ]),
    );
    const ev = r.applySweep([
      { host: '10.0.0.7', device: dev(undefined, '10.0.0.7', '02:00:5e:00:00:01'), credential: 'c' },
      { host: '10.0.0.8', device: dev(undefined, '10.0.0.8'), credential: 'c' },
    ]);
    expect(ev).toEqual([]);
    save(ev);
    expect(recorded()).toEqual([{ kind: 'device.moved', data: { from: '10.0.0.5', to: '10.0.0.7' } }]);
    close();
  });
});
