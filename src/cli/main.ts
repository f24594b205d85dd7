#!/usr/bin/env -S node --openssl-legacy-provider
// The flags are NODE_FLAGS (src/node-flags.ts): the legacy provider lets OpenSSL 3 do SNMPv3 DES privacy.
/** The meterbox command line: one subcommand per job, exit codes in exit-codes.ts. */
import { Command, CommanderError } from 'commander';
import { createRequire } from 'node:module';
import { isMeterboxError } from '../contract/errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { readCommand } from './read.js';
import { dumpCommand } from './dump.js';
import { simulateCommand } from './simulate.js';
import { demoCommand } from './demo.js';
import { profilesCommand } from './profiles.js';
import { discoverCommand } from './discover.js';
import { statusCommand } from './status.js';
import { receiverCommand } from './receiver.js';
import { runCommand } from './run.js';
import { configCommand } from './config.js';
import { doctorCommand } from './doctor.js';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

export function buildProgram(): Command {
  const program = new Command('meterbox')
    .description('meter-reading agent for managed print services')
    .version(pkg.version)
    .exitOverride()
    .showHelpAfterError('(run with --help for usage)');
  for (const cmd of [readCommand(), discoverCommand(), dumpCommand(), simulateCommand(), demoCommand(), profilesCommand(), statusCommand(), runCommand(), configCommand(), doctorCommand(), receiverCommand()]) {
    cmd.exitOverride();
    program.addCommand(cmd);
  }
  return program;
}

async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help') return EXIT.ok;
      return EXIT.usage;
    }
    if (isMeterboxError(err)) {
      process.stderr.write(`meterbox: ${err.message} [${err.code}]\n`);
      return exitCodeFor(err.code);
    }
    process.stderr.write(`meterbox: unexpected error: ${(err as Error).stack ?? String(err)}\n`);
    return EXIT.failure;
  }
}

// `meterbox dump … | head`: the reader went away. That ends the output, quietly; it is not an error.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.ok);
  throw err;
});

main(process.argv).then((code) => {
  // A command that set its own exit code (doctor, demo) keeps it.
  if (code !== EXIT.ok || process.exitCode === undefined) process.exitCode = code;
});
