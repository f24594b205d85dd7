/**
 * `meterbox config check [file]` validates a configuration (every problem, with its JSON path,
 * where it is in the file, the bad value and what is expected; exit 78 when invalid; with
 * `--no-secrets` without reading secrets or PEM files) and `meterbox config show` prints the
 * effective configuration (defaults filled in) with every inline secret masked.
 */
import { Command } from 'commander';
import { checkConfigShape, loadConfig } from '../config/load.js';
import { maskConfig } from '../config/redact.js';
import { DEFAULT_CONFIG_PATH, configJsonSchema } from '../config/schema.js';

const defaultPath = () => process.env.METERBOX_CONFIG ?? DEFAULT_CONFIG_PATH;

export function configCommand(): Command {
  const cmd = new Command('config').description('check or show the configuration file');
  cmd
    .command('check')
    .description('validate a configuration file: every problem at once, with its JSON path')
    .argument('[file]', 'configuration file (default: --config, $METERBOX_CONFIG or /etc/meterbox/config.json)')
    .option('-c, --config <file>', 'configuration file')
    .option('--no-secrets', 'check the shape and references only: do not read secret files, credentials, environment variables or PEM files')
    .action((file: string | undefined, f: { config?: string; secrets: boolean }) => {
      const path = file ?? f.config ?? defaultPath();
      if (!f.secrets) {
        const shape = checkConfigShape(path);
        for (const w of shape.warnings) process.stderr.write(`meterbox: warning: ${w}\n`);
        const c = shape.config;
        process.stdout.write(`${path}: valid in shape (agent ${c.agentId}, ${c.targets.length} target(s), ${c.credentials.length} credential set(s), provider ${c.provider.url})\n`);
        if (shape.notRead.length > 0) process.stdout.write(`not read (--no-secrets):\n${shape.notRead.map((n) => `  ${n}`).join('\n')}\n`);
        return;
      }
      const cfg = loadConfig(path);
      for (const w of cfg.warnings) process.stderr.write(`meterbox: warning: ${w}\n`);
      const c = cfg.config;
      process.stdout.write(`${path}: valid (agent ${c.agentId}, ${c.targets.length} target(s), ${cfg.credentials.length} credential set(s), provider ${c.provider.url})\n`);
    });
  cmd
    .command('show')
    .description('print the effective configuration (defaults filled in) with secrets masked')
    .option('-c, --config <file>', 'configuration file')
    .action((f: { config?: string }, sub: Command) => {
      const parentOpts = sub.parent?.parent?.opts() as { config?: string } | undefined;
      const path = f.config ?? parentOpts?.config ?? defaultPath();
      const cfg = loadConfig(path);
      for (const w of cfg.warnings) process.stderr.write(`meterbox: warning: ${w}\n`);
      process.stdout.write(JSON.stringify(maskConfig(cfg.config), null, 2) + '\n');
    });
  cmd
    .command('schema')
    .description('print the JSON Schema of the configuration file')
    .action(() => {
      process.stdout.write(JSON.stringify(configJsonSchema(), null, 2) + '\n');
    });
  return cmd;
}
