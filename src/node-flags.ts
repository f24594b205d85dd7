/**
 * How Node must run meterbox's entry point, wherever it is started: the CLI's shebang, the systemd
 * unit's ExecStart, the demo's child process and the tests all use these flags (a test keeps them
 * in line). Neither can be switched on after start.
 * - `--openssl-legacy-provider`: OpenSSL 3 keeps DES in its legacy provider, and SNMPv3 DES
 *   privacy is what many printers in the field still speak.
 * - `--optimize-for-size`: V8 favours memory over speed (a young generation of 1-2 MB instead of
 *   up to 32 MB, a smaller heap growth factor, more compaction). The daemon's live heap is about
 *   20 MB whatever the fleet, but a poll of 1,000 devices makes garbage that V8 otherwise lets
 *   pile up: peak RSS 208 -> 119 MiB (anonymous 153 -> 66 MiB) side by side in
 *   `npm run bench -- idle`, for about 1.7x the CPU of a poll cycle (7 -> 12 s of CPU per
 *   1,000 devices on a busy 2-core machine). A box has memory to spare less than CPU time.
 */
import { createCipheriv } from 'node:crypto';

export const NODE_FLAGS: readonly string[] = ['--openssl-legacy-provider', '--optimize-for-size'];

/** Whether this process can do DES (SNMPv3 privProtocol "des"): false when Node started without the legacy provider. */
export function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
