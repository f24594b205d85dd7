/**
 * Runs the built CLI (dist/cli/main.js) as a real subprocess. The build is made by `npm test`
 * and, when dist is missing or older than src, by the vitest global setup (test/global-setup.ts).
 */
import { join } from 'node:path';
import { NODE_ENVIRONMENT, NODE_FLAGS } from '../../src/node-flags.js';
import { PACKAGE_ROOT } from '../../src/paths.js';
import { runProcess, type RunResult } from './process.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** The CLI as its shebang (and the systemd unit) starts it: the same Node flags (and NODE_ENVIRONMENT in the environment). */
export const CLI_ARGV: readonly string[] = [...NODE_FLAGS, CLI];

export type CliResult = RunResult;

/** `nodeFlags: []`: as if started with a bare `node dist/cli/main.js`, without the shebang's flags. */
export function runCli(args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[] } = {}): Promise<CliResult> {
  return runProcess(process.execPath, [...(opts.nodeFlags ?? NODE_FLAGS), CLI, ...args], {
    cwd: PACKAGE_ROOT,
    env: { ...process.env, ...NODE_ENVIRONMENT, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
    timeoutMs: opts.timeoutMs ?? 20_000,
  });
}
