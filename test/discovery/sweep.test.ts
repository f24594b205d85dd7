/**
 * The sweep against real UDP agents on a random loopback /22: printers (each answering its own
 * credentials), a switch and a PC, everything else silent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expandTargets } from '../../src/net/targets.js';
import { sweep } from '../../src/discovery/sweep.js';
import { DeviceRegistry } from '../../src/discovery/registry.js';
import type { NamedCredentials } from '../../src/discovery/credentials.js';
import type { V3Credentials } from '../../src/snmp/credentials.js';
import { freeUdpPort } from '../helpers/ports.js';
import { PC, randomBlock22, startOther, startPrinter, SWITCH, type LabAgent } from './lab.js';

const V3: V3Credentials = { version: '3', user: 'meter', level: 'authPriv', authProtocol: 'sha256', authKey: 'authpass123', privProtocol: 'aes', privKey: 'privpass123' };
const CREDS: NamedCredentials[] = [
  { name: 'alpha', credentials: { version: '2c', community: 'alpha' } },
  { name: 'beta', credentials: { version: '2c', community: 'beta' } },
  { name: 'secure', credentials: V3 },
];
// Agents and sweeper share this process, and the machine may be busy with other work: a timeout
// long enough for an answer to be read however starved the event loop is, and enough hosts in
// flight that the silent ones still cost only a couple of rounds.
const FAST = { timeoutMs: 1500, retries: 1, concurrency: 512, ratePerSecond: 5000 };

describe('sweep over a loopback /22', () => {
  const block = randomBlock22();
  const agents: LabAgent[] = [];
  let port = 0;
  let printers: Record<string, LabAgent> = {};

  beforeAll(async () => {
    port = await freeUdpPort(block.at(1));
    printers = {
      alpha: await startPrinter(block.at(5), port, 1, ['alpha']),
      beta: await startPrinter(block.at(301), port, 2, ['beta']),
      both: await startPrinter(block.at(612), port, 3, ['beta', 'alpha']),
      v3: await startPrinter(block.at(900), port, 4, [], [V3]),
      excluded: await startPrinter(block.at(1000), port, 5, ['alpha']),
      last: await startPrinter(block.at(1022), port, 6, ['alpha']),
    };
    agents.push(...Object.values(printers));
    agents.push(await startOther(block.at(2), port, SWITCH, ['alpha']));
    agents.push(await startOther(block.at(777), port, PC, ['beta']));
  });
  afterAll(async () => {
    await Promise.all(agents.map((a) => a.agent.close()));
  });

  it('finds every printer and only the printers, with the credential that worked, and keeps exclusions', async () => {
    const targets = await expandTargets([{ target: block.cidr, label: 'lab', exclude: [`${block.at(990)}-${block.at(1010)}`] }]);
    expect(targets[0]?.count).toBe(1022 - 21);
    const r = await sweep({ targets, credentials: CREDS, port, ...FAST });

    expect(r.printers.map((p) => p.error)).toEqual(r.printers.map(() => undefined));
    expect(r.printers.map((p) => [p.host, p.credential, p.device.serial])).toEqual([
      [printers.alpha?.host, 'alpha', 'SIM00001'],
      [printers.beta?.host, 'beta', 'SIM00002'],
      [printers.both?.host, 'alpha', 'SIM00003'], // answers both: the first in order wins
      [printers.v3?.host, 'secure', 'SIM00004'],
      [printers.last?.host, 'alpha', 'SIM00006'],
    ]);
    for (const p of r.printers) {
      expect(p.label).toBe('lab');
      expect(p.reading?.counters.total).toBeGreaterThan(0);
      expect(p.device.keySource).toBe('serial');
    }
    expect(r.others.map((o) => [o.host, o.kind, o.credential])).toEqual([
      [block.at(2), 'not-a-printer', 'alpha'],
      [block.at(777), 'not-a-printer', 'beta'],
    ]);
    expect(r.others[0]?.sysDescr).toMatch(/^Cisco IOS/);
    // The excluded printer was never asked anything.
    expect(printers.excluded?.agent.requests).toBe(0);
    expect(r.summary).toMatchObject({ addresses: 1001, answered: 7, printers: 5, nonPrinters: 2, failed: 0, silent: 994 });
  });

  it('costs a silent host exactly (retries + 1) packets per credential, and no more', async () => {
    const quiet = await expandTargets([{ target: `${block.at(400)}-${block.at(463)}` }]);
    const r = await sweep({ targets: quiet, credentials: CREDS.slice(0, 2), port, timeoutMs: 300, retries: 2, concurrency: 64, ratePerSecond: 0 });
    expect(r.summary.silent).toBe(64);
    expect(r.summary.packets).toBe(64 * 2 * 3);
  });

  it('holds the packets-per-second cap (on a clock of its own, so a busy machine cannot blur it)', async () => {
    const quiet = await expandTargets([{ target: `${block.at(500)}-${block.at(579)}` }]);
    // The rate limiter's clock only moves when it waits: the time it had to wait is the time the cap cost.
    let virtual = 0;
    const clock = { now: () => virtual, sleep: async (ms: number) => void (virtual += ms) };
    const r = await sweep({ targets: quiet, credentials: CREDS.slice(0, 1), port, timeoutMs: 100, retries: 0, concurrency: 128, ratePerSecond: 100, clock });
    // 80 packets at 100 per second, 5 of them in the first burst: 0.75 s of waiting, and not much more.
    expect(r.summary.packets).toBe(80);
    expect(virtual).toBeGreaterThanOrEqual(750);
    expect(virtual).toBeLessThan(800);
  });

  it('tries the credential that worked last time first', async () => {
    const targets = await expandTargets([{ target: printers.both?.host as string }]);
    const registry = new DeviceRegistry();
    const first = await sweep({ targets, credentials: [CREDS[1] as NamedCredentials], port, ...FAST });
    registry.applySweep(first.observations);
    expect(registry.credentialHint(printers.both?.host as string)).toBe('beta');
    const again = await sweep({ targets, credentials: CREDS, port, ...FAST, registry });
    expect(again.printers[0]?.credential).toBe('beta');
    const fresh = await sweep({ targets, credentials: CREDS, port, ...FAST });
    expect(fresh.printers[0]?.credential).toBe('alpha');
  });

  it('lists printers not under contract as seen, without counters', async () => {
    const targets = await expandTargets([{ target: `${block.at(1)}-${block.at(310)}` }]);
    const r = await sweep({ targets, credentials: CREDS, port, ...FAST, allow: ['sim00002'] });
    expect(r.printers.map((p) => p.device.serial)).toEqual(['SIM00002']);
    expect(r.printers[0]?.reading?.counters.total).toBeGreaterThan(0);
    expect(r.notUnderContract.map((p) => p.device.serial)).toEqual(['SIM00001']);
    expect(r.notUnderContract[0]?.reading).toBeUndefined();
    expect(r.summary).toMatchObject({ printers: 1, notUnderContract: 1 });
  });
});
