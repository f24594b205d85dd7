/** `meterbox simulate`: serve snmprec recordings or synthetic devices as SNMP agents on loopback. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { DEVICE_FIXTURES } from '../paths.js';
import { listSnmprec, loadSnmprecFile, startFleet, type DeviceSpec } from '../simulator/fleet.js';
import type { Faults } from '../simulator/agent.js';
import { intArg } from './snmp-options.js';
import { basename } from 'node:path';

interface SimulateFlags {
  synthetic?: number;
  first: string;
  port: number | 'auto';
  community: string[];
  latency?: number;
  dropRate?: number;
  bulk?: Faults['bulk'];
  malformed?: boolean;
  maxGetOids?: number;
  json?: boolean;
}

function rate(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('--drop-rate must be between 0 and 1');
  return n;
}

export function simulateCommand(): Command {
  return new Command('simulate')
    .description('serve printers as real SNMP agents on 127.0.0.0/8 addresses, one address per device')
    .argument('[files...]', 'snmprec recordings to serve (default: the bundled device fixtures)')
    .option('--synthetic <n>', 'serve N synthetic devices made from the recordings (unique serials, moving counters)', intArg('--synthetic', 1, 60000))
    .option('--first <address>', 'first loopback address', '127.0.0.2')
    .option('--port <port>', "UDP port, or 'auto' (161 when permitted, else 16161)", (v: string) => (v === 'auto' ? 'auto' : intArg('--port', 1, 65535)(v)), 'auto')
    .option('--community <c>', 'community to answer (repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--latency <ms>', 'added latency per answer', intArg('--latency', 0, 60000))
    .option('--drop-rate <r>', 'fraction of requests left unanswered (0..1)', rate)
    .addOption(new Option('--bulk <behaviour>', 'how GETBULK is answered').choices(['ok', 'silent', 'genErr', 'out-of-order']))
    .option('--malformed', 'answer with bytes that are not SNMP')
    .option('--max-get-oids <n>', 'answer tooBig to GETs with more OIDs', intArg('--max-get-oids', 1, 1000))
    .option('--json', 'print the endpoints as JSON')
    .action(async (files: string[], f: SimulateFlags) => {
      const sources = files.length > 0 ? files.map((p) => ({ name: basename(p, '.snmprec'), path: p })) : listSnmprec(DEVICE_FIXTURES);
      const templates = sources.map((s) => ({ name: s.name, varbinds: loadSnmprecFile(s.path) }));
      const faults: Faults = { latencyMs: f.latency, dropRate: f.dropRate, bulk: f.bulk, malformed: f.malformed, maxGetOids: f.maxGetOids };
      const specs: DeviceSpec[] = f.synthetic
        ? Array.from({ length: f.synthetic }, (_, i) => {
            const t = templates[i % templates.length] as (typeof templates)[number];
            return { name: `${t.name}#${i + 1}`, varbinds: t.varbinds, synthetic: { ordinal: i + 1 }, faults };
          })
        : templates.map((t) => ({ ...t, faults }));
      const communities = f.community.length > 0 ? f.community : ['public'];
      const fleet = await startFleet(specs, { auth: { communities }, firstAddress: f.first, port: f.port, fallbackPort: 16161 });
      const rows = fleet.devices.map((d) => ({ name: d.name, host: d.host, port: d.port, serial: d.serial }));
      if (f.json) process.stdout.write(JSON.stringify({ port: fleet.port, devices: rows }, null, 2) + '\n');
      else {
        for (const r of rows) process.stdout.write(`${r.host}:${r.port}  ${r.name}${r.serial ? `  serial ${r.serial}` : ''}\n`);
        process.stdout.write(`${rows.length} devices on UDP ${fleet.port}; read one with: meterbox read ${rows[0]?.host} --port ${fleet.port}\nCtrl-C stops.\n`);
      }
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await fleet.close();
    });
}
