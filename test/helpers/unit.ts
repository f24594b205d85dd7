/** The shipped systemd unit as data, so tests run what systemd runs rather than a copy of it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PACKAGE_ROOT } from '../../src/paths.js';

export const UNIT_FILE = join(PACKAGE_ROOT, 'systemd', 'meterbox.service');

/** Every `Key=value` of the unit, values in order (a key may repeat). */
export function unitDirectives(file = UNIT_FILE): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const m = /^([A-Za-z]+)=(.*)$/.exec(line.trim());
    if (m) out.set(m[1] as string, [...(out.get(m[1] as string) ?? []), m[2] as string]);
  }
  return out;
}

/**
 * ExecStart as argv, with the installed paths mapped to this checkout: /opt/meterbox → the package
 * root, /usr/bin/node → this Node, the config → `configFile`. The unit has no quoting to undo.
 */
export function execStartArgv(configFile: string): string[] {
  const exec = unitDirectives().get('ExecStart')?.[0];
  if (!exec) throw new Error(`${UNIT_FILE} has no ExecStart`);
  return exec
    .split(/\s+/)
    .map((a) => (a === '/usr/bin/node' ? process.execPath : a === '/etc/meterbox/config.json' ? configFile : a.replace(/^\/opt\/meterbox\//, `${PACKAGE_ROOT}/`)));
}

/**
 * The unit's `Environment=` settings as a process environment, for a process started the way
 * systemd starts the agent; METERBOX_DB (the installed outbox path) is mapped to `db`.
 */
export function unitEnvironment(db: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const setting of unitDirectives().get('Environment') ?? []) {
    for (const [, name, value] of setting.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=(\S*)/g)) env[name as string] = value as string;
  }
  if (env.METERBOX_DB) env.METERBOX_DB = db;
  return env;
}
