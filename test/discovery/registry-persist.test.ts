/**
 * The registry survives a restart through the store: after restore() from what was saved, a device
 * that answers at a new address is a move (not a new device), and its credential is still known.
 */
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceRegistry, type Observation } from '../../src/discovery/registry.js';
import { Store } from '../../src/store/store.js';
import type { DeviceIdentity } from '../../src/contract/reading.js';
import { silent, tempDir } from '../store/helpers.js';

const device = (serial: string): DeviceIdentity => ({ key: `acme:${serial}`, keySource: 'serial', vendor: 'Acme', serial, host: '' });
const seen = (host: string, serial: string, credential = 'office-v3'): Observation => ({ host, device: { ...device(serial), host }, credential, label: 'floor-2' });

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.cleanup());

describe('discovery registry kept in the store', () => {
  it('round-trips through saveRegistry / registryEntries and keeps detecting moves and credentials', () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'outbox.db');
    const before = new DeviceRegistry();
    before.applySweep([seen('10.1.20.5', 'A1'), seen('10.1.20.6', 'B2', 'public')], new Date('2026-11-01T00:00:00Z'));

    const s1 = Store.open(path, { log: silent });
    s1.saveRegistry(before.devices().map((d) => ({ key: d.key, device: d })));
    s1.close();

    const s2 = Store.open(path, { log: silent });
    const after = DeviceRegistry.restore(s2.registryEntries().map((e) => e.device));
    s2.close();
    expect(after.devices()).toEqual(before.devices());
    expect(after.credentialHint('10.1.20.6')).toBe('public');
    const events = after.applySweep([seen('10.1.20.9', 'A1'), seen('10.1.20.6', 'B2', 'public')], new Date('2026-11-02T00:00:00Z'));
    expect(events).toEqual([{ type: 'moved', at: '2026-11-02T00:00:00.000Z', key: 'acme:A1', from: '10.1.20.5', to: '10.1.20.9' }]);
    expect(after.get('acme:A1')?.firstSeen).toBe('2026-11-01T00:00:00.000Z');
  });

  it('skips saved entries that are not registry devices instead of failing', () => {
    const r = DeviceRegistry.restore([{ key: 'x' }, null, 'junk', { ...seen('10.0.0.1', 'C3').device, hosts: ['10.0.0.1'], credential: 'c', firstSeen: 'a', lastSeen: 'b' }]);
    expect(r.devices().map((d) => d.key)).toEqual(['acme:C3']);
  });
});
