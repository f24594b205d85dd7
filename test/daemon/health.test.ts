/**
 * A box that runs but sees nothing must not look healthy. The verdict (pure, on fixed times) and
 * then the real thing: `meterbox run` with a mistyped community reports `degraded` on /healthz and
 * in its heartbeat, with the counts that let the provider see why.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assessHealth, type SightInput } from '../../src/daemon/health.js';
import type { JobState } from '../../src/daemon/scheduler.js';
import type { Fleet } from '../../src/simulator/fleet.js';
import { DaemonProcess, getJson, labConfig, startLabFleet, tempDir, startLabReceiver, waitFor, writeConfig, type Receiver } from './harness.js';

const now = new Date('2026-11-22T10:00:00Z');
const startedAt = new Date('2026-11-22T09:00:00Z');
const job = (name: string, lastSuccessAt = '2026-11-22T09:59:00Z'): JobState => ({ name, schedule: '0 * * * *', intervalMs: 3_600_000, running: false, runs: 1, failures: 0, overlapsSkipped: 0, triggersMerged: 0, lastSuccessAt });
const base = { now, startedAt, jobs: [job('poll'), job('upload')], jitterMs: {}, store: { writable: true } };
const sight = (s: Partial<SightInput>): SightInput => ({ devices: [], readWindowMs: 3 * 3_600_000, ...s });
const discovery = { addresses: 254, answered: 0, printers: 0, notUnderContract: 0, nonPrinters: 0, credentialsRefused: 0 };

describe('the health verdict', () => {
  it('is degraded when discovery found no printer, saying which of the three ways', () => {
    expect(assessHealth({ ...base, sight: sight({ lastDiscovery: discovery }) })).toEqual({ status: 'degraded', reasons: [expect.stringMatching(/^discovery found no printer: none of the 254 addresses answered SNMP; check the community/)], warnings: [] });
    expect(assessHealth({ ...base, sight: sight({ lastDiscovery: { ...discovery, answered: 3, credentialsRefused: 3 } }) }).reasons).toEqual([expect.stringMatching(/all 3 hosts that answered refused every credential \(MBX_SNMP_AUTH\)/)]);
    expect(assessHealth({ ...base, sight: sight({ lastDiscovery: { ...discovery, answered: 5, nonPrinters: 5 } }) }).reasons).toEqual([expect.stringMatching(/5 hosts answered, 5 of them not printers; check that the targets cover the printer VLANs/)]);
  });

  it('is degraded when a device under contract was not read in its window, or a contracted serial was never found', () => {
    const devices = [
      { key: 'hp:A1', host: '10.1.0.5', lastReadingAt: '2026-11-22T09:30:00Z' },
      { key: 'hp:B2', host: '10.1.0.6', lastReadingAt: '2026-11-22T05:00:00Z' },
    ];
    const v = assessHealth({ ...base, sight: sight({ lastDiscovery: { ...discovery, answered: 2, printers: 2 }, devices, allowNotFound: ['C3'] }) });
    expect(v.status).toBe('degraded');
    expect(v.reasons).toEqual([expect.stringMatching(/^1 device\(s\) under contract not read within 10800 s: hp:B2 at 10\.1\.0\.6 \(last 2026-11-22T05:00:00Z\)/), expect.stringMatching(/^1 serial\(s\) under contract \(devices\.allow\) not found by discovery: C3/)]);
  });

  it('is degraded when a poll read none of the known devices', () => {
    const v = assessHealth({ ...base, sight: sight({ lastPoll: { devices: 4, ok: 0, timedOut: 1, credentialsRefused: 3 }, devices: [{ key: 'k', host: 'h', lastReadingAt: '2026-11-22T09:59:00Z' }] }) });
    expect(v.reasons).toEqual([expect.stringMatching(/^poll read none of the 4 known devices \(1 timed out, 3 refused every credential\)/)]);
  });

  it('is ok when it sees its printers; unhealthy (with the blind reasons after) when a job misses its window', () => {
    expect(assessHealth({ ...base, sight: sight({ lastDiscovery: { ...discovery, answered: 1, printers: 1 }, devices: [{ key: 'k', host: 'h', lastReadingAt: '2026-11-22T09:59:00Z' }] }) })).toEqual({ status: 'ok', reasons: [], warnings: [] });
    const v = assessHealth({ ...base, jobs: [job('upload', '2026-11-22T01:00:00Z')], sight: sight({ lastDiscovery: discovery }) });
    expect(v.status).toBe('unhealthy');
    expect(v.reasons).toEqual([expect.stringMatching(/^upload: no successful run/), expect.stringMatching(/^discovery found no printer/)]);
  });
});

describe('meterbox run with a mistyped community', () => {
  let fleet: Fleet;
  let receiver: Receiver;
  let daemon: DaemonProcess;
  let health: string;

  beforeAll(async () => {
    const dir = tempDir();
    fleet = await startLabFleet(3);
    receiver = await startLabReceiver(dir, 'lab-box');
    const caFile = join(dir, 'receiver-ca.pem');
    writeFileSync(caFile, receiver.certPem);
    const cfg = labConfig({ fleet, dir, providerUrl: receiver.url, caFile });
    // The printers answer only the lab community; this box was given another one.
    cfg.credentials = [{ name: 'typo', version: '2c', community: 'pubic' }];
    cfg.targets = [{ target: `${fleet.devices[0]?.host}-${fleet.devices.at(-1)?.host}`, label: 'lab' }];
    writeConfig(join(dir, 'config.json'), cfg);
    daemon = new DaemonProcess(join(dir, 'config.json'));
    health = await daemon.healthUrl();
  });

  afterAll(async () => {
    daemon?.kill();
    await receiver?.close().catch(() => undefined);
    await fleet?.close();
  });

  it('says degraded on /healthz (200, with the reason) and warns in its log', async () => {
    await daemon.waitForLog((l) => l.component === 'job.discovery' && l.msg === 'job done', 30_000, 'discovery');
    const h = await waitFor(async () => {
      const r = await getJson(`${health}/healthz`);
      return r.body.status === 'degraded' ? r : undefined;
    }, 10_000, '/healthz degraded');
    expect(h.status).toBe(200);
    expect(h.body.reasons).toEqual([expect.stringMatching(/^discovery found no printer: none of the 3 addresses answered SNMP; check the community/)]);
    await daemon.waitForLog((l) => l.level === 'warn' && l.msg.startsWith('health: degraded: discovery found no printer'), 10_000, 'the warning');
  }, 60_000);

  it('tells the provider in its heartbeat: degraded, and 3 hosts timed out', async () => {
    const hb = await waitFor(async () => {
      const last = (await receiver.agents()).find((a) => a.agentId === 'lab-box')?.lastHeartbeat as { health?: { status: string }; lastDiscovery?: Record<string, number> } | undefined;
      return last?.health?.status === 'degraded' && last.lastDiscovery ? last : undefined;
    }, 20_000, 'a degraded heartbeat at the receiver');
    expect(hb.lastDiscovery).toMatchObject({ devices: 0, answered: 0, timedOut: 3, credentialsRefused: 0, nonPrinters: 0 });
  }, 40_000);
});
