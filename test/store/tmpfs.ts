/** Real small or read-only filesystems for store tests: tmpfs mounts, which need root (CAP_SYS_ADMIN). */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { tempDir } from './helpers.js';

/** Why tmpfs cannot be mounted here, or undefined when it can (CI runs as root). */
export function tmpfsUnavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'not root: tmpfs mounts need root (run as root or in CI to test a real full / read-only filesystem)';
  const probe = tempDir('mbx-probe-');
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe.dir], { stdio: 'pipe' });
    execFileSync('umount', [probe.dir], { stdio: 'pipe' });
    return undefined;
  } catch (err) {
    return `cannot mount tmpfs here (${String((err as { stderr?: Buffer }).stderr ?? err).trim()})`;
  } finally {
    probe.cleanup();
  }
}

/** Runs `fn` with a tmpfs of `size` mounted on `dir` (unmounted afterwards, also when `fn` throws or its promise fails). */
export function withTmpfs<T>(dir: string, size: string, fn: (remount: (opts: string) => void) => T): T {
  mkdirSync(dir, { recursive: true });
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'pipe' });
  const umount = () => execFileSync('umount', ['-l', dir], { stdio: 'pipe' });
  let result: T;
  try {
    result = fn((opts) => execFileSync('mount', ['-o', `remount,${opts}`, dir], { stdio: 'pipe' }));
  } catch (err) {
    umount();
    throw err;
  }
  if (result instanceof Promise) return result.finally(umount) as T;
  umount();
  return result;
}
