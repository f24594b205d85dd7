/**
 * Builds dist/ once before the tests when it is missing or older than src/, so the CLI tests
 * (which run `node dist/cli/main.js` as a subprocess) never test stale code. `npm test` builds
 * anyway; this covers `npx vitest run <path>`.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

export default function setup(): void {
  const root = join(import.meta.dirname, '..');
  const main = join(root, 'dist', 'cli', 'main.js');
  if (existsSync(main) && statSync(main).mtimeMs >= newestMtime(join(root, 'src'))) return;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'pipe' });
  } catch (err) {
    // tsc still emits on type errors (e.g. a vendor profile someone is editing); the typecheck reports those.
    if (!existsSync(main)) throw err;
    console.warn(`global-setup: tsc reported errors, testing what it emitted:\n${String((err as { stdout?: Buffer }).stdout ?? '')}`);
  }
}
