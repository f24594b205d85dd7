/** `meterbox receiver`: the reference provider receiver (HTTPS + SQLite), and `receiver agents`. */
import Table from 'cli-table3';
import { Command } from 'commander';
import { existsSync, writeFileSync } from 'node:fs';
import { MeterboxError } from '../errors.js';
import { ReceiverDb } from '../receiver/db.js';
import { startReceiver } from '../receiver/server.js';
import type { AgentRow } from '../receiver/types.js';
import { age } from './status.js';

function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v) ?? /^()()(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new MeterboxError('MBX_USAGE', `--listen wants HOST:PORT (e.g. 0.0.0.0:8443), got '${v}'`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

function positiveInt(name: string, v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new MeterboxError('MBX_USAGE', `${name} wants a positive whole number, got '${v}'`);
  return n;
}

export function formatAgents(agents: readonly AgentRow[], staleAfter: number): string {
  if (agents.length === 0) return 'no agents yet';
  const t = new Table({ head: ['agent', 'last seen', 'state', 'version', 'readings', 'last reading'], style: { head: [], border: [], compact: true } });
  for (const a of agents) {
    t.push([
      a.agentId,
      a.lastSeen ? `${a.lastSeen} (${age(a.secondsSinceSeen ?? 0)} ago)` : 'never',
      a.stale ? `STALE (> ${age(staleAfter)})` : 'ok',
      a.version ?? '—',
      String(a.readings),
      a.lastReadingAt ?? '—',
    ]);
  }
  return t.toString();
}

export function receiverCommand(): Command {
  const cmd = new Command('receiver')
    .description('run the reference provider receiver: HTTPS endpoint for agents, SQLite storage, agent health')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .option('--db <file>', 'receiver database (created when missing)', 'receiver.db')
    .option('--tokens <file>', 'JSON file { "<agentId>": "<token>", … }')
    .option('--cert <file>', 'PEM certificate (default: a self-signed one is generated)')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--write-cert <file>', 'write the served certificate here (agents can trust it as their caFile)')
    .option('--stale-after <seconds>', 'an agent is stale after this long without a heartbeat', '900')
    .option('--admin-port <port>', 'fault-injection admin endpoint on 127.0.0.1 (tests only)')
    .action(async (f: { listen: string; db: string; tokens?: string; cert?: string; key?: string; writeCert?: string; staleAfter: string; adminPort?: string }) => {
      if (!f.tokens) throw new MeterboxError('MBX_USAGE', 'receiver needs --tokens FILE (JSON { "<agentId>": "<token>" })');
      const { host, port } = parseListen(f.listen);
      const rx = await startReceiver({
        host,
        port,
        dbPath: f.db,
        tokensFile: f.tokens,
        ...(f.cert ? { certFile: f.cert } : {}),
        ...(f.key ? { keyFile: f.key } : {}),
        staleAfterSeconds: positiveInt('--stale-after', f.staleAfter),
        ...(f.adminPort !== undefined ? { adminPort: Number(f.adminPort) } : {}),
      });
      if (f.writeCert) writeFileSync(f.writeCert, rx.certPem);
      process.stdout.write(
        `receiver listening on ${rx.url}\n` +
          `certificate SHA-256 fingerprint ${rx.fingerprint}${f.cert ? '' : ' (self-signed, generated now)'}\n` +
          (f.writeCert ? `certificate written to ${f.writeCert}\n` : '') +
          (rx.adminUrl ? `admin (fault injection) on ${rx.adminUrl}\n` : '') +
          `database ${f.db}\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void rx.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
  cmd
    .command('agents')
    .description('list agents with their last heartbeat and whether they are stale')
    .option('--db <file>', 'receiver database', 'receiver.db')
    .option('--stale-after <seconds>', 'an agent is stale after this long without a heartbeat', '900')
    .option('--json', 'print JSON')
    .action((own: { db: string; staleAfter: string; json?: boolean }) => {
      // `receiver` has --db and --stale-after too and may take them first: a value given on the command line wins.
      const f = { ...own };
      if (cmd.getOptionValueSource('db') === 'cli') f.db = cmd.opts<{ db: string }>().db;
      if (cmd.getOptionValueSource('staleAfter') === 'cli') f.staleAfter = cmd.opts<{ staleAfter: string }>().staleAfter;
      if (!existsSync(f.db)) throw new MeterboxError('MBX_USAGE', `${f.db}: no receiver database here (use --db)`);
      const stale = positiveInt('--stale-after', f.staleAfter);
      const db = new ReceiverDb(f.db);
      try {
        const agents = db.agents(new Date(), stale);
        process.stdout.write((f.json ? JSON.stringify({ at: new Date().toISOString(), staleAfterSeconds: stale, agents }, null, 2) : formatAgents(agents, stale)) + '\n');
      } finally {
        db.close();
      }
    });
  return cmd;
}
