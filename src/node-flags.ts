/**
 * How Node must run meterbox's entry point, wherever it is started: the CLI's shebang, the systemd
 * unit's ExecStart, the demo's child process and the tests all use these flags (a test keeps them
 * in line). `--openssl-legacy-provider`: OpenSSL 3 keeps DES in its legacy provider, and SNMPv3 DES
 * privacy is what many printers in the field still speak. It cannot be switched on after start.
 */
import { createCipheriv } from 'node:crypto';

export const NODE_FLAGS: readonly string[] = ['--openssl-legacy-provider'];

/** Whether this process can do DES (SNMPv3 privProtocol "des"): false when Node started without the legacy provider. */
export function desAvailable(): boolean {
  try {
    createCipheriv('des-cbc', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}
