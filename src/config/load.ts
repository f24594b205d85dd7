/**
 * Loading the configuration: JSON → schema (every problem at once, each with its JSON path, the
 * bad value and what is expected) → cross-field checks → secrets resolved from inline / file /
 * env → permission warnings. Throws one MeterboxError (MBX_CONFIG_INVALID) that carries all the
 * problems in `context.problems`.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath, dirname } from 'node:path';
import type { z } from 'zod';
import { MeterboxError } from '../errors.js';
import { parseTargetArg, parseEntry } from '../net/targets.js';
import { credentialProblems, type SnmpCredentials } from '../snmp/credentials.js';
import { ConfigSchema, type MeterboxConfig, type SecretRef } from './schema.js';

export interface ConfigProblem {
  /** JSON path, `$.provider.token`. */
  path: string;
  /** The bad value as text (secrets masked); absent when the value is missing. */
  value?: string;
  expected: string;
}

export interface ResolvedCredential {
  name: string;
  credentials: SnmpCredentials;
}

/** The config with secrets resolved: what the daemon runs on. Never log it; log `maskedConfig`. */
export interface ResolvedConfig {
  file: string;
  config: MeterboxConfig;
  provider: { url: string; token: string; caFile?: string; clientCert?: string; clientKey?: string; proxy?: string; timeoutMs: number; batch: number };
  credentials: ResolvedCredential[];
  /** Every secret value, for log redaction. */
  secrets: string[];
  warnings: string[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Skip the file-mode warnings (tests of other things). */
  skipPermissionCheck?: boolean;
}

export function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

const SECRET_KEYS = new Set(['token', 'community', 'authKey', 'privKey', 'proxy']);

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: cur };
}

function showValue(v: unknown, secret: boolean): string {
  if (secret && typeof v === 'string') return `"${'*'.repeat(Math.min(8, v.length))}" (${v.length} chars)`;
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

function problemFromIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      path: jsonPath([...issue.path, k]),
      // A misspelt key in a section that holds secrets ("tokne") may hold one: mask its value.
      value: showValue(valueAt(raw, [...issue.path, k]).value, SECRET_KEYS.has(k) || issue.path[0] === 'provider' || issue.path[0] === 'credentials'),
      expected: `no such setting here (unknown key "${k}"; check the spelling against config/meterbox.schema.json)`,
    }));
  }
  const at = valueAt(raw, issue.path);
  const secret = issue.path.some((p) => typeof p === 'string' && SECRET_KEYS.has(p));
  let expected = issue.message;
  if (/^Invalid input/.test(expected) && issue.code === 'invalid_type') expected = `a value of type ${issue.expected}`;
  else if (issue.code === 'too_small' && /^Too small/.test(expected)) expected = issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : issue.origin === 'string' ? 'a non-empty string' : `at least ${String(issue.minimum)}`;
  else if (issue.code === 'too_big' && /^Too big/.test(expected)) expected = `at most ${String(issue.maximum)}`;
  else if (issue.code === 'invalid_type' && issue.expected === 'int') expected = 'a whole number';
  const p: ConfigProblem = { path: jsonPath(issue.path), expected };
  if (at.found && at.value !== undefined) p.value = showValue(at.value, secret);
  else p.value = undefined;
  if (!at.found || at.value === undefined) p.expected = `${expected} (missing)`;
  return [p];
}

/** Formats problems one per line: `$.provider.url: got "ftp://x"; expected the provider base URL, https://…` */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  ${p.path}: ${p.value !== undefined ? `got ${p.value}; ` : ''}expected ${p.expected}`).join('\n');
}

export function configInvalid(file: string, problems: ConfigProblem[]): MeterboxError {
  return new MeterboxError(
    'MBX_CONFIG_INVALID',
    `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:\n${formatProblems(problems)}`,
    { path: file, problems },
  );
}

function resolveSecret(ref: SecretRef, path: string, baseDir: string, env: NodeJS.ProcessEnv, problems: ConfigProblem[], warnings: string[], checkMode: boolean): string | undefined {
  if (typeof ref === 'string') return ref;
  if ('env' in ref) {
    const v = env[ref.env];
    if (v === undefined || v === '') {
      problems.push({ path, value: JSON.stringify(ref), expected: `the environment variable ${ref.env} to be set and non-empty` });
      return undefined;
    }
    return v;
  }
  const file = resolvePath(baseDir, ref.file);
  try {
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (text === '') {
      problems.push({ path, value: JSON.stringify(ref), expected: `a secret in ${file} (the file is empty)` });
      return undefined;
    }
    if (checkMode) {
      const w = modeWarning(file, 'secret file');
      if (w) warnings.push(w);
    }
    return text;
  } catch (err) {
    problems.push({ path, value: JSON.stringify(ref), expected: `a readable file ${file} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    return undefined;
  }
}

/** A warning when `file` can be read by group or others (secrets should be 0600 / 0640 root:meterbox at most). */
export function modeWarning(file: string, what: string): string | undefined {
  try {
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o004 || (what !== 'config file' && mode & 0o040)) {
      return `${what} ${file} is readable by ${mode & 0o004 ? 'everyone' : 'its group'} (mode ${mode.toString(8).padStart(4, '0')}); it holds secrets: chmod 600 ${file}`;
    }
  } catch {
    // not there: reported elsewhere
  }
  return undefined;
}

/** Validates a parsed JSON document; returns the config or every problem. Pure apart from secrets. */
export function validateConfig(raw: unknown, file: string, opts: LoadOptions = {}): ResolvedConfig {
  const env = opts.env ?? process.env;
  const parsed = ConfigSchema.safeParse(raw);
  const problems: ConfigProblem[] = [];
  if (!parsed.success) {
    for (const issue of parsed.error.issues) problems.push(...problemFromIssue(issue, raw));
  }
  // Cross-field checks need a well-formed document; report them together with schema problems where possible.
  const cfg = parsed.success ? parsed.data : undefined;
  if (!cfg) throw configInvalid(file, problems);

  const warnings: string[] = [];
  const secrets: string[] = [];
  const baseDir = dirname(resolvePath(file));
  const secret = (ref: SecretRef | undefined, path: string): string | undefined => {
    if (ref === undefined) return undefined;
    const v = resolveSecret(ref, path, baseDir, env, problems, warnings, !opts.skipPermissionCheck);
    if (v !== undefined) secrets.push(v);
    return v;
  };

  const token = secret(cfg.provider.token, '$.provider.token');
  const proxy = secret(cfg.provider.proxy, '$.provider.proxy');
  if (proxy !== undefined && !/^https?:\/\/[^\s/]+/i.test(proxy)) problems.push({ path: '$.provider.proxy', value: showValue(proxy.replace(/\/\/[^@/]*@/, '//***@'), false), expected: 'a proxy URL, http(s)://[user:password@]host:port' });
  if (proxy !== undefined) {
    const m = /^https?:\/\/([^@/]*)@/i.exec(proxy);
    const pass = m?.[1]?.split(':').slice(1).join(':');
    if (pass) secrets.push(pass, decodeURIComponent(pass));
  }
  for (const k of ['caFile', 'clientCert', 'clientKey'] as const) {
    const f = cfg.provider[k];
    if (f === undefined) continue;
    try {
      readFileSync(resolvePath(baseDir, f));
    } catch (err) {
      problems.push({ path: `$.provider.${k}`, value: JSON.stringify(f), expected: `a readable PEM file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
    }
  }
  if ((cfg.provider.clientCert === undefined) !== (cfg.provider.clientKey === undefined)) {
    problems.push({ path: cfg.provider.clientCert ? '$.provider.clientKey' : '$.provider.clientCert', expected: 'clientCert and clientKey together (mTLS needs both) (missing)' });
  }

  const credentials: ResolvedCredential[] = [];
  const names = new Set<string>();
  cfg.credentials.forEach((c, i) => {
    const at = `$.credentials[${i}]`;
    if (names.has(c.name)) problems.push({ path: `${at}.name`, value: JSON.stringify(c.name), expected: 'a credential set name used only once' });
    names.add(c.name);
    let creds: SnmpCredentials | undefined;
    if (c.version === '3') {
      const authKey = secret(c.authKey, `${at}.authKey`);
      const privKey = secret(c.privKey, `${at}.privKey`);
      const level = c.level ?? (privKey ? 'authPriv' : authKey ? 'authNoPriv' : 'noAuthNoPriv');
      creds = { version: '3', user: c.user, level, ...(c.authProtocol ? { authProtocol: c.authProtocol } : {}), ...(authKey ? { authKey } : {}), ...(c.privProtocol ? { privProtocol: c.privProtocol } : {}), ...(privKey ? { privKey } : {}), ...(c.context ? { context: c.context } : {}) };
    } else {
      const community = secret(c.community, `${at}.community`);
      if (community !== undefined) creds = { version: c.version, community };
    }
    if (creds) {
      for (const p of credentialProblems(creds)) problems.push({ path: at, value: JSON.stringify(c.name), expected: p.replace(/ \(--[a-z0-9-]+\)/g, '') });
      credentials.push({ name: c.name, credentials: creds });
    }
  });

  cfg.targets.forEach((t, i) => {
    const at = `$.targets[${i}]`;
    try {
      const spec = typeof t === 'string' ? parseTargetArg(t) : t;
      parseEntry(spec.target, false);
      (spec.exclude ?? []).forEach((x, j) => {
        try {
          parseEntry(x, true);
        } catch (err) {
          problems.push({ path: `${at}.exclude[${j}]`, value: JSON.stringify(x), expected: `a CIDR block, range, address or host name (${(err as Error).message})` });
        }
      });
      (spec.credentials ?? []).forEach((n, j) => {
        if (!names.has(n)) problems.push({ path: `${at}.credentials[${j}]`, value: JSON.stringify(n), expected: `the name of a credential set in $.credentials (${[...names].join(', ') || 'none defined'})` });
      });
    } catch (err) {
      problems.push({ path: typeof t === 'string' ? at : `${at}.target`, value: JSON.stringify(typeof t === 'string' ? t : t.target), expected: `a CIDR block, range, address or host name (${(err as Error).message})` });
    }
  });
  cfg.exclude.forEach((x, j) => {
    try {
      parseEntry(x, true);
    } catch (err) {
      problems.push({ path: `$.exclude[${j}]`, value: JSON.stringify(x), expected: `a CIDR block, range, address or host name (${(err as Error).message})` });
    }
  });

  if (problems.length > 0) throw configInvalid(file, problems);
  const provider: ResolvedConfig['provider'] = { url: cfg.provider.url, token: token as string, timeoutMs: cfg.provider.timeoutMs, batch: cfg.provider.batch };
  for (const k of ['caFile', 'clientCert', 'clientKey'] as const) {
    const f = cfg.provider[k];
    if (f !== undefined) provider[k] = resolvePath(baseDir, f);
  }
  if (proxy !== undefined) provider.proxy = proxy;
  const storagePath = resolvePath(baseDir, cfg.storage.path);
  const config: MeterboxConfig = { ...cfg, storage: { ...cfg.storage, path: storagePath } };
  return { file, config, provider, credentials, secrets: [...new Set(secrets.filter((s) => s.length >= 3))], warnings };
}

/** Reads, parses and validates `file`. Throws MBX_CONFIG_INVALID with every problem. */
export function loadConfig(file: string, opts: LoadOptions = {}): ResolvedConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new MeterboxError(
      'MBX_CONFIG_INVALID',
      `${file}: cannot read the configuration (${code ?? (err as Error).message})` + (code === 'ENOENT' ? '; copy config/meterbox.example.json there or pass --config' : ''),
      { path: file, problems: [{ path: '$', expected: `a readable file (${code ?? 'error'})` }] },
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new MeterboxError('MBX_CONFIG_INVALID', `${file}: not valid JSON: ${(err as Error).message}`, {
      path: file,
      problems: [{ path: '$', expected: `valid JSON (${(err as Error).message})` }],
    });
  }
  const res = validateConfig(raw, file, opts);
  if (!opts.skipPermissionCheck) {
    const w = modeWarning(file, 'config file');
    if (w) res.warnings.unshift(hasInlineSecret(res.config) ? w : `${w.replace(/; it holds secrets.*$/, '')}; it names where the secrets are: chmod 640 ${file}`);
  }
  return res;
}

function hasInlineSecret(c: MeterboxConfig): boolean {
  if (typeof c.provider.token === 'string' || typeof c.provider.proxy === 'string') return true;
  return c.credentials.some((k) => (k.version === '3' ? typeof k.authKey === 'string' || typeof k.privKey === 'string' : typeof k.community === 'string'));
}
