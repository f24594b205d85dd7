#!/usr/bin/env -S MALLOC_ARENA_MAX=2 node --openssl-legacy-provider --optimize-for-size --v8-pool-size=1
// NODE_ENVIRONMENT and NODE_FLAGS (src/node-flags.ts): the legacy provider lets OpenSSL 3 do SNMPv3 DES privacy; V8 favours memory over speed, with one worker thread; glibc keeps two malloc arenas.
/**
 * The meterbox command line: one subcommand per job (program.ts), exit codes in exit-codes.ts.
 * Kept small on purpose: everything heavy loads with the one subcommand a call runs.
 */
import { CommanderError } from 'commander';
import { isMeterboxError } from '../contract/errors.js';
import { EXIT, exitCodeFor } from './exit-codes.js';
import { buildProgram } from './program.js';

async function main(argv: string[]): Promise<number> {
  try {
    await (await buildProgram(argv.slice(2))).parseAsync(argv);
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
