/**
 * sd_notify for real: `meterbox run` under a NOTIFY_SOCKET served by a unix datagram listener
 * (python3, since Node has no AF_UNIX datagram sockets) must say READY=1 with a STATUS, ping
 * WATCHDOG=1 at half of WATCHDOG_USEC, and say STOPPING=1 on SIGTERM — what systemd's
 * Type=notify and WatchdogSec rely on. Without python3 or systemd-notify the test skips.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Fleet } from '../../src/simulator/fleet.js';
import { DaemonProcess, freeTcpPort, labConfig, startLabFleet, tempDir, waitFor, writeConfig } from './harness.js';

const HAVE = spawnSync('python3', ['--version']).status === 0 && spawnSync('systemd-notify', ['--help']).status === 0;

// Appends every datagram received on argv[1] to the file argv[2], one message per line (newlines as |).
const LISTENER = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(sys.argv[1])
with open(sys.argv[2], 'a', buffering=1) as out:
    print('listening', flush=True)
    while True:
        out.write(s.recv(65536).decode().replace('\\n', '|') + '\\n')
`;

describe.skipIf(!HAVE)(`sd_notify under a NOTIFY_SOCKET${HAVE ? '' : ' (skipped: needs python3 and systemd-notify)'}`, () => {
  let fleet: Fleet;
  let listener: ChildProcess;
  let daemon: DaemonProcess;
  let received: string;

  beforeAll(async () => {
    const dir = tempDir();
    const socket = join(dir, 'notify.sock');
    received = join(dir, 'notify.log');
    listener = spawn('python3', ['-c', LISTENER, socket, received], { stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((res) => listener.stdout?.once('data', () => res()));
    fleet = await startLabFleet(1);
    const cfg = labConfig({ fleet, dir, providerUrl: `https://127.0.0.1:${await freeTcpPort()}` });
    const configFile = join(dir, 'config.json');
    writeConfig(configFile, cfg);
    // WatchdogSec=2 → pings every second.
    daemon = new DaemonProcess(configFile, { NOTIFY_SOCKET: socket, WATCHDOG_USEC: '2000000' });
  });

  afterAll(async () => {
    daemon?.kill();
    listener?.kill();
    await fleet?.close();
  });

  const messages = () => (existsSync(received) ? readFileSync(received, 'utf8').split('\n').filter(Boolean) : []);

  it('says READY=1 with a status, pings the watchdog, and says STOPPING=1 on SIGTERM', async () => {
    await waitFor(() => (messages().some((m) => m.split('|').includes('READY=1')) ? true : undefined), 20_000, 'READY=1');
    expect(messages().find((m) => m.includes('READY=1'))).toMatch(/STATUS=/);
    await waitFor(() => (messages().filter((m) => m.split('|').includes('WATCHDOG=1')).length >= 2 ? true : undefined), 10_000, 'two WATCHDOG=1 pings');
    daemon.kill('SIGTERM');
    const exit = await daemon.exited;
    expect(exit.code).toBe(0);
    await waitFor(() => (messages().some((m) => m.split('|').includes('STOPPING=1')) ? true : undefined), 5_000, 'STOPPING=1');
  }, 60_000);
});
