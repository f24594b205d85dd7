/**
 * sd_notify for Type=notify units, through systemd's own `systemd-notify` (Node cannot send on a
 * unix datagram socket without a native addon). Without systemd (NOTIFY_SOCKET unset) every call
 * is a no-op. The unit sets NotifyAccess=all because the message comes from the helper process;
 * systemd-notify waits until the manager has processed it, so the helper's exit does not race it.
 */
import { execFile } from 'node:child_process';
import type { Logger } from 'pino';

export interface Notifier {
  readonly enabled: boolean;
  /** Milliseconds between watchdog pings (half of WatchdogSec), when the watchdog is on. */
  readonly watchdogIntervalMs?: number;
  ready(status?: string): Promise<void>;
  status(text: string): Promise<void>;
  watchdog(): Promise<void>;
  reloading(): Promise<void>;
  stopping(): Promise<void>;
}

export function createNotifier(log: Logger, env: NodeJS.ProcessEnv = process.env, binary = 'systemd-notify'): Notifier {
  const socket = env.NOTIFY_SOCKET;
  const usec = Number(env.WATCHDOG_USEC);
  const watchdogPid = env.WATCHDOG_PID ? Number(env.WATCHDOG_PID) : process.pid;
  const watchdogIntervalMs = socket && Number.isFinite(usec) && usec > 0 && watchdogPid === process.pid ? Math.max(500, Math.floor(usec / 2000)) : undefined;
  let warned = false;
  const send = (...lines: string[]): Promise<void> => {
    if (!socket) return Promise.resolve();
    return new Promise((resolve) => {
      execFile(binary, lines, { env: { ...env, NOTIFY_SOCKET: socket }, timeout: 5000 }, (err) => {
        if (err && !warned) {
          warned = true;
          log.warn({ err: err.message, binary }, 'sd_notify failed; is systemd-notify installed?');
        }
        resolve();
      });
    });
  };
  return {
    enabled: socket !== undefined && socket !== '',
    watchdogIntervalMs,
    ready: (status) => send('READY=1', `MAINPID=${process.pid}`, ...(status ? [`STATUS=${status}`] : [])),
    status: (text) => send(`STATUS=${text}`),
    watchdog: () => send('WATCHDOG=1'),
    reloading: () => send('RELOADING=1'),
    stopping: () => send('STOPPING=1'),
  };
}
