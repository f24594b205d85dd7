/**
 * `meterbox dump <host>`: walk the printer-relevant subtrees and write snmprec, so an installer
 * can send us a recording of an unknown model and it becomes a fixture.
 */
import { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { SnmpClient } from '../snmp/client.js';
import { formatSnmprecLine } from '../snmp/snmprec.js';
import { compareOids, isUnder } from '../snmp/oid.js';
import { SYS } from '../profiles/standard-mib.js';
import { everyPlannedOid, fetchPlan, probe } from '../reader/read-device.js';
import type { SnmpValue, Varbind } from '../snmp/values.js';
import { addSnmpOptions, targetFromFlags, type SnmpFlags } from './snmp-options.js';

/** system, interfaces, host resources, printer MIB, PWG port monitor; plus the device's enterprise. */
const DUMP_ROOTS = ['1.3.6.1.2.1.1', '1.3.6.1.2.1.2', '1.3.6.1.2.1.25', '1.3.6.1.2.1.43', '1.3.6.1.4.1.2699.1.2'];

export function dumpCommand(): Command {
  const cmd = new Command('dump')
    .description('record the printer-relevant SNMP subtrees of a device as snmprec (OID|TYPE|VALUE)')
    .argument('<host>', 'IP address or host name of the device')
    .option('-o, --output <file>', 'write to this file instead of stdout');
  addSnmpOptions(cmd);
  cmd.action(async (host: string, flags: SnmpFlags & { output?: string }) => {
    const client = new SnmpClient(targetFromFlags(host, flags));
    try {
      // The probe every read starts with: it names the device's enterprise subtree, and its objects outside the subtrees are kept.
      const answers = await probe(client);
      const objectID = answers.get(SYS.objectID);
      const roots = [...DUMP_ROOTS];
      const enterprise = objectID?.type === 'oid' ? /^(1\.3\.6\.1\.4\.1\.\d+)/.exec(objectID.value)?.[1] : undefined;
      if (enterprise && !roots.includes(enterprise)) roots.push(enterprise);
      const all: Varbind[] = [];
      for (const root of roots) {
        // One subtree at a time: vendor subtrees can be large and we want steady progress.
        const vbs = await client.walk(root);
        all.push(...vbs);
        process.stderr.write(`meterbox: ${host}: ${root}: ${vbs.length} objects\n`);
      }
      // Objects some profile reads outside those subtrees (e.g. OKI's 1284 ID in HP's MIB): without them the
      // recording would not read back the same.
      const covered = (oid: string) => roots.some((r) => oid === r || isUnder(oid, r));
      const planned = everyPlannedOid();
      const extra = new Map<string, SnmpValue>([...answers].filter(([oid]) => !covered(oid)));
      await fetchPlan(client, extra, { get: planned.get.filter((o) => !covered(o)), walk: planned.walk.filter((o) => !covered(o)) });
      for (const [oid, value] of extra) all.push({ oid, value });
      process.stderr.write(`meterbox: ${host}: objects read by profiles outside these subtrees: ${extra.size}\n`);
      all.sort((a, b) => compareOids(a.oid, b.oid));
      const out = flags.output ? createWriteStream(flags.output) : process.stdout;
      for (const vb of all) out.write(formatSnmprecLine(vb) + '\n');
      if (flags.output) await new Promise<void>((res) => (out as ReturnType<typeof createWriteStream>).end(() => res()));
      process.stderr.write(`meterbox: ${host}: ${all.length} objects in ${client.stats.requests} requests${flags.output ? ` written to ${flags.output}` : ''}\n`);
    } finally {
      client.close();
    }
  });
  return cmd;
}
