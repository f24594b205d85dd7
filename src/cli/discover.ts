/**
 * `meterbox discover <target...>`: sweep address ranges for printers and print what was found.
 * Targets: CIDR, range, address or host name, optionally `label=target`; `--config` adds named
 * credentials, per-target exclusions and credential names, and the contract list (devices.allow),
 * from the agent's config file or one with only those sections, read by the config loader.
 * Progress goes to stderr (a live bar on a TTY); stdout carries the table, or one JSON document.
 */
import { Command } from 'commander';
import Table from 'cli-table3';
import cliProgress from 'cli-progress';
import { loadDiscoveryConfig, type DiscoveryConfig } from '../config/load.js';
import type { MeterboxConfig } from '../config/schema.js';
import { expandTargets, parseTargetArg, DEFAULT_MAX_ADDRESSES, type TargetSpec } from '../net/targets.js';
import { validateCredentialSets, credentialsFor, type NamedCredentials } from '../discovery/credentials.js';
import { sweep, SWEEP_DEFAULTS, type FoundPrinter, type OtherHost, type SweepResult } from '../discovery/sweep.js';
import { addSnmpOptions, credentialSetsFromFlags, intArg, type DiscoverSnmpFlags } from './snmp-options.js';
import { EXIT } from './exit-codes.js';

interface DiscoverFlags extends DiscoverSnmpFlags {
  concurrency: number;
  rate: number;
  exclude: string[];
  allow: string[];
  force?: boolean;
  maxAddresses: number;
  json?: boolean;
  config?: string;
  progress?: boolean;
}

function identityRow(p: FoundPrinter): string[] {
  return [p.host, p.label ?? '', p.device.vendor, p.device.model ?? '', p.device.serial ?? (p.device.mac ? `(MAC ${p.device.mac})` : ''), p.credential, p.error ? `read failed: ${p.error.code}` : ''];
}

function printerJson(p: FoundPrinter): Record<string, unknown> {
  const d = p.device;
  const out: Record<string, unknown> = { host: p.host };
  if (p.label) out.label = p.label;
  out.credential = p.credential;
  out.device = { key: d.key, keySource: d.keySource, vendor: d.vendor, model: d.model, serial: d.serial, mac: d.mac };
  if (p.error) out.error = p.error;
  return out;
}

function otherJson(o: OtherHost): OtherHost {
  return o;
}

function discoveryDocument(r: SweepResult, complete = true): Record<string, unknown> {
  return {
    /** false when the sweep was interrupted: the lists hold what was found until then. */
    complete,
    printers: r.printers.map(printerJson),
    notUnderContract: r.notUnderContract.map(printerJson),
    others: r.others.map(otherJson),
    summary: r.summary,
  };
}

function formatResult(r: SweepResult): string {
  const lines: string[] = [];
  const head = ['IP', 'label', 'vendor', 'model', 'serial', 'credential', ''];
  if (r.printers.length > 0) {
    const t = new Table({ head, style: { head: [], border: [], compact: true } });
    for (const p of r.printers) t.push(identityRow(p));
    lines.push(t.toString());
  } else lines.push('no printers found');
  if (r.notUnderContract.length > 0) {
    lines.push('', 'seen, not under contract (not read for billing):');
    const t = new Table({ head, style: { head: [], border: [], compact: true } });
    for (const p of r.notUnderContract) t.push(identityRow(p));
    lines.push(t.toString());
  }
  const failed = r.others.filter((o) => o.kind === 'failed');
  if (failed.length > 0) {
    lines.push('', 'answered, but no credential could be used:');
    for (const f of failed) lines.push(`  ${f.host}${f.label ? ` (${f.label})` : ''}: ${f.error?.message ?? ''} [${f.error?.code ?? ''}]`);
  }
  const s = r.summary;
  lines.push(
    '',
    `${s.addresses} addresses, ${s.answered} answered, ${s.printers} printers` +
      (s.notUnderContract ? ` (+${s.notUnderContract} not under contract)` : '') +
      `, ${s.nonPrinters} non-printers` +
      (s.failed ? `, ${s.failed} unusable (credentials)` : '') +
      `, ${s.silent} silent; ${(s.ms / 1000).toFixed(1)} s, ${s.packets} SNMP requests`,
  );
  return lines.join('\n');
}

export function discoverCommand(): Command {
  const cmd = new Command('discover')
    .description('sweep address ranges for printers: CIDR, first-last range, address or host name; label=target names a site or VLAN')
    .argument('[target...]', 'targets to sweep, e.g. 10.1.20.0/24 vlan30=10.1.30.10-10.1.30.99 printer.example.lan')
    .option('--concurrency <n>', 'hosts probed at once', intArg('--concurrency', 1, 4096), SWEEP_DEFAULTS.concurrency)
    .option('--rate <pps>', 'most SNMP packets per second over the whole sweep (0: no cap)', intArg('--rate', 0, 1_000_000), SWEEP_DEFAULTS.ratePerSecond)
    .option('--exclude <target>', 'never probe these addresses (CIDR, range, address or host name; repeatable)', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--allow <serial>', 'serial under contract (repeatable); other printers are listed as seen, without counters', (v: string, prev: string[]) => [...prev, v], [] as string[])
    .option('--force', `sweep more than --max-addresses addresses`)
    .option('--max-addresses <n>', 'refuse bigger sweeps without --force', intArg('--max-addresses', 1, 2 ** 32), DEFAULT_MAX_ADDRESSES)
    .option('--config <file>', 'JSON with credentials (named), targets (label, exclude, credentials) and devices.allow')
    .option('--no-progress', 'no progress bar, even on a terminal')
    .option('--json', 'print one JSON document on stdout: { complete, printers, notUnderContract, others, summary }');
  addSnmpOptions(cmd, { repeatableCommunity: true });
  cmd.action(async (args: string[], flags: DiscoverFlags) => {
    const cfg: Partial<DiscoveryConfig> = flags.config ? loadDiscoveryConfig(flags.config) : {};
    for (const w of cfg.warnings ?? []) process.stderr.write(`meterbox: warning: ${w}\n`);
    const f = withConfigDefaults(cmd, flags, cfg.snmp);
    const flagCreds = (f.community?.length ?? 0) > 0 || f.v3User || f.snmpVersion === '3' || !cfg.credentials?.length ? credentialSetsFromFlags(f) : [];
    const credentials: NamedCredentials[] = [...(cfg.credentials ?? []), ...flagCreds];
    validateCredentialSets(credentials);
    const specs: TargetSpec[] = [...(cfg.targets ?? []), ...args.map(parseTargetArg)];
    // Unknown credential names are bad input: refuse before expanding or sending anything.
    for (const s of specs) credentialsFor(credentials, s.credentials, s.label ?? s.target);
    const targets = await expandTargets(specs, [...(cfg.exclude ?? []), ...f.exclude], {
      force: f.force,
      maxAddresses: f.maxAddresses,
      estimate: { concurrency: f.concurrency, timeoutMs: f.timeout, retries: f.retries },
    });
    const allow = [...(cfg.allow ?? []), ...f.allow];

    const showBar = f.progress !== false && process.stderr.isTTY === true;
    const bar = showBar
      ? new cliProgress.SingleBar(
          { stream: process.stderr, format: ' {bar} {value}/{total} addresses | {printers} printers | {duration_formatted} elapsed | ETA {eta_formatted}', hideCursor: true, etaBuffer: 200, fps: 5 },
          cliProgress.Presets.shades_classic,
        )
      : undefined;
    // SIGINT / SIGTERM stop the sweep; what was found so far is printed, marked incomplete, and the exit code says so.
    const abort = new AbortController();
    let signal: NodeJS.Signals | undefined;
    const onSignal = (s: NodeJS.Signals) => {
      signal ??= s;
      abort.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const total = targets.reduce((n, t) => n + t.count, 0);
    bar?.start(total, 0, { printers: 0 });
    let result: SweepResult;
    try {
      result = await sweep({
        targets,
        credentials,
        port: f.port,
        concurrency: f.concurrency,
        ratePerSecond: f.rate,
        timeoutMs: f.timeout,
        retries: f.retries,
        allow: allow.length > 0 ? allow : undefined,
        signal: abort.signal,
        onProgress: bar ? (p) => bar.update(p.done, { printers: p.printers }) : undefined,
      });
    } finally {
      bar?.stop();
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    const complete = !abort.signal.aborted;
    if (!complete) process.stderr.write(`meterbox: discover interrupted (${signal ?? 'signal'}) after ${doneOf(result)} of ${result.summary.addresses} addresses; showing what was found so far\n`);
    if (f.json) process.stdout.write(JSON.stringify(discoveryDocument(result, complete), null, 2) + '\n');
    else process.stdout.write(formatResult(result) + (complete ? '' : '\n(incomplete: interrupted)') + '\n');
    if (!complete) process.exitCode = signal === 'SIGTERM' ? EXIT.terminated : EXIT.interrupted;
  });
  return cmd;
}

/** Addresses the sweep got to before it stopped. */
function doneOf(r: SweepResult): number {
  return r.summary.answered + r.summary.silent;
}

/**
 * The agent config's snmp.* as the defaults of the matching flags: `discover --config` sweeps
 * the way the daemon would, and a flag typed on the command line still wins.
 */
function withConfigDefaults(cmd: Command, f: DiscoverFlags, snmp: MeterboxConfig['snmp'] | undefined): DiscoverFlags {
  if (!snmp) return f;
  const fromConfig: [keyof DiscoverFlags & string, number][] = [
    ['port', snmp.port],
    ['timeout', snmp.timeoutMs],
    ['retries', snmp.retries],
    ['rate', snmp.ratePerSecond],
    ['concurrency', snmp.discoveryConcurrency],
    ['maxAddresses', snmp.maxAddresses],
  ];
  const out = { ...f };
  for (const [flag, value] of fromConfig) if (cmd.getOptionValueSource(flag) !== 'cli') (out as Record<string, unknown>)[flag] = value;
  return out;
}
