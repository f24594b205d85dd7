/**
 * Runs the built CLI (dist/cli/main.js) as a real subprocess. The build is made by `npm test`
 * and, when dist is missing or older than src, by the vitest global setup (test/global-setup.ts).
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { NODE_FLAGS } from '../../src/node-flags.js';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const CLI = join(PACKAGE_ROOT, 'dist', 'cli', 'main.js');

/** The CLI as its shebang (and the systemd unit) starts it: the same Node flags. */
export const CLI_ARGV: readonly string[] = [...NODE_FLAGS, CLI];

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `nodeFlags: []`: as if started with a bare `node dist/cli/main.js`, without the shebang's flags. */
export function runCli(args: readonly string[], opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; nodeFlags?: readonly string[] } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...(opts.nodeFlags ?? NODE_FLAGS), CLI, ...args], {
      cwd: PACKAGE_ROOT,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
