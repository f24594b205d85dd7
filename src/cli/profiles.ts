/** `meterbox profiles`: which devices this build recognises and what it reads from them. */
import { Command } from 'commander';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../paths.js';
import { PROFILES } from '../profiles/index.js';
import { renderSupportedDevices, replaceSupportedDevices } from '../profiles/supported-devices.js';

export function profilesCommand(): Command {
  return new Command('profiles')
    .description('list the supported devices (vendor profiles) as a Markdown table')
    .option('--write-readme', "rewrite the README's Supported devices table (for maintainers)")
    .action((f: { writeReadme?: boolean }) => {
      const table = renderSupportedDevices(PROFILES);
      if (!f.writeReadme) {
        process.stdout.write(table + '\n');
        return;
      }
      const path = join(PACKAGE_ROOT, 'README.md');
      writeFileSync(path, replaceSupportedDevices(readFileSync(path, 'utf8'), table));
      process.stderr.write(`meterbox: updated ${path}\n`);
    });
}
