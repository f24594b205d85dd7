/**
 * `meterbox run` (child process, production jitter) after a provider outage: uploads are
 * scheduled once a year here, so the only way the readings reach the receiver after the first
 * upload fails is the heartbeat that finds the provider back and runs the upload at once.
 */
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startReceiver } from '../../src/receiver/index.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import type { Fleet } from '../../src/simulator/fleet.js';
import { writeFileSync } from 'node:fs';
import { DaemonProcess, TOKEN, labConfig, startLabFleet, tempDir, waitFor, writeConfig, type LogLine } from './harness.js';

describe('meterbox run after a provider outage', () => {
  let fleet: Fleet;
  let rx: RunningReceiver;
  let daemon: DaemonProcess;

  beforeAll(async () => {
    const dir = tempDir();
    fleet = await startLabFleet(2);
    rx = await startReceiver({ dbPath: join(dir, 'receiver.db'), tokens: { 'lab-box': TOKEN }, logger: pino({ level: 'silent' }) });
    const caFile = join(dir, 'ca.pem');
    writeFileSync(caFile, rx.certPem);
    const cfg = labConfig({
      fleet,
      dir,
      providerUrl: rx.url,
      caFile,
      // Discovery runs at start (nothing known yet); nothing else uploads for a year.
      schedules: { discovery: '0 0 1 1 *', poll: '0 0 1 1 *', upload: '0 0 1 1 *', heartbeat: '*/2 * * * * *', jitterSeconds: 1 },
    });
    const file = join(dir, 'config.json');
    writeConfig(file, cfg);
    rx.faults.failNext(1, 503); // the first upload (right after discovery) meets the outage
    daemon = new DaemonProcess(file);
  });
  afterAll(async () => {
    daemon?.kill();
    await rx?.close().catch(() => undefined);
    await fleet?.close();
  });

  it('a heartbeat that gets through ends the backoff and the upload runs at once', async () => {
    const failed = await daemon.waitForLog((l) => l.component === 'job.upload' && l.msg === 'job failed', 30_000, 'the first upload to fail');
    // Nothing got through then. (Not the receiver's count read now: a heartbeat every 2 s may already
    // have lifted the backoff and its upload delivered by the time this test sees the line.)
    expect(failed).toMatchObject({ delivered: 0 });
    expect(rx.requests().find((q) => q.path === '/v1/readings')?.status).toBe(503);
    await daemon.waitForLog((l) => l.msg === 'heartbeat accepted: the provider is back, the upload backoff ends', 30_000, 'the heartbeat to lift the backoff');
    await waitFor(async () => ((await rx.readingCount()) >= 2 ? true : undefined), 30_000, 'readings at the receiver');
    await daemon.waitForLog((l) => l.component === 'job.upload' && l.msg === 'job done' && Number(l.delivered) >= 2, 10_000, 'the upload that delivered them');
    // In that order: the upload that delivered came after the heartbeat that ended the backoff.
    const order = (pred: (l: LogLine) => boolean) => daemon.lines().findIndex(pred);
    expect(order((l) => l.component === 'job.upload' && l.msg === 'job done' && Number(l.delivered) >= 2)).toBeGreaterThan(order((l) => l.msg === 'heartbeat accepted: the provider is back, the upload backoff ends'));
  }, 90_000);
});
