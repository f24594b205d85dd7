/**
 * The `meterbox` program. Its subcommands are a table of data: name, how the top-level help shows
 * it and its one-line description, plus how to load the real command. `meterbox --help` and
 * `--version` are answered from this table alone, and a call loads only the subcommand it names:
 * the modules behind them pull in zod, net-snmp, better-sqlite3, axios, ajv, pg…, which were most
 * of every start-up when main imported them all. test/integration/cli-start.test.ts loads the real
 * modules and checks that the table says exactly what they say.
 */
import { Command, Help } from 'commander';
import { createRequire } from 'node:module';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export interface Subcommand {
  readonly name: string;
  /** The command's term in the top-level help, as commander derives it from the real command. */
  readonly term: string;
  readonly description: string;
  load(): Promise<Command>;
}

// In the order `meterbox --help` lists them.
export const SUBCOMMANDS: readonly Subcommand[] = [
  {
    name: 'read',
    term: 'read [options] <host>',
    description: 'read identity, page counters, supplies and status of one printer',
    load: async () => (await import('./read.js')).readCommand(),
  },
  {
    name: 'discover',
    term: 'discover [options] [target...]',
    description: 'sweep address ranges for printers: CIDR, first-last range, address or host name; label=target names a site or VLAN',
    load: async () => (await import('./discover.js')).discoverCommand(),
  },
  {
    name: 'dump',
    term: 'dump [options] <host>',
    description: 'record the printer-relevant SNMP subtrees of a device as snmprec (OID|TYPE|VALUE)',
    load: async () => (await import('./dump.js')).dumpCommand(),
  },
  {
    name: 'simulate',
    term: 'simulate [options] [files...]',
    description: 'serve printers as real SNMP agents on 127.0.0.0/8 addresses, one address per device',
    load: async () => (await import('./simulate.js')).simulateCommand(),
  },
  {
    name: 'demo',
    term: 'demo [options]',
    description: 'the whole product on loopback: simulated fleet + reference receiver + meterbox run for two poll cycles, then the receiver view and status',
    load: async () => (await import('./demo.js')).demoCommand(),
  },
  {
    name: 'profiles',
    term: 'profiles [options]',
    description: 'list the supported devices (vendor profiles) as a Markdown table',
    load: async () => (await import('./profiles.js')).profilesCommand(),
  },
  {
    name: 'status',
    term: 'status [options]',
    description: 'show the outbox: devices and their last reading, pending readings, deliveries, recent events, database size',
    load: async () => (await import('./status.js')).statusCommand(),
  },
  {
    name: 'usage',
    term: 'usage [options]',
    description: "the contract units per device over a period, from the outbox: opening and closing readings, meters and deltas, units, flags and events (the customer's check of an invoice)",
    load: async () => (await import('./usage.js')).usageCommand(),
  },
  {
    name: 'run',
    term: 'run [options]',
    description: 'run the agent: scheduled discovery, polls, uploads and heartbeats; health on localhost; SIGHUP reloads, SIGTERM stops',
    load: async () => (await import('./run.js')).runCommand(),
  },
  {
    name: 'config',
    term: 'config',
    description: 'check or show the configuration file',
    load: async () => (await import('./config.js')).configCommand(),
  },
  {
    name: 'doctor',
    term: 'doctor [options]',
    description: 'check config, database, disk, clock, the way to the provider and SNMP; pass / warn / fail with remedies',
    load: async () => (await import('./doctor.js')).doctorCommand(),
  },
  {
    name: 'update-helper',
    term: 'update-helper [options]',
    description: 'install an update the agent downloaded and verified, as root (meterbox-update.service); reinstall the previous package if the new one is not healthy',
    load: async () => (await import('./update-helper.js')).updateHelperCommand(),
  },
  {
    name: 'receiver',
    term: 'receiver [options]',
    description: "run the provider's server: HTTPS endpoint for agents, read API for the provider, SQLite or PostgreSQL storage, agent health",
    load: async () => (await import('./receiver.js')).receiverCommand(),
  },
];

/**
 * The subcommand a command line runs, or whose help it asks for (`meterbox help read`): the first
 * word that is not an option. The program itself has only --help and --version, which take no
 * value, so that word is the subcommand. Undefined for `--help`, `--version`, `help` alone or an
 * unknown word (commander then prints the help or the "unknown command" error from the table).
 */
export function subcommandNamed(args: readonly string[]): Subcommand | undefined {
  const words = args.filter((a) => !a.startsWith('-'));
  const name = words[0] === 'help' ? words[1] : words[0];
  return SUBCOMMANDS.find((s) => s.name === name);
}

/**
 * The program for one command line: the subcommand it names is the real one; the others are
 * stand-ins that only show in the help (from the table: the term and description their module
 * gives). Help, version, usage errors and "did you mean" work as with every module loaded.
 */
export async function buildProgram(args: readonly string[]): Promise<Command> {
  const program = new Command('meterbox')
    .description('meter-reading agent for managed print services')
    .version(pkg.version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)')
    .configureHelp({
      subcommandTerm(this: Help, cmd: Command): string {
        return SUBCOMMANDS.find((s) => s.name === cmd.name())?.term ?? Help.prototype.subcommandTerm.call(this, cmd);
      },
    });
  const named = subcommandNamed(args);
  for (const sub of SUBCOMMANDS) {
    const cmd = sub === named ? await sub.load() : new Command(sub.name).description(sub.description);
    cmd.exitOverride();
    program.addCommand(cmd);
  }
  return program;
}
