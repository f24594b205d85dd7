/**
 * How Node must run meterbox's entry point, wherever it is started: the CLI's shebang, the systemd
 * unit's ExecStart, the demo's child process and the tests all use these flags and this
 * environment (a test keeps them in line). None can be switched on after start.
 * - `--openssl-legacy-provider`: OpenSSL 3 keeps DES in its legacy provider, and SNMPv3 DES
 *   privacy is what many printers in the field still speak.
 * - `--optimize-for-size`: V8 favours memory over speed (a young generation of 1-2 MB instead of
 *   up to 32 MB, a smaller heap growth factor, more compaction). The daemon's live heap is about
 *   20 MB whatever the fleet, but a poll of 1,000 devices makes garbage that V8 otherwise lets
 *   pile up: peak RSS 208 -> 119 MiB (anonymous 153 -> 66 MiB) side by side in
 *   `npm run bench -- idle`, for about 1.7x the CPU of a poll cycle (7 -> 12 s of CPU per
 *   1,000 devices on a busy 2-core machine). A box has memory to spare less than CPU time.
 * - `--v8-pool-size=1`: one V8 worker thread (concurrent marking, sweeping, compiling) instead of
 *   four. Each thread that mallocs gets a glibc arena of its own, and the four kept 4-9 MiB of
 *   them resident in an idle daemon.
 * And in the environment (NODE_ENVIRONMENT), which must be set before the process starts:
 * - `MALLOC_ARENA_MAX=2`: at most two glibc malloc arenas whatever the threads (V8's worker,
 *   libuv's four and Node's own), so freed memory is reused rather than spread over a 64 MiB
 *   arena per thread. Side by side for 100 s with 50 devices (`npm run bench -- idle`): RSS
 *   97.5 MiB with neither, 92.5 with the pool of 1, 89.4 with both (thread arenas 8.5 -> 0.3 MiB).
 */
import { createCipheriv } from 'node:crypto';

export const NODE_FLAGS: readonly string[] = ['--openssl-legacy-provider', '--optimize-for-size', '--v8-pool-size=1'];

/** The environment the unit (Environment=), the CLI's shebang and the tests give Node, with the flags. */
export const NODE_ENVIRONMENT: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '2' };

/** Whether this process can do DES (SNMPv3 privProtocol "des"): false when Node started without the legacy provider. */
export function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
