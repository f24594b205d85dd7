/**
 * The lab of the remote tests: a simulated fleet, the real receiver over HTTPS on 127.0.0.1 (its
 * certificate as the box's caFile), and `meterbox run` as a child process with a `remote` section;
 * plus what the box last reported about maintenance, as the receiver holds it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { startReceiver } from '../../src/receiver/server.js';
import type { RunningReceiver } from '../../src/receiver/types.js';
import type { Fleet } from '../../src/simulator/fleet.js';
import type { WireRemote } from '../../src/upload/protocol.js';
import { DaemonProcess, TOKEN, labConfig, startLabFleet, tempDir, waitFor, writeConfig } from '../daemon/harness.js';

export const AGENT = 'lab-box';

export interface RemoteLab {
  dir: string;
  fleet: Fleet;
  rx: RunningReceiver;
  daemon: DaemonProcess;
  /** The box's last heartbeat's `remote`, at the receiver. */
  reported(): Promise<WireRemote>;
  /** Waits (up to a minute) until the reported `kind` satisfies `pred`. */
  waitReport<K extends keyof WireRemote>(kind: K, pred: (r: NonNullable<WireRemote[K]>) => boolean, what: string, ms?: number): Promise<NonNullable<WireRemote[K]>>;
  close(): Promise<void>;
}

/** `remote`: the box's remote section, given the lab's directory; `updatesDir`: the receiver's, likewise. */
export async function startRemoteLab(o: { devices: number; remote: (dir: string) => Record<string, unknown>; updatesDir?: (dir: string) => string }): Promise<RemoteLab> {
  const dir = tempDir();
  const fleet = await startLabFleet(o.devices);
  const rx = await startReceiver({ dbPath: join(dir, 'receiver.db'), tokens: { [AGENT]: TOKEN }, ...(o.updatesDir ? { updatesDir: o.updatesDir(dir) } : {}), logger: pino({ level: 'silent' }) });
  const caFile = join(dir, 'receiver-ca.pem');
  writeFileSync(caFile, rx.certPem);
  const configFile = join(dir, 'config.json');
  writeConfig(configFile, labConfig({ fleet, dir, providerUrl: rx.url, caFile, extra: { remote: o.remote(dir) } }));
  const daemon = new DaemonProcess(configFile);
  await daemon.waitForLog((l) => l.msg === 'meterbox running', 30_000, 'the daemon to start');
  const reported = async (): Promise<WireRemote> => ((await rx.agents()).find((x) => x.agentId === AGENT)?.lastHeartbeat?.remote ?? {}) as WireRemote;
  return {
    dir,
    fleet,
    rx,
    daemon,
    reported,
    waitReport: (kind, pred, what, ms = 60_000) =>
      waitFor(async () => {
        const r = (await reported())[kind];
        return r && pred(r) ? r : undefined;
      }, ms, what),
    close: async () => {
      daemon.kill('SIGTERM');
      await daemon.exited;
      await rx.close();
      await fleet.close();
    },
  };
}
