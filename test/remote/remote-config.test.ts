/**
 * Remote configuration end to end on one machine: the real receiver over HTTPS on 127.0.0.1 signs
 * and serves documents (src/receiver/publish.ts), `meterbox run` as a child process verifies them,
 * applies them through the SIGHUP path, reports the outcome in its heartbeat, and rolls back a
 * configuration that leaves it unhealthy. One story, steps in order.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, signDocument } from '../../src/remote/envelope.js';
import { maintenanceState, publishConfig } from '../../src/receiver/publish.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import type { WireRemote } from '../../src/upload/protocol.js';
import { freeTcpPort, waitFor, type DaemonProcess, type LogLine } from '../daemon/harness.js';
import { AGENT, startRemoteLab, type RemoteLab } from './lab.js';
const provider = generateSigningKey();
const stranger = generateSigningKey();

describe('remote configuration from the receiver', () => {
  let lab: RemoteLab;
  let rx: RunningReceiver;
  let daemon: DaemonProcess;
  let published = 0;

  const reported = async () => (await lab.reported()).config;
  const waitReport = (pred: (r: NonNullable<WireRemote['config']>) => boolean, what: string, ms?: number) => lab.waitReport('config', pred, what, ms);
  const publish = async (payload: Record<string, unknown>) => {
    const [r] = await publishConfig(payload, { store: rx.store, privatePem: provider.privatePem, agentIds: [AGENT] });
    published = (r as { version: number }).version;
    return published;
  };
  const schedulesLogged = (): LogLine[] => daemon.lines().filter((l) => l.msg === 'configuration reloaded');

  beforeAll(async () => {
    lab = await startRemoteLab({ devices: 2, remote: () => ({ keys: [provider.publicText], healthWindowSeconds: 15 }) });
    ({ rx, daemon } = lab);
    // Healthy before anything is published: a poll read the fleet and a heartbeat went through.
    await waitFor(async () => (await rx.agents()).some((a) => a.agentId === AGENT) && (await rx.readingCount()) > 0, 60_000, 'first readings at the receiver');
  }, 120_000);

  afterAll(async () => {
    await lab?.close();
  });

  it('applies a signed configuration: the poll schedule changes, the box reports it applied once healthy', async () => {
    const v = await publish({ schedules: { poll: '*/3 * * * * *', upload: '*/2 * * * * *', heartbeat: '*/2 * * * * *', discovery: '0 0 1 1 *', retention: '0 0 1 1 *', jitterSeconds: 120 } });
    const line = await daemon.waitForLog((l) => l.msg === 'configuration reloaded' && l.why === `remote configuration ${v}`, 60_000, 'the remote configuration applied');
    expect((line.schedules as Record<string, string>).poll).toBe('*/3 * * * * *');
    const r = await waitReport((x) => x.version === v && x.state === 'applied', 'the applied report');
    expect(r.inForce).toBe(v);
    const view = await maintenanceState(rx.store, await rx.agents());
    expect(view.agents.find((a) => a.agentId === AGENT)?.config).toMatchObject({ published: v, behind: false });
    // The SIGHUP path keeps the remote configuration in force over the local file.
    daemon.child.kill('SIGHUP');
    const again = await daemon.waitForLog((l) => l.msg === 'configuration reloaded' && l.why === 'SIGHUP', 30_000, 'the reload');
    expect((again.schedules as Record<string, string>).poll).toBe('*/3 * * * * *');
  }, 120_000);

  it('refuses a configuration signed by another key, and one that sets what only the local file may; the running one stays', async () => {
    const before = schedulesLogged().length;
    const good = published;
    // Signed by a key that is not pinned, stored as the receiver would serve it.
    const version = good + 1;
    const doc = signDocument({ kind: 'config', agentId: AGENT, version, expiresAt: new Date(Date.now() + 3_600_000).toISOString(), payload: { logging: { level: 'debug' } } }, stranger.privatePem);
    expect(await rx.store.publish({ agentId: AGENT, kind: 'config', version, document: JSON.stringify(doc), summary: { sections: ['logging'] }, createdAt: new Date().toISOString() })).toBe(true);
    const refused = await waitReport((x) => x.version === version && x.state === 'refused', 'the refusal of the foreign signature');
    expect(refused).toMatchObject({ code: 'MBX_REMOTE_SIGNATURE', inForce: good });
    expect(refused.reason).toMatch(/not pinned/);
    await daemon.waitForLog((l) => l.level === 'error' && /refused/.test(l.msg) && l.code === 'MBX_REMOTE_SIGNATURE', 10_000, 'the refusal in the log');

    const v2 = await publish({ provider: { url: 'https://attacker.test', token: 'x' }, logging: { level: 'debug' } });
    const r2 = await waitReport((x) => x.version === v2 && x.state === 'refused', 'the refusal of a local-only section');
    expect(r2).toMatchObject({ code: 'MBX_REMOTE_CONFIG_INVALID', inForce: good });
    expect(r2.reason).toContain('$.provider');
    const v3 = await publish({ credentials: [{ name: 'lab', version: '2c', community: 'inline-secret' }] });
    const r3 = await waitReport((x) => x.version === v3 && x.state === 'refused', 'the refusal of an inline secret');
    expect(r3.reason).toContain('$.credentials[0].community');
    expect(daemon.stdout).not.toContain('inline-secret');
    expect(schedulesLogged().length).toBe(before);
  }, 120_000);

  it('rolls back a configuration that leaves the box unhealthy, and says why', async () => {
    const good = (await reported())?.inForce ?? 0;
    expect(good).toBeGreaterThan(0);
    // Nothing answers SNMP on this port: every poll times out, the verdict is degraded.
    const v = await publish({ snmp: { port: await freeTcpPort(), timeoutMs: 300, retries: 0 } });
    await waitReport((x) => x.version === v && x.state === 'pending', 'the probation');
    const r = await waitReport((x) => x.version === v && x.state === 'rolled-back', 'the rollback', 90_000);
    expect(r).toMatchObject({ code: 'MBX_REMOTE_ROLLED_BACK', inForce: good });
    expect(r.reason).toMatch(/not healthy within 15 s/);
    expect(r.reason).toMatch(/degraded|unhealthy/);
    await daemon.waitForLog((l) => l.msg === 'configuration reloaded' && l.why === `rollback of remote configuration ${v}`, 10_000, 'the rollback applied');
    // Healthy again on the known-good configuration: polls read the fleet.
    const count = await rx.readingCount();
    await waitFor(async () => (await rx.readingCount()) > count, 60_000, 'readings after the rollback');
    // The events reached the provider too, with the heartbeats that followed them.
    const events = await waitFor(async () => {
      const e = await rx.store.events({ agentId: AGENT, kind: 'remote.config-rolled-back' });
      return e.length > 0 ? e : undefined;
    }, 30_000, 'the rollback event at the receiver');
    expect(events[0]?.message).toContain(`remote configuration ${v}: rolled-back`);
    expect((await rx.store.events({ agentId: AGENT, kind: 'remote.config-refused' })).length).toBe(3);
  }, 180_000);
});
