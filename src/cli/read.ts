/** `meterbox read <host>`: one read of one printer, as the provider would bill it. */
import { Command } from 'commander';
import { readDevice } from '../reader/read-device.js';
import { addSnmpOptions, targetFromFlags, type SnmpFlags } from './snmp-options.js';
import { formatReading } from './format-reading.js';

export function readCommand(): Command {
  const cmd = new Command('read')
    .description('read identity, page counters, supplies and status of one printer')
    .argument('<host>', 'IP address or host name of the printer')
    .option('--json', 'print exactly one Reading as JSON on stdout');
  addSnmpOptions(cmd);
  cmd.action(async (host: string, flags: SnmpFlags & { json?: boolean }) => {
    const { reading, problems, stats, ms } = await readDevice(targetFromFlags(host, flags));
    if (flags.json) {
      process.stdout.write(JSON.stringify(reading, null, 2) + '\n');
      // The Reading stays exactly what the provider gets; its problems go to stderr.
      for (const p of problems) process.stderr.write(`meterbox: ${p.kind}: ${p.message}\n`);
    } else {
      process.stdout.write(formatReading(reading, problems) + '\n');
      process.stdout.write(`\n${stats.requests} SNMP requests in ${ms} ms${stats.bulkFallbacks ? ' (GETBULK broken, walked with GETNEXT)' : ''}\n`);
    }
    for (const s of stats.skipped) process.stderr.write(`meterbox: ${host}: skipped unreadable object ${s.oid} (${s.code})\n`);
  });
  return cmd;
}
