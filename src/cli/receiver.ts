/**
 * `meterbox receiver`: the provider's server (HTTPS; SQLite or PostgreSQL), plus `receiver agents`,
 * `receiver token add|revoke|list|hash` and `receiver migrate`. `--workers N` runs N node
 * processes on one port (node:cluster), for Node versions without SO_REUSEPORT.
 */
import Table from 'cli-table3';
import cluster from 'node:cluster';
import { Command } from 'commander';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { MeterboxError } from '../contract/errors.js';
import { parseContract, type BillingContract } from '../billing/index.js';
import { selfSignedPair } from '../net/tls.js';
import { isPostgresUrl, openStore } from '../receiver/store/open.js';
import type { ReceiverStore } from '../receiver/store/types.js';
import { startReceiver } from '../receiver/server.js';
import { AGENT_ID, generateToken, hashToken } from '../receiver/tokens.js';
import { maintenanceState, publishConfig, publishUpdate } from '../receiver/publish.js';
import { generateSigningKey } from '../remote/envelope.js';
import type { AgentRow, ReceiverOptions, TokenRow } from '../receiver/types.js';
import { age } from './status.js';
import { BILLING_EXPORT, billingDocument, exportCsv, exportRecords, parseBillingPeriod, storeBillingContext } from '../web/fleet/billing.js';
import { UsageCache } from '../web/fleet/usage.js';

function parseListen(v: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(v) ?? /^()()(\d{1,5})$/.exec(v);
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new MeterboxError('MBX_USAGE', `--listen wants HOST:PORT (e.g. 0.0.0.0:8443), got '${v}'`);
  return { host: m[1] || m[2] || '127.0.0.1', port };
}

function wholeNumber(name: string, v: string, min = 1): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new MeterboxError('MBX_USAGE', `${name} wants a whole number of at least ${min}, got '${v}'`);
  return n;
}

// No commander default: $MBX_RECEIVER_DB may hold a password, and --help prints defaults.
const DEFAULT_DB = () => process.env.MBX_RECEIVER_DB ?? 'receiver.db';
const DB_HELP = 'SQLite file or postgres:// URL (default: $MBX_RECEIVER_DB, else receiver.db)';
const UPDATES_HELP = 'where published packages are kept and served from (GET /v1/updates/<sha256>.deb; default: $MBX_RECEIVER_UPDATES); every node needs the same directory';
const SIGNING_KEY_HELP = "the provider's Ed25519 signing key, PEM (default: $MBX_SIGNING_KEY, else provider-signing.key); make one with `receiver keygen`";

function readSigningKey(file: string | undefined): string {
  const path = file ?? process.env.MBX_SIGNING_KEY ?? 'provider-signing.key';
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new MeterboxError('MBX_USAGE', `${path}: cannot read the signing key (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); make one with \`meterbox receiver keygen --out ${path}\``, { path });
  }
}

/** --agent ID (repeatable) or --all: every agent with a token or a heartbeat. */
async function targetAgents(store: ReceiverStore, o: { agent?: string[]; all?: boolean }): Promise<string[]> {
  if (!!o.all === !!o.agent?.length) throw new MeterboxError('MBX_USAGE', 'name the agents with --agent ID (repeatable) or use --all');
  if (o.agent) {
    for (const a of o.agent) if (!AGENT_ID.test(a)) throw new MeterboxError('MBX_USAGE', `'${a}' is not a valid agent id`);
    return o.agent;
  }
  return (await store.agents(new Date(), 900)).map((a) => a.agentId);
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** `receiver keygen`, `publish-config`, `publish-update`, `maintenance`: signed maintenance for the boxes (src/receiver/publish.ts). */
function maintenanceCommands(cmd: Command): void {
  cmd
    .command('keygen')
    .description("make the provider's Ed25519 signing key; prints the public key to pin in each box's remote.keys")
    .requiredOption('--out <file>', 'where to write the private key (PEM, mode 0600; never overwritten)')
    .action((o: { out: string }) => {
      if (existsSync(o.out)) throw new MeterboxError('MBX_USAGE', `${o.out} exists; a new key would orphan every box that pins the old one (add the new public key to remote.keys first, then switch)`);
      const k = generateSigningKey();
      writeFileSync(o.out, k.privatePem, { mode: 0o600, flag: 'wx' });
      process.stdout.write(`${k.publicText}\n`);
      process.stderr.write(`private key written to ${o.out} (keep it offline if you can: whoever holds it can configure and update every box)\npin the public key in each box: "remote": { "keys": ["${k.publicText}"] }\n`);
    });
  cmd
    .command('publish-config')
    .description('sign a remote configuration (schedules, targets, exclude, credentials by reference, devices, snmp, logging, billing) for agents; heartbeats carry it until they report it')
    .argument('<file>', 'JSON file with the sections to set')
    .option('--db <file|url>', DB_HELP)
    .option('--agent <agentId>', 'an agent to publish for (repeatable)', collect)
    .option('--all', 'every agent the receiver knows (a token or a heartbeat)')
    .option('--signing-key <file>', SIGNING_KEY_HELP)
    .option('--expires-in <seconds>', 'a box that has not taken it by then refuses it', String(7 * 86_400))
    .option('--json', 'print JSON')
    .action(async (file: string, o: { agent?: string[]; all?: boolean; signingKey?: string; expiresIn: string; json?: boolean }, sub: Command) => {
      let payload: unknown;
      try {
        payload = JSON.parse(readFileSync(file, 'utf8'));
      } catch (err) {
        throw new MeterboxError('MBX_USAGE', `${file}: not a readable JSON file (${(err as Error).message})`, { path: file });
      }
      const privatePem = readSigningKey(o.signingKey);
      const out = await withStore(dbFor(cmd, sub), async (store) => publishConfig(payload, { store, privatePem, agentIds: await targetAgents(store, o), ttlSeconds: wholeNumber('--expires-in', o.expiresIn) }));
      process.stdout.write(o.json ? `${JSON.stringify({ published: out })}\n` : out.map((r) => `config ${r.version} published for ${r.agentId}\n`).join(''));
    });
  cmd
    .command('publish-update')
    .description('sign an update manifest for a .deb and serve the package; boxes install it in their maintenance window')
    .argument('<deb>', 'the package (meterbox_<version>_<arch>.deb)')
    .option('--db <file|url>', DB_HELP)
    .option('--updates-dir <dir>', UPDATES_HELP)
    .option('--agent <agentId>', 'an agent to publish for (repeatable; default: every agent)', collect)
    .option('--signing-key <file>', SIGNING_KEY_HELP)
    .option('--version <version>', "the package version (default: the .deb's control file)")
    .option('--expires-in <seconds>', 'a box that has not taken it by then refuses it', String(30 * 86_400))
    .option('--json', 'print JSON')
    .action(async (deb: string, o: { agent?: string[]; updatesDir?: string; signingKey?: string; version?: string; expiresIn: string; json?: boolean }, sub: Command) => {
      // `receiver` has --updates-dir too and may take it first.
      const dir = o.updatesDir ?? cmd.opts<{ updatesDir?: string }>().updatesDir ?? process.env.MBX_RECEIVER_UPDATES;
      if (!dir) throw new MeterboxError('MBX_USAGE', 'publish-update needs --updates-dir (the directory `meterbox receiver --updates-dir` serves)');
      const privatePem = readSigningKey(o.signingKey);
      const out = await withStore(dbFor(cmd, sub), async (store) =>
        publishUpdate(deb, dir, { store, privatePem, agentIds: await targetAgents(store, o.agent?.length ? o : { all: true }), ttlSeconds: wholeNumber('--expires-in', o.expiresIn), ...(o.version ? { version: o.version } : {}) }),
      );
      const m = out.manifest;
      process.stdout.write(o.json ? `${JSON.stringify({ manifest: m, published: [...out] })}\n` : `${m ? `update ${m.version} (${m.size} bytes, sha256 ${m.sha256}) at ${m.url}\n` : ''}${out.map((r) => `manifest ${r.version} published for ${r.agentId}\n`).join('')}`);
    });
  cmd
    .command('maintenance')
    .description('per agent: the configuration and update published, what it reported, and whether it is behind (JSON)')
    .option('--db <file|url>', DB_HELP)
    .option('--behind', 'only the agents that are behind')
    .action(async (o: { behind?: boolean }, sub: Command) => {
      const view = await withStore(dbFor(cmd, sub), async (store) => maintenanceState(store, await store.agents(new Date(), 900)));
      const agents = o.behind ? view.agents.filter((a) => a.config.behind || a.update.behind) : view.agents;
      process.stdout.write(`${JSON.stringify({ at: new Date().toISOString(), ...(view.latestVersion ? { latestVersion: view.latestVersion } : {}), agents }, null, 2)}\n`);
    });
}

function formatAgents(agents: readonly AgentRow[], staleAfter: number): string {
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

/** The billing export as a table for a person: units per device, estimated, flags. */
export function formatBilling(records: readonly Record<string, string | number | boolean | undefined>[]): string {
  if (records.length === 0) return 'no devices';
  const t = new Table({ head: ['agent', 'device', 'serial', 'model', 'mono', 'colour', 'scan', 'estimated', 'source', 'flags'], style: { head: [], border: [], compact: true } });
  const cell = (v: string | number | boolean | undefined) => (v === undefined ? '—' : String(v));
  for (const r of records) t.push([r.agent_id, r.device_key, r.serial, r.model, r.units_mono, r.units_color, r.units_scan, r.estimated ? 'yes' : 'no', r.source, r.flags].map(cell));
  const notes = records.filter((r) => r.not_computable).map((r) => `${r.device_key}: not computable: ${r.not_computable}`);
  return [t.toString(), ...notes].join('\n');
}

function formatTokens(tokens: readonly TokenRow[]): string {
  if (tokens.length === 0) return 'no tokens in the database (tokens in a --tokens file are not listed here)';
  const t = new Table({ head: ['id', 'kind', 'agent / name', 'role', 'label', 'created', 'revoked'], style: { head: [], border: [], compact: true } });
  for (const k of tokens) t.push([k.id, k.kind, k.agentId ?? k.name ?? '', k.role ?? '', k.label ?? '', k.createdAt, k.revokedAt ?? '']);
  return t.toString();
}

/**
 * Opens the store of a management subcommand. A SQLite file must exist already (a typo should not
 * create an empty database), unless `create` (`token add` may be the first thing done to a new one).
 */
async function withStore<T>(db: string, fn: (s: ReceiverStore) => Promise<T>, create = false): Promise<T> {
  if (!create && !isPostgresUrl(db) && !existsSync(db)) throw new MeterboxError('MBX_USAGE', `${db}: no receiver database here (use --db)`);
  const store = await openStore(db);
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** `--db` of a subcommand: its own when given, else the one given to `receiver`, else the default. */
function dbFor(root: Command, own: Command): string {
  return own.opts<{ db?: string }>().db ?? root.opts<{ db?: string }>().db ?? DEFAULT_DB();
}

interface RunFlags {
  listen: string;
  db?: string;
  tokens?: string;
  cert?: string;
  key?: string;
  writeCert?: string;
  staleAfter: string;
  adminPort?: string;
  webhook?: string;
  webhookSecretFile?: string;
  commandTtl: string;
  maxDecompressions?: string;
  maxInflightMb?: string;
  maxBodyMb?: string;
  rateLimit?: string;
  poolSize?: string;
  reusePort?: boolean;
  workers: string;
  sweepInterval?: string;
  billing?: string;
  updatesDir?: string;
}

/**
 * The receiver's billing contract from a JSON file (`--billing FILE`): the same object as the
 * agent config's `billing` section; every field defaults to the contract. MBX_CONFIG_INVALID names
 * the file and the field.
 */
export function readContractFile(file: string | undefined): BillingContract {
  if (!file) return parseContract({});
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new MeterboxError('MBX_CONFIG_INVALID', `${file}: not a JSON billing contract: ${(err as Error).message}`, { path: file });
  }
  try {
    return parseContract(doc, 'billing');
  } catch (err) {
    if (err instanceof MeterboxError) throw new MeterboxError('MBX_CONFIG_INVALID', `${file}: ${err.message}`, { ...err.context, file });
    throw err;
  }
}

function receiverOptions(f: RunFlags): ReceiverOptions {
  const { host, port } = parseListen(f.listen);
  const secret = f.webhookSecretFile ? readFileSync(f.webhookSecretFile, 'utf8').trim() : process.env.MBX_RECEIVER_WEBHOOK_SECRET;
  // Workers get the primary's certificate (a self-signed one is generated once, not per worker).
  const cert = f.cert ? { certFile: f.cert } : process.env.MBX_RECEIVER_CERT_PEM ? { cert: process.env.MBX_RECEIVER_CERT_PEM } : {};
  const key = f.key ? { keyFile: f.key } : process.env.MBX_RECEIVER_KEY_PEM ? { key: process.env.MBX_RECEIVER_KEY_PEM } : {};
  return {
    host,
    port,
    db: f.db ?? DEFAULT_DB(),
    ...(f.tokens ? { tokensFile: f.tokens } : {}),
    ...cert,
    ...key,
    staleAfterSeconds: wholeNumber('--stale-after', f.staleAfter),
    commandTtlSeconds: wholeNumber('--command-ttl', f.commandTtl),
    ...(f.adminPort !== undefined ? { adminPort: wholeNumber('--admin-port', f.adminPort, 0) } : {}),
    ...(f.webhook ? { webhook: { url: f.webhook, ...(secret ? { secret } : {}) } } : {}),
    ...(f.poolSize ? { poolSize: wholeNumber('--pool-size', f.poolSize) } : {}),
    ...(f.reusePort ? { reusePort: true } : {}),
    ...(f.sweepInterval ? { sweepIntervalMs: wholeNumber('--sweep-interval', f.sweepInterval) } : {}),
    billing: readContractFile(f.billing),
    ...((f.updatesDir ?? process.env.MBX_RECEIVER_UPDATES) ? { updatesDir: f.updatesDir ?? process.env.MBX_RECEIVER_UPDATES } : {}),
    limits: {
      ...(f.maxDecompressions ? { maxConcurrentDecompressions: wholeNumber('--max-decompressions', f.maxDecompressions) } : {}),
      ...(f.maxInflightMb ? { maxInflightBytes: wholeNumber('--max-inflight-mb', f.maxInflightMb) * 1024 * 1024 } : {}),
      ...(f.maxBodyMb ? { maxBodyBytes: wholeNumber('--max-body-mb', f.maxBodyMb) * 1024 * 1024 } : {}),
      ...(f.rateLimit !== undefined ? { agentRequestsPerMinute: wholeNumber('--rate-limit', f.rateLimit, 0) } : {}),
    },
  };
}

const untilSignal = () =>
  new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });

/** One node: serve until SIGTERM/SIGINT, then finish the requests in flight and close. */
async function runNode(f: RunFlags): Promise<void> {
  let rx;
  try {
    rx = await startReceiver(receiverOptions(f));
  } catch (err) {
    // A worker's IPC channel would keep a worker that cannot start alive, neither serving nor replaced.
    if (cluster.isWorker) cluster.worker?.disconnect();
    throw err;
  }
  if (cluster.isWorker) {
    process.send?.({ type: 'listening', url: rx.url, fingerprint: rx.fingerprint, pid: process.pid });
  } else {
    if (f.writeCert) writeFileSync(f.writeCert, rx.certPem);
    process.stdout.write(
      `receiver listening on ${rx.url}\n` +
        `certificate SHA-256 fingerprint ${rx.fingerprint}${f.cert ? '' : ' (self-signed, generated now)'}\n` +
        (f.writeCert ? `certificate written to ${f.writeCert}\n` : '') +
        (rx.adminUrl ? `fault injection on ${rx.adminUrl} (admin token required)\n` : '') +
        `database ${rx.store.kind} ${rx.store.location}\n`,
    );
  }
  await untilSignal();
  await rx.close();
  // A worker's IPC channel would keep it alive.
  if (cluster.isWorker) cluster.worker?.disconnect();
}

/**
 * `--workers N`: N node processes sharing one port through node:cluster; a worker that dies is replaced.
 * A worker that exits before it ever listened stops the whole receiver (exit 1): a start-up fault
 * (a locked database, a bad certificate) would otherwise be retried every second, forever.
 */
async function runPrimary(f: RunFlags, workers: number): Promise<void> {
  parseListen(f.listen);
  // The primary brings the database up to date before any worker opens it: N workers creating the
  // file, switching it to WAL and migrating it at the same moment wait on each other's locks, and a
  // loaded disk made one of them give up ("database is locked").
  await withStore(f.db ?? DEFAULT_DB(), async () => undefined, true);
  const env: Record<string, string> = {};
  if (!f.cert) {
    const pair = await selfSignedPair(parseListen(f.listen).host);
    env.MBX_RECEIVER_CERT_PEM = pair.cert;
    env.MBX_RECEIVER_KEY_PEM = pair.key;
    if (f.writeCert) writeFileSync(f.writeCert, pair.cert);
  } else if (f.writeCert) writeFileSync(f.writeCert, readFileSync(f.cert));
  let stopping = false;
  let ready = 0;
  let startFailure: MeterboxError | undefined;
  let failedToStart = () => {};
  const fork = () => {
    const w = cluster.fork(env);
    let listening = false;
    w.on('message', (m: { type?: string; url?: string; fingerprint?: string; pid?: number }) => {
      if (m.type !== 'listening') return;
      listening = true;
      process.stdout.write(`worker ${m.pid} listening\n`);
      if (++ready === workers) process.stdout.write(`receiver listening on ${m.url} (${workers} workers)\ncertificate SHA-256 fingerprint ${m.fingerprint}\n`);
    });
    w.on('exit', (code, signal) => {
      if (stopping) return;
      if (!listening) {
        startFailure = new MeterboxError('MBX_RECEIVER_START', `worker ${w.process.pid} could not start (${signal ?? code}); its error is above. Stopping the other workers`);
        return failedToStart();
      }
      process.stderr.write(`meterbox receiver: worker ${w.process.pid} exited (${signal ?? code}); starting another\n`);
      setTimeout(fork, 1000).unref();
    });
  };
  for (let i = 0; i < workers; i++) fork();
  await Promise.race([untilSignal(), new Promise<void>((resolve) => (failedToStart = resolve))]);
  stopping = true;
  const all = Object.values(cluster.workers ?? {}).filter((w) => w !== undefined);
  await Promise.all(
    all.map(
      (w) =>
        new Promise<void>((resolve) => {
          if (w.isDead()) return resolve();
          w.once('exit', () => resolve());
          w.process.kill('SIGTERM');
        }),
    ),
  );
  if (startFailure) throw startFailure;
}

export function receiverCommand(): Command {
  const cmd = new Command('receiver')
    .description("run the provider's server: HTTPS endpoint for agents, read API for the provider, SQLite or PostgreSQL storage, agent health")
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:8443')
    .option('--db <file|url>', DB_HELP)
    .option('--tokens <file>', 'JSON file { "<agentId>": "<token>" | "sha256:<hex>", "<name>": { "role": "read"|"admin", "token": … } } (tokens from `receiver token add` need no file)')
    .option('--cert <file>', 'PEM certificate (default: a self-signed one is generated)')
    .option('--key <file>', 'PEM private key of --cert')
    .option('--write-cert <file>', 'write the served certificate here (agents can trust it as their caFile)')
    .option('--stale-after <seconds>', 'an agent is stale after this long without a heartbeat', '900')
    .option('--webhook <url>', 'POST a JSON alert here when an agent goes stale and when it recovers')
    .option('--webhook-secret-file <file>', 'sign webhook bodies with this secret (X-Meterbox-Signature); or $MBX_RECEIVER_WEBHOOK_SECRET')
    .option('--command-ttl <seconds>', 'a command not acknowledged within this long is dropped and reported', '3600')
    .option('--rate-limit <per-minute>', 'requests per agent per minute, across all nodes (0: no limit; default 600)')
    .option('--max-decompressions <n>', 'request bodies decompressed at once per node (default 2 × CPUs, at least 4)')
    .option('--max-inflight-mb <n>', 'body megabytes held by requests in flight per node (default 64)')
    .option('--max-body-mb <n>', 'largest request body, once decompressed (default 16)')
    .option('--pool-size <n>', 'PostgreSQL connections per node (default 10)')
    .option('--reuse-port', 'share the port with other receiver processes (SO_REUSEPORT; Node 22.12+)')
    .option('--workers <n>', 'run this many node processes on one port (node:cluster)', '1')
    .option('--sweep-interval <ms>', 'how often to look for stale agents, expired commands and due alerts')
    .option('--billing <file>', 'JSON billing contract (units per size, scan ratio, idle and gap windows, spike thresholds), as the agent config\'s "billing" section (default: the contract)')
    .option('--admin-port <port>', 'fault injection on 127.0.0.1 (tests and drills only; needs an admin token)')
    .option('--updates-dir <dir>', UPDATES_HELP)
    .action(async (f: RunFlags) => {
      const workers = wholeNumber('--workers', f.workers);
      if (workers > 1 && cluster.isPrimary) return runPrimary(f, workers);
      return runNode(f);
    });

  cmd
    .command('agents')
    .description('list agents with their last heartbeat and whether they are stale')
    .option('--db <file|url>', DB_HELP)
    .option('--stale-after <seconds>', 'an agent is stale after this long without a heartbeat', '900')
    .option('--json', 'print JSON')
    .action(async (own: { staleAfter: string; json?: boolean }, sub: Command) => {
      // `receiver` has --stale-after too and may take it first: a value given on the command line wins.
      const staleArg = cmd.getOptionValueSource('staleAfter') === 'cli' ? cmd.opts<{ staleAfter: string }>().staleAfter : own.staleAfter;
      const stale = wholeNumber('--stale-after', staleArg);
      await withStore(dbFor(cmd, sub), async (store) => {
        const agents = await store.agents(new Date(), stale);
        process.stdout.write((own.json ? JSON.stringify({ at: new Date().toISOString(), staleAfterSeconds: stale, agents }, null, 2) : formatAgents(agents, stale)) + '\n');
      });
    });

  cmd
    .command('billing')
    .description('the contract units per device over a period (the same export as GET /v1/billing): a table, --json or --csv for an ERP import')
    .option('--db <file|url>', DB_HELP)
    .requiredOption('--from <date>', 'first day of the period, YYYY-MM-DD (UTC)')
    .requiredOption('--to <date>', 'first day after the period, YYYY-MM-DD (a month: --from 2026-01-01 --to 2026-02-01)')
    .option('--agent <agentId>', 'one agent only (default: every agent)')
    .option('--billing <file>', 'JSON billing contract, as the receiver is run with (default: the contract)')
    .option('--json', 'print JSON')
    .option('--csv', 'print CSV (columns for an ERP import)')
    .action(async (o: { from: string; to: string; agent?: string; billing?: string; json?: boolean; csv?: boolean }, sub: Command) => {
      if (o.json && o.csv) throw new MeterboxError('MBX_USAGE', 'give --json or --csv, not both');
      const period = parseBillingPeriod(o.from, o.to);
      if (typeof period === 'string') throw new MeterboxError('MBX_USAGE', `--${period}`);
      // `receiver` has --billing too and may take it first.
      const contract = readContractFile(o.billing ?? cmd.opts<{ billing?: string }>().billing);
      await withStore(dbFor(cmd, sub), async (store) => {
        const ctx = await storeBillingContext(store, new UsageCache(store, () => Date.now(), contract), period, o.agent);
        if (o.csv) return void process.stdout.write(await exportCsv(BILLING_EXPORT, ctx));
        if (o.json) return void process.stdout.write(JSON.stringify(await billingDocument(ctx, contract, o.agent), null, 2) + '\n');
        process.stdout.write(formatBilling(await exportRecords(BILLING_EXPORT, ctx)) + '\n');
      });
    });

  cmd
    .command('migrate')
    .description('bring the database schema up to date (also done at every start) and print its version')
    .option('--db <file|url>', DB_HELP)
    .action(async (_own: unknown, sub: Command) => {
      await withStore(dbFor(cmd, sub), async (store) => process.stdout.write(`${store.kind} ${store.location}: receiver schema version ${await store.schemaVersion()}\n`), true);
    });

  maintenanceCommands(cmd);

  const token = cmd.command('token').description('manage tokens kept (hashed) in the database: agent tokens, and provider tokens with a role');
  token
    .command('add')
    .description('create a token and print it once: --agent ID for a box, or --provider NAME --role read|admin')
    .option('--db <file|url>', DB_HELP)
    .option('--agent <agentId>', 'the agent this token posts for')
    .option('--provider <name>', 'a provider token (reads the API)')
    .option('--role <role>', 'role of a provider token: read or admin')
    .option('--label <text>', 'a note shown by `token list`')
    .option('--json', 'print JSON')
    .action(async (o: { agent?: string; provider?: string; role?: string; label?: string; json?: boolean }, sub: Command) => {
      if (!!o.agent === !!o.provider) throw new MeterboxError('MBX_USAGE', 'token add wants either --agent ID or --provider NAME --role read|admin');
      const name = (o.agent ?? o.provider) as string;
      if (!AGENT_ID.test(name)) throw new MeterboxError('MBX_USAGE', `'${name}' is not a valid ${o.agent ? 'agent id' : 'name'} (letters, digits, . _ : @ -; at most 128)`);
      if (o.provider && o.role !== 'read' && o.role !== 'admin') throw new MeterboxError('MBX_USAGE', '--provider needs --role read or --role admin');
      if (o.agent && o.role) throw new MeterboxError('MBX_USAGE', '--role is for provider tokens; an agent token may only post its own readings and heartbeats');
      const t = generateToken();
      const createdAt = new Date().toISOString();
      await withStore(
        dbFor(cmd, sub),
        (store) =>
        store.addToken({
          id: t.id,
          hash: t.hash,
          createdAt,
          ...(o.agent ? { kind: 'agent' as const, agentId: o.agent } : { kind: 'provider' as const, name, role: o.role as 'read' | 'admin' }),
          ...(o.label ? { label: o.label } : {}),
        }),
        true,
      );
      if (o.json) process.stdout.write(JSON.stringify({ id: t.id, kind: o.agent ? 'agent' : 'provider', ...(o.agent ? { agentId: o.agent } : { name, role: o.role }), token: t.token }) + '\n');
      else process.stdout.write(`${t.token}\n`);
      process.stderr.write(`token ${t.id} for ${o.agent ? `agent ${o.agent}` : `provider ${name} (${o.role})`} added; it is shown only now\n`);
    });
  token
    .command('revoke')
    .description('revoke a token by its id, or every token of an agent (--agent); refused at once on every node')
    .argument('[id]', 'token id (see `token list`)')
    .option('--db <file|url>', DB_HELP)
    .option('--agent <agentId>', 'revoke all tokens of this agent')
    .action(async (id: string | undefined, o: { agent?: string }, sub: Command) => {
      if (!!id === !!o.agent) throw new MeterboxError('MBX_USAGE', 'token revoke wants a token id or --agent ID');
      const n = await withStore(dbFor(cmd, sub), (store) => store.revokeTokens(id ? { id } : { agentId: o.agent as string }, new Date()));
      if (n === 0) throw new MeterboxError('MBX_USAGE', `no live token ${id ? `with id ${id}` : `of agent ${o.agent}`} in the database`);
      process.stdout.write(`revoked ${n} token(s)\n`);
    });
  token
    .command('list')
    .description('list the tokens in the database (never the secrets)')
    .option('--db <file|url>', DB_HELP)
    .option('--json', 'print JSON')
    .action(async (o: { json?: boolean }, sub: Command) => {
      const tokens = await withStore(dbFor(cmd, sub), (store) => store.listTokens());
      process.stdout.write((o.json ? JSON.stringify({ tokens }, null, 2) : formatTokens(tokens)) + '\n');
    });
  token
    .command('hash')
    .description('read a token on stdin and print its sha256: form, for a tokens file that holds no secrets')
    .action(async () => {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      const t = Buffer.concat(chunks).toString('utf8').trim();
      if (t.length < 8) throw new MeterboxError('MBX_USAGE', 'give a token of 8 or more characters on stdin');
      process.stdout.write(`${hashToken(t)}\n`);
    });
  return cmd;
}
