/**
 * The device registry is the store's devices table: discovery's working copy survives a restart
 * through it (saveSweep → swept → restore), credentials included, and a move is decided there
 * once, whether a sweep or a reading sees the device at its new address first.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry, type Observation } from '../../src/discovery/registry.js';
import { Store } from '../../src/store/store.js';
import type { DeviceIdentity } from '../../src/contract/reading.js';
import { makeReading, silent, tempDir } from '../store/helpers.js';

const device = (serial: string): DeviceIdentity => ({ key: `acme:${serial}`, keySource: 'serial', vendor: 'Acme', serial, host: '' });
const seen = (host: string, serial: string, credential = 'office-v3'): Observation => ({ host, device: { ...device(serial), host }, credential, label: 'floor-2' });

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

const moves = (s: Store) => s.events.unreported(100).filter((e) => e.kind === 'device.moved').map((e) => e.data);

describe('the device registry kept in the store', () => {
  it('round-trips through saveSweep / swept and keeps credentials, labels and first sightings', () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'outbox.db');
    const before = new DeviceRegistry();
    const events = before.applySweep([seen('10.1.20.5', 'A1'), seen('10.1.20.6', 'B2', 'public')], new Date('2026-11-01T00:00:00Z'));

    const s1 = Store.open(path, { log: silent });
    s1.devices.saveSweep(before.devices(), events);
    s1.close();

    const s2 = Store.open(path, { log: silent });
    const after = DeviceRegistry.restore(s2.devices.swept());
    expect(after.devices()).toEqual(before.devices());
    expect(after.credentialHint('10.1.20.6')).toBe('public');
    // Found by a sweep, never read: not a device the poller or `meterbox status` lists yet.
    expect(s2.devices.hosts()).toEqual([]);
    after.applySweep([seen('10.1.20.9', 'A1'), seen('10.1.20.6', 'B2', 'public')], new Date('2026-11-02T00:00:00Z'));
    expect(after.get('acme:A1')?.firstSeen).toBe('2026-11-01T00:00:00.000Z');
    s2.devices.saveSweep(after.devices());
    expect(moves(s2)).toEqual([{ from: '10.1.20.5', to: '10.1.20.9' }]);
    s2.close();
  });

  it('records one move when a sweep finds a device at a new address and its reading lands there', () => {
    tmp = tempDir();
    const s = Store.open(join(tmp.dir, 'outbox.db'), { log: silent });
    const r1 = makeReading(1, '2026-11-20T08:00:00Z');
    s.saveCycle([r1]);
    const registry = new DeviceRegistry();
    const at = (host: string): Observation => ({ host, device: { ...r1.device, host }, credential: 'lab' });
    s.devices.saveSweep(registry.devices(), registry.applySweep([at(r1.device.host)]));
    expect(moves(s)).toEqual([]);

    // DHCP gave it another address: the sweep sees it first, then its reading arrives from there.
    s.devices.saveSweep(registry.devices(), registry.applySweep([at('10.9.9.9')]));
    s.saveCycle([{ ...makeReading(1, '2026-11-21T08:00:00Z'), device: { ...r1.device, host: '10.9.9.9' } }]);
    expect(moves(s)).toEqual([{ from: r1.device.host, to: '10.9.9.9' }]);

    // A poll reads it somewhere else again (no sweep in between): the reading alone is the move.
    s.saveCycle([{ ...makeReading(1, '2026-11-22T08:00:00Z'), device: { ...r1.device, host: '10.9.9.10' } }]);
    expect(moves(s)).toEqual([{ from: r1.device.host, to: '10.9.9.9' }, { from: '10.9.9.9', to: '10.9.9.10' }]);
    expect(s.devices.hosts()).toEqual([expect.objectContaining({ key: r1.device.key, host: '10.9.9.10' })]);
    s.close();
  });

  it('keeps the sweep events a move is not: one serial at several addresses, an address answering with another device', () => {
    tmp = tempDir();
    const s = Store.open(join(tmp.dir, 'outbox.db'), { log: silent });
    const registry = new DeviceRegistry();
    s.devices.saveSweep(registry.devices(), registry.applySweep([seen('10.0.0.1', 'A1'), seen('10.0.0.2', 'A1')], new Date('2026-11-01T00:00:00Z')));
    s.devices.saveSweep(registry.devices(), registry.applySweep([seen('10.0.0.1', 'C3')], new Date('2026-11-02T00:00:00Z')));
    expect(s.events.unreported(100).map((e) => [e.kind, e.severity, e.deviceKey, e.message])).toEqual([
      ['device.duplicate-serial', 'warning', 'acme:A1', 'acme:A1 answers at 10.0.0.1, 10.0.0.2: one serial, several devices'],
      ['device.replaced', 'warning', undefined, '10.0.0.1: acme:A1 was replaced by acme:C3'],
    ]);
    s.close();
  });
});
