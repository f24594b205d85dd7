/** `meterbox run`: the daemon (what systemd starts). Exits 0 after SIGTERM, 2 on a bad config. */
import { Command } from 'commander';
import { DEFAULT_CONFIG_PATH } from '../config/schema.js';
import { Daemon, STOP_BOUND_MS } from '../daemon/daemon.js';

export function runCommand(): Command {
  return new Command('run')
    .description('run the agent: scheduled discovery, polls, uploads and heartbeats; health on localhost; SIGHUP reloads, SIGTERM stops')
    .option('-c, --config <file>', 'configuration file', process.env.METERBOX_CONFIG ?? DEFAULT_CONFIG_PATH)
    .action(async (f: { config: string }) => {
      // The status page's "test communication" runs the doctor's checks, with the daemon's own heartbeat.
      const daemon = await Daemon.start({ configFile: f.config, doctor: async (file, heartbeat) => (await import('./doctor.js')).runDoctor(file, { heartbeat }) });
      await new Promise<void>((resolve) => {
        const stop = (sig: string) => {
          // A hard bound behind the soft one: whatever hangs, systemd sees a clean, timely exit.
          setTimeout(() => process.exit(0), STOP_BOUND_MS + 500).unref();
          daemon.stop(sig).then(resolve, resolve);
        };
        process.once('SIGTERM', () => stop('SIGTERM'));
        process.once('SIGINT', () => stop('SIGINT'));
        process.on('SIGHUP', () => void daemon.reload());
      });
      process.exit(0);
    });
}
