/**
 * Precedence between the local file and a remote configuration document (the payload of a signed
 * `config` envelope). The local file keeps what must never come from the network: the agent id, the
 * provider URL and token (and its TLS and proxy settings), the pinned keys (`remote`), the storage
 * and the local listeners (`health`), and every secret value. The remote document may set, as whole
 * sections, only `REMOTE_SECTIONS`: schedules, targets and exclusions, credential sets (whose
 * secrets must be references — `{ "credential" }`, `{ "env" }`, `{ "file" }` — to secrets kept on the
 * box), the contract allow-list (`devices`), SNMP tuning, the log level and the billing constants
 * (`billing`).
 *
 * The effective configuration is the local document with those sections replaced, checked by the
 * same loader as any local file: a remote document gets no rule of its own.
 */
import { MeterboxError } from '../contract/errors.js';
import { configInvalid, loadConfig, readDocument, validateConfig, type ConfigProblem, type LoadOptions, type ResolvedConfig } from '../config/load.js';

// `billing` (the contract's constants) is the config's own section once issue 12's billing-as-configuration is in;
// until then the loader refuses it as an unknown key, like any other setting the schema does not have.
export const REMOTE_SECTIONS = ['schedules', 'targets', 'exclude', 'credentials', 'devices', 'snmp', 'logging', 'billing'] as const;
export type RemoteSection = (typeof REMOTE_SECTIONS)[number];

/** Keys only the local file may set. */
export const LOCAL_ONLY = ['agentId', 'provider', 'remote', 'storage', 'health', '$schema'] as const;

const SECRET_FIELDS = ['community', 'authKey', 'privKey'] as const;

/** What is wrong with a payload before the loader sees it: local-only or unknown keys, inline secrets. */
export function payloadProblems(payload: unknown): ConfigProblem[] {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return [{ path: '$', expected: 'a remote configuration object' }];
  const problems: ConfigProblem[] = [];
  for (const k of Object.keys(payload)) {
    if ((REMOTE_SECTIONS as readonly string[]).includes(k)) continue;
    problems.push({
      path: `$.${k}`,
      expected: (LOCAL_ONLY as readonly string[]).includes(k)
        ? `nothing here: ${k} is set only in the local file (a remote configuration may set ${REMOTE_SECTIONS.join(', ')})`
        : `no such section in a remote configuration (it may set ${REMOTE_SECTIONS.join(', ')})`,
    });
  }
  const creds = (payload as { credentials?: unknown }).credentials;
  if (Array.isArray(creds)) {
    creds.forEach((c, i) => {
      if (typeof c !== 'object' || c === null) return;
      for (const f of SECRET_FIELDS) {
        if (typeof (c as Record<string, unknown>)[f] === 'string') {
          problems.push({ path: `$.credentials[${i}].${f}`, value: '(not shown: the field holds a secret)', expected: 'a reference to a secret kept on the box ({ "credential": "name" }, { "env": "VAR" } or { "file": "/path" }): secret values never come over the network' });
        }
      }
    });
  }
  return problems;
}

/** The local document with the remote sections put in. */
export function overlay(local: Record<string, unknown>, payload: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...local };
  for (const k of REMOTE_SECTIONS) if (k in payload) out[k] = payload[k];
  return out;
}

/**
 * The configuration the daemon runs: the local file, with the remote payload over it when there is
 * one. The local file must be valid on its own (throws its own MBX_CONFIG_INVALID); a payload that
 * cannot be used throws MBX_REMOTE_CONFIG_INVALID with the problems, and the caller keeps what runs.
 */
export function effectiveConfig(file: string, payload: Record<string, unknown> | undefined, opts: LoadOptions = {}): ResolvedConfig {
  const local = loadConfig(file, opts);
  if (!payload) return local;
  const pre = payloadProblems(payload);
  if (pre.length > 0) throw remoteInvalid(file, pre);
  const raw = readDocument(file).raw as Record<string, unknown>;
  let merged: ResolvedConfig;
  try {
    merged = validateConfig(overlay(raw, payload), file, opts);
  } catch (err) {
    const problems = err instanceof MeterboxError ? ((err.context.problems as ConfigProblem[] | undefined) ?? []) : [{ path: '$', expected: (err as Error).message }];
    throw remoteInvalid(file, problems);
  }
  return { ...merged, warnings: [...local.warnings, ...merged.warnings.filter((w) => !local.warnings.includes(w))] };
}

function remoteInvalid(file: string, problems: ConfigProblem[]): MeterboxError {
  const e = configInvalid(`remote configuration over ${file}`, problems);
  return new MeterboxError('MBX_REMOTE_CONFIG_INVALID', e.message, e.context);
}
