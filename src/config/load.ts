/**
 * Loading the configuration in ONE pass: JSON (syntax errors with line and column) → the schema
 * (every problem with its JSON path, where it is in the file, the bad value and what is expected)
 * → cross-field checks on every section that is well-formed on its own (credential names, targets,
 * the sweep size) → secrets resolved from inline / file / env / systemd credential → permission
 * warnings. Every problem of a file comes out at once, in one MeterboxError (MBX_CONFIG_INVALID)
 * that carries them in `context.problems`. A secret field's value is never shown, whatever its type.
 */
import { readFileSync, statSync } from 'node:fs';
import { resolve as resolvePath, dirname, join } from 'node:path';
import { parseEnv } from 'node:util';
import { findNodeAtLocation, parse as parseJsonc, parseTree, printParseErrorCode, type Node as JsonNode, type ParseError } from 'jsonc-parser';
import type { z } from 'zod';
import { MeterboxError } from '../contract/errors.js';
import type { ReadingVersion } from '../contract/reading.js';
import { parseTargetArg, parseEntry, sweepSizeProblem, targetsWithoutDns, type TargetSpec } from '../net/targets.js';
import { credentialProblems, impliedLevel, type SnmpCredentials } from '../snmp/credentials.js';
import { CREDENTIAL_STORE, ENVIRONMENT_FILE, ConfigSchema, CredentialSchema, TargetSchema, type CredentialConfig, type MeterboxConfig, type SecretRef } from './schema.js';

export interface ConfigProblem {
  /** JSON path, `$.provider.token`. */
  path: string;
  /** Where in the file (1-based), when the path or its nearest parent is there. */
  line?: number;
  column?: number;
  /** The bad value as text (secrets never shown); absent when the value is missing. */
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
  /** config.targets with the `label=target` strings parsed: what discovery sweeps. */
  targets: TargetSpec[];
  provider: { url: string; token: string; caFile?: string; clientCert?: string; clientKey?: string; proxy?: string; timeoutMs: number; batch: number; readingVersion: ReadingVersion };
  credentials: ResolvedCredential[];
  /** The status page's LAN password (health.lan.password), when LAN access is configured. */
  lanPassword?: string;
  /** Every secret value, for log redaction. */
  secrets: string[];
  warnings: string[];
}

/** What `meterbox discover --config` takes from a file: the agent's own, or one with only these sections. */
export interface DiscoveryConfig {
  file: string;
  snmp: MeterboxConfig['snmp'];
  credentials: ResolvedCredential[];
  targets: TargetSpec[];
  exclude: string[];
  /** devices.allow: serials under contract. */
  allow?: string[];
  warnings: string[];
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** Where `{ "env" }` secrets missing from `env` are looked up: the unit's EnvironmentFile (default), so that
   * `config check` and `doctor` run from a shell see what the service will. */
  environmentFile?: string;
  /** Skip the file-mode warnings (tests of other things). */
  skipPermissionCheck?: boolean;
}

/** What `config check --no-secrets` learns: the shape and references are right; these were not read. */
export interface ShapeCheck {
  file: string;
  config: MeterboxConfig;
  warnings: string[];
  /** `$.provider.token: { "file": "/etc/meterbox/token" }`, … */
  notRead: string[];
}

function jsonPath(path: readonly PropertyKey[]): string {
  let out = '$';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else if (typeof p === 'string' && /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(p)) out += `.${p}`;
    else out += `[${JSON.stringify(String(p))}]`;
  }
  return out;
}

const SECRET_KEYS = new Set(['token', 'community', 'authKey', 'privKey', 'proxy', 'password']);
/** A placeholder for a secret that `--no-secrets` does not read: long enough for the key-length rules. */
const UNREAD = '\u0000unread\u0000';

function valueAt(root: unknown, path: readonly PropertyKey[]): { found: boolean; value?: unknown } {
  let cur: unknown = root;
  for (const p of path) {
    if (cur === null || typeof cur !== 'object' || !(p in (cur as object))) return { found: false };
    cur = (cur as Record<PropertyKey, unknown>)[p];
  }
  return { found: true, value: cur };
}

function typeName(v: unknown): string {
  if (Array.isArray(v)) return 'a list';
  if (v === null) return 'null';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

/** A secret field shows its shape only: a reference ({ "file" } …) as written, anything else as its type and size. */
function showValue(v: unknown, secret: boolean): string {
  if (secret) {
    if (typeof v === 'string') return `"${'*'.repeat(Math.min(8, v.length))}" (${v.length} chars)`;
    const isReference = typeof v === 'object' && v !== null && !Array.isArray(v) && Object.entries(v).every(([k, x]) => ['file', 'env', 'credential'].includes(k) && typeof x === 'string');
    if (!isReference) return `${typeName(v)} (not shown: the field holds a secret)`;
  }
  const s = JSON.stringify(v);
  if (s === undefined) return String(v);
  return s.length > 80 ? `${s.slice(0, 77)}…` : s;
}

function isSecretPath(path: readonly PropertyKey[]): boolean {
  return path.some((p) => typeof p === 'string' && SECRET_KEYS.has(p));
}

function problemFromIssue(issue: z.core.$ZodIssue, raw: unknown): ConfigProblem[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((k) => ({
      path: jsonPath([...issue.path, k]),
      // A misspelt key in a section that holds secrets ("tokne") may hold one: never show its value.
      value: showValue(valueAt(raw, [...issue.path, k]).value, SECRET_KEYS.has(k) || isSecretPath(issue.path) || issue.path[0] === 'provider' || issue.path[0] === 'credentials'),
      expected: `no such setting here (unknown key "${k}"; check the spelling against config/meterbox.schema.json)`,
    }));
  }
  const at = valueAt(raw, issue.path);
  let expected = issue.message;
  if (/^Invalid input/.test(expected) && issue.code === 'invalid_type') expected = `a value of type ${issue.expected}`;
  else if (issue.code === 'too_small' && /^Too small/.test(expected)) expected = issue.origin === 'array' ? `at least ${String(issue.minimum)} item(s)` : issue.origin === 'string' ? 'a non-empty string' : `at least ${String(issue.minimum)}`;
  else if (issue.code === 'too_big' && /^Too big/.test(expected)) expected = `at most ${String(issue.maximum)}`;
  else if (issue.code === 'invalid_type' && issue.expected === 'int') expected = 'a whole number';
  const p: ConfigProblem = { path: jsonPath(issue.path), expected };
  if (at.found && at.value !== undefined) p.value = showValue(at.value, isSecretPath(issue.path));
  else p.expected = `${expected} (missing)`;
  return [p];
}

/** Formats problems one per line: `$.provider.url (line 4, column 12): got "ftp://x"; expected the provider base URL, https://…` */
export function formatProblems(problems: readonly ConfigProblem[]): string {
  return problems.map((p) => `  ${p.path}${p.line !== undefined ? ` (line ${p.line}, column ${p.column ?? 1})` : ''}: ${p.value !== undefined ? `got ${p.value}; ` : ''}expected ${p.expected}`).join('\n');
}

export function configInvalid(file: string, problems: ConfigProblem[]): MeterboxError {
  return new MeterboxError(
    'MBX_CONFIG_INVALID',
    `${file}: ${problems.length} problem${problems.length === 1 ? '' : 's'} in the configuration:\n${formatProblems(problems)}`,
    { path: file, problems },
  );
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, column: offset - before.lastIndexOf('\n') };
}

/** A JSON syntax error, located by a tolerant parser (V8's message has no position for some errors). */
function syntaxProblem(text: string, v8Message: string): ConfigProblem {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  const first = errors[0];
  if (!first) return { path: '$', expected: `valid JSON (${v8Message})` };
  const words = printParseErrorCode(first.error).replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();
  return { path: '$', ...lineColumn(text, first.offset), expected: `valid JSON: ${words} (${v8Message})` };
}

/** A group-readable secret file is right when its group is the service's (0640 root:meterbox). */
function groupOf(gid: number): string | undefined {
  try {
    for (const line of readFileSync('/etc/group', 'utf8').split('\n')) {
      const [name, , id] = line.split(':');
      if (id !== undefined && Number(id) === gid) return name;
    }
  } catch {
    // no /etc/group: the group has no name
  }
  return undefined;
}

/**
 * A warning when `file` can be read by more than it should: a config by everyone; a secret file by
 * everyone or by a group other than the service's; a credential-store file by anyone but root.
 */
function modeWarning(file: string, what: 'config file' | 'secret file' | 'credential file'): string | undefined {
  let st;
  try {
    st = statSync(file);
  } catch {
    return undefined; // not there: reported elsewhere
  }
  const mode = st.mode & 0o777;
  const octal = mode.toString(8).padStart(4, '0');
  if (what === 'config file') return mode & 0o004 ? `config file ${file} is readable by everyone (mode ${octal})` : undefined;
  if (what === 'credential file') {
    return mode & 0o044 ? `credential file ${file} is readable by ${mode & 0o004 ? 'everyone' : 'its group'} (mode ${octal}); systemd reads it as root for the service: chmod 0600 ${file}` : undefined;
  }
  const group = groupOf(st.gid);
  const serviceGroup = group === 'meterbox' || (typeof process.getgid === 'function' && st.gid === process.getgid() && st.gid !== 0);
  if (mode & 0o004 || (mode & 0o040 && !serviceGroup)) {
    return (
      `secret file ${file} is readable by ${mode & 0o004 ? 'everyone' : `group ${group ?? st.gid}`} (mode ${octal}); ` +
      `the service (user meterbox) must read it and nobody else: chown root:meterbox ${file} && chmod 0640 ${file} ` +
      `(or keep it root-only in ${CREDENTIAL_STORE}/ and name it as { "credential": "<name>" })`
    );
  }
  return undefined;
}

/** A variable of the unit's EnvironmentFile (KEY=value lines, as systemd and util.parseEnv read them). */
function environmentFileValue(file: string, name: string): string | undefined {
  try {
    return parseEnv(readFileSync(file, 'utf8'))[name];
  } catch {
    return undefined; // no such file, or not readable by this user: the variable is simply not set
  }
}

interface SecretContext {
  baseDir: string;
  env: NodeJS.ProcessEnv;
  environmentFile: string;
  problems: ConfigProblem[];
  warnings: string[];
  checkModes: boolean;
  /** false: `--no-secrets`; references are checked for shape only and listed in `notRead`. */
  read: boolean;
  notRead: string[];
}

function readSecretFile(file: string, path: string, ref: SecretRef, ctx: SecretContext, what: 'secret file' | 'credential file', missing: string): string | undefined {
  try {
    const text = readFileSync(file, 'utf8').replace(/\r?\n$/, '');
    if (text === '') {
      ctx.problems.push({ path, value: JSON.stringify(ref), expected: `a secret in ${file} (the file is empty)` });
      return undefined;
    }
    if (ctx.checkModes) {
      const w = modeWarning(file, what);
      if (w) ctx.warnings.push(w);
    }
    return text;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    ctx.problems.push({ path, value: JSON.stringify(ref), expected: code === 'ENOENT' ? missing : `a readable file ${file} (${code})` });
    return undefined;
  }
}

function resolveSecret(ref: SecretRef, path: string, ctx: SecretContext): string | undefined {
  if (typeof ref === 'string') return ref;
  if (!ctx.read) {
    ctx.notRead.push(`${path}: ${JSON.stringify(ref)}`);
    return UNREAD;
  }
  if ('env' in ref) {
    const v = ctx.env[ref.env] || environmentFileValue(ctx.environmentFile, ref.env);
    if (v === undefined || v === '') {
      ctx.problems.push({ path, value: JSON.stringify(ref), expected: `the environment variable ${ref.env} to be set and non-empty (for the service: in ${ctx.environmentFile})` });
      return undefined;
    }
    return v;
  }
  if ('credential' in ref) {
    // Under the unit, systemd hands the credential over in $CREDENTIALS_DIRECTORY: as <name> when a
    // drop-in loads it by name, as meterbox_<name> when the shipped unit loads the whole store.
    // Outside the service (config check, doctor as root) the store itself is read.
    const dir = ctx.env.CREDENTIALS_DIRECTORY;
    const candidates = dir ? [join(dir, ref.credential), join(dir, `meterbox_${ref.credential}`)] : [join(CREDENTIAL_STORE, ref.credential)];
    const file = candidates.find((f) => {
      try {
        return statSync(f).isFile();
      } catch {
        return false;
      }
    });
    const where = dir ? `no ${ref.credential} in $CREDENTIALS_DIRECTORY (${dir})` : `no file ${candidates[0]}`;
    return readSecretFile(file ?? (candidates[0] as string), path, ref, ctx, dir ? 'secret file' : 'credential file', `the systemd credential "${ref.credential}": ${where}; put the secret in ${CREDENTIAL_STORE}/${ref.credential} (root:root 0600), which the unit loads with LoadCredential=`);
  }
  const file = resolvePath(ctx.baseDir, ref.file);
  return readSecretFile(file, path, ref, ctx, 'secret file', `a readable file ${file} (ENOENT)`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A section parsed on its own: its value (defaults filled in) when it is well-formed, else undefined. */
function section<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const r = schema.safeParse(value);
  return r.success ? r.data : undefined;
}

/**
 * A file `meterbox discover --config` may take besides the agent's own: the same schema with the
 * agent's identity, its provider and its credentials optional (flags can give credentials).
 */
const DiscoveryFileSchema = ConfigSchema.partial({ agentId: true, provider: true, credentials: true });

interface Examined {
  config?: MeterboxConfig;
  /** The sections discovery uses, when they are valid (in discovery mode also without a provider). */
  discovery?: Omit<DiscoveryConfig, 'file' | 'credentials' | 'warnings'>;
  targets: TargetSpec[];
  provider?: ResolvedConfig['provider'];
  lanPassword?: string;
  credentials: ResolvedCredential[];
  secrets: string[];
  problems: ConfigProblem[];
  warnings: string[];
  notRead: string[];
}

/**
 * Every check on one parsed document, in one pass: the schema, and the cross-field checks on each
 * section that is well-formed by itself, so a bad target is reported next to a bad agentId.
 */
function examine(raw: unknown, file: string, opts: LoadOptions & { readSecrets: boolean; discoveryOnly?: boolean }): Examined {
  const env = opts.env ?? process.env;
  const problems: ConfigProblem[] = [];
  const parsed = (opts.discoveryOnly ? DiscoveryFileSchema : ConfigSchema).safeParse(raw);
  if (!parsed.success) for (const issue of parsed.error.issues) problems.push(...problemFromIssue(issue, raw));
  const doc = isObject(raw) ? raw : {};
  const shape = ConfigSchema.shape;

  const warnings: string[] = [];
  const secrets: string[] = [];
  const notRead: string[] = [];
  const baseDir = dirname(resolvePath(file));
  const ctx: SecretContext = { baseDir, env, environmentFile: opts.environmentFile ?? ENVIRONMENT_FILE, problems, warnings, checkModes: !opts.skipPermissionCheck, read: opts.readSecrets, notRead };
  const secret = (ref: SecretRef | undefined, path: string): string | undefined => {
    if (ref === undefined) return undefined;
    const v = resolveSecret(ref, path, ctx);
    if (v !== undefined && v !== UNREAD) secrets.push(v);
    return v;
  };

  const providerCfg = section(shape.provider, doc.provider);
  let provider: ResolvedConfig['provider'] | undefined;
  if (providerCfg) {
    const token = secret(providerCfg.token, '$.provider.token');
    const proxy = secret(providerCfg.proxy, '$.provider.proxy');
    if (proxy !== undefined && proxy !== UNREAD && !/^https?:\/\/[^\s/]+/i.test(proxy)) problems.push({ path: '$.provider.proxy', value: showValue(proxy.replace(/\/\/[^@/]*@/, '//***@'), false), expected: 'a proxy URL, http(s)://[user:password@]host:port' });
    if (proxy !== undefined && proxy !== UNREAD) {
      const m = /^https?:\/\/([^@/]*)@/i.exec(proxy);
      const pass = m?.[1]?.split(':').slice(1).join(':');
      if (pass) secrets.push(pass, decodeURIComponent(pass));
    }
    for (const k of ['caFile', 'clientCert', 'clientKey'] as const) {
      const f = providerCfg[k];
      if (f === undefined) continue;
      if (!opts.readSecrets) {
        notRead.push(`$.provider.${k}: ${JSON.stringify(f)}`);
        continue;
      }
      try {
        readFileSync(resolvePath(baseDir, f));
      } catch (err) {
        problems.push({ path: `$.provider.${k}`, value: JSON.stringify(f), expected: `a readable PEM file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})` });
      }
    }
    if ((providerCfg.clientCert === undefined) !== (providerCfg.clientKey === undefined)) {
      problems.push({ path: providerCfg.clientCert ? '$.provider.clientKey' : '$.provider.clientCert', expected: 'clientCert and clientKey together (mTLS needs both) (missing)' });
    }
    if (/^https:\/\/[^/]*\.(example|invalid)(:\d+)?(\/|$)/i.test(providerCfg.url)) warnings.push(`provider.url ${providerCfg.url} is a placeholder (.example / .invalid never resolve): set the URL your provider gave you`);
    provider = { url: providerCfg.url, token: token as string, timeoutMs: providerCfg.timeoutMs, batch: providerCfg.batch, readingVersion: providerCfg.readingVersion };
    for (const k of ['caFile', 'clientCert', 'clientKey'] as const) {
      const f = providerCfg[k];
      if (f !== undefined) provider[k] = resolvePath(baseDir, f);
    }
    if (proxy !== undefined) provider.proxy = proxy;
  }

  // The status page's LAN access: a password from a secret, its own port, HTTPS unless said otherwise.
  const health = section(shape.health, doc.health);
  let lanPassword: string | undefined;
  if (health?.lan) {
    const lan = health.lan;
    lanPassword = secret(lan.password, '$.health.lan.password');
    if (lanPassword !== undefined && lanPassword !== UNREAD && lanPassword.length < 8) problems.push({ path: '$.health.lan.password', value: showValue(lanPassword, true), expected: 'a password of 8 or more characters (anyone on the LAN may try it)' });
    if (lan.port !== 0 && lan.port === health.port) problems.push({ path: '$.health.lan.port', value: String(lan.port), expected: `a port other than health.port (${health.port}): the LAN listener is a second one` });
    if ((lan.certFile === undefined) !== (lan.keyFile === undefined)) problems.push({ path: lan.certFile ? '$.health.lan.keyFile' : '$.health.lan.certFile', expected: 'certFile and keyFile together, or neither (a self-signed pair is made) (missing)' });
    if (!health.statusPage) warnings.push('health.lan is set but health.statusPage is false: the LAN listener is not started');
    if (lan.insecureHttp) warnings.push(`health.lan.insecureHttp is true: the status page and its password cross the LAN in clear text on http://${lan.host}:${lan.port}; remove it to serve HTTPS with the box's own certificate`);
  }

  // Names count even when the rest of their set is malformed: a target naming them is not wrong.
  const rawCreds = Array.isArray(doc.credentials) ? doc.credentials : [];
  const names = new Set<string>();
  const credentials: ResolvedCredential[] = [];
  rawCreds.forEach((rc, i) => {
    const at = `$.credentials[${i}]`;
    const name = isObject(rc) && typeof rc.name === 'string' ? rc.name : undefined;
    if (name !== undefined) {
      if (names.has(name)) problems.push({ path: `${at}.name`, value: JSON.stringify(name), expected: 'a credential set name used only once' });
      names.add(name);
    }
    const c: CredentialConfig | undefined = section(CredentialSchema, rc);
    if (!c) return;
    let creds: SnmpCredentials | undefined;
    if (c.version === '3') {
      const authKey = secret(c.authKey, `${at}.authKey`);
      const privKey = secret(c.privKey, `${at}.privKey`);
      const level = c.level ?? impliedLevel({ authKey, privKey });
      creds = { version: '3', user: c.user, level, ...(c.authProtocol ? { authProtocol: c.authProtocol } : {}), ...(authKey ? { authKey } : {}), ...(c.privProtocol ? { privProtocol: c.privProtocol } : {}), ...(privKey ? { privKey } : {}), ...(c.context ? { context: c.context } : {}) };
    } else {
      const community = secret(c.community, `${at}.community`);
      if (community !== undefined) creds = { version: c.version, community };
    }
    if (creds) {
      // An unread key stands in as 8 characters: the rules about which keys a level needs still apply.
      const checked = creds.version === '3' ? { ...creds, ...(creds.authKey === UNREAD ? { authKey: '********' } : {}), ...(creds.privKey === UNREAD ? { privKey: '********' } : {}) } : creds;
      for (const p of credentialProblems(checked)) problems.push({ path: at, value: JSON.stringify(c.name), expected: p.replace(/ \(--[a-z0-9-]+\)/g, '') });
      credentials.push({ name: c.name, credentials: creds });
    }
  });

  const entryProblem = (path: string, text: string, err: unknown) => problems.push({ path, value: JSON.stringify(text), expected: `a CIDR block, range, address or host name (${(err as Error).message})` });
  const specs: TargetSpec[] = [];
  let targetsOk = true;
  (Array.isArray(doc.targets) ? doc.targets : []).forEach((rt, i) => {
    const at = `$.targets[${i}]`;
    const t = section(TargetSchema, rt);
    if (t === undefined) return void (targetsOk = false);
    let spec: TargetSpec;
    try {
      spec = typeof t === 'string' ? parseTargetArg(t) : t;
      parseEntry(spec.target, false);
    } catch (err) {
      targetsOk = false;
      return void entryProblem(typeof t === 'string' ? at : `${at}.target`, typeof t === 'string' ? t : t.target, err);
    }
    (spec.exclude ?? []).forEach((x, j) => {
      try {
        parseEntry(x, true);
      } catch (err) {
        targetsOk = false;
        entryProblem(`${at}.exclude[${j}]`, x, err);
      }
    });
    (spec.credentials ?? []).forEach((n, j) => {
      if (!names.has(n)) problems.push({ path: `${at}.credentials[${j}]`, value: JSON.stringify(n), expected: `the name of a credential set in $.credentials (${[...names].join(', ') || 'none defined'})` });
    });
    specs.push(spec);
  });
  const exclude = section(shape.exclude, doc.exclude) ?? [];
  exclude.forEach((x, j) => {
    try {
      parseEntry(x, true);
    } catch (err) {
      targetsOk = false;
      entryProblem(`$.exclude[${j}]`, x, err);
    }
  });

  // The sweep-size limit, as the daemon's discovery will apply it (host names count one address each until DNS says more).
  const snmp = section(shape.snmp, doc.snmp);
  if (snmp && targetsOk && specs.length > 0) {
    const tooLarge = sweepSizeProblem(targetsWithoutDns(specs, exclude), snmp.maxAddresses);
    if (tooLarge) {
      problems.push({
        path: '$.targets',
        value: `${tooLarge.addresses.toLocaleString('en-US')} addresses`,
        expected: `at most snmp.maxAddresses (${tooLarge.limit.toLocaleString('en-US')}) addresses to sweep: ${tooLarge.message}; narrow the targets to the printer VLANs, or raise snmp.maxAddresses if you really mean it`,
      });
    }
  }

  if (!parsed.success || problems.length > 0) return { credentials, targets: specs, secrets, problems, warnings, notRead };
  const cfg = parsed.data;
  const allow = cfg.devices.allow;
  const discovery = { snmp: cfg.snmp, targets: specs, exclude: cfg.exclude, ...(allow && allow.length > 0 ? { allow } : {}) };
  const kept = [...new Set(secrets.filter((s) => s.length >= 3))];
  if (!provider || cfg.agentId === undefined || cfg.credentials === undefined) return { discovery, credentials, targets: specs, secrets: kept, problems, warnings, notRead };
  const lan = cfg.health.lan;
  const config: MeterboxConfig = {
    ...cfg,
    agentId: cfg.agentId,
    provider: cfg.provider as MeterboxConfig['provider'],
    credentials: cfg.credentials,
    storage: { ...cfg.storage, path: resolvePath(baseDir, cfg.storage.path) },
    ...(lan ? { health: { ...cfg.health, lan: { ...lan, ...(lan.certFile ? { certFile: resolvePath(baseDir, lan.certFile) } : {}), ...(lan.keyFile ? { keyFile: resolvePath(baseDir, lan.keyFile) } : {}) } } } : {}),
  };
  return { config, discovery, provider, ...(lanPassword !== undefined && lanPassword !== UNREAD ? { lanPassword } : {}), credentials, targets: specs, secrets: kept, problems, warnings, notRead };
}

/** Validates a parsed JSON document and resolves its secrets; throws MBX_CONFIG_INVALID with every problem. */
export function validateConfig(raw: unknown, file: string, opts: LoadOptions = {}): ResolvedConfig {
  const r = examine(raw, file, { ...opts, readSecrets: true });
  if (r.problems.length > 0 || !r.config || !r.provider) throw configInvalid(file, r.problems);
  return { file, config: r.config, targets: r.targets, provider: r.provider, ...(r.lanPassword !== undefined ? { lanPassword: r.lanPassword } : {}), credentials: r.credentials, secrets: r.secrets, warnings: r.warnings };
}

/** Reads and parses `file`; a syntax error is MBX_CONFIG_INVALID with its line and column. */
export function readDocument(file: string): { text: string; raw: unknown } {
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
  try {
    return { text, raw: JSON.parse(text) };
  } catch (err) {
    throw configInvalid(file, [syntaxProblem(text, (err as Error).message)]);
  }
}

/** Adds line and column to each problem from where its path (or the nearest parent) is in the text. */
function locate(text: string, problems: ConfigProblem[]): ConfigProblem[] {
  const tree = parseTree(text);
  if (!tree) return problems;
  return problems.map((p) => {
    if (p.line !== undefined) return p;
    const segs = [...p.path.matchAll(/\.([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\["((?:[^"\\]|\\.)*)"\]/g)].map((m) => (m[2] !== undefined ? Number(m[2]) : (m[1] ?? JSON.parse(`"${m[3] ?? ''}"`) as string)));
    let node: JsonNode | undefined;
    for (let n = segs.length; n >= 0 && !node; n--) node = findNodeAtLocation(tree, segs.slice(0, n));
    // A property's value node: point at its key, where the reader's eye goes.
    const at = node?.parent?.type === 'property' ? node.parent : node;
    return at ? { ...p, ...lineColumn(text, at.offset) } : p;
  });
}

function withLocations(err: unknown, text: string): unknown {
  if (err instanceof MeterboxError && err.code === 'MBX_CONFIG_INVALID' && Array.isArray(err.context.problems)) {
    return configInvalid(err.context.path ?? '', locate(text, err.context.problems as ConfigProblem[]));
  }
  return err;
}

/** Reads, parses and validates `file`. Throws MBX_CONFIG_INVALID with every problem. */
export function loadConfig(file: string, opts: LoadOptions = {}): ResolvedConfig {
  const { text, raw } = readDocument(file);
  let res: ResolvedConfig;
  try {
    res = validateConfig(raw, file, opts);
  } catch (err) {
    throw withLocations(err, text);
  }
  if (!opts.skipPermissionCheck) fileModeWarning(file, hasInlineSecret(res.config), res.warnings);
  return res;
}

/**
 * `meterbox discover --config`: the agent's configuration file, or a file with only the sections
 * discovery uses (credentials, targets, exclude, devices, snmp), through the same one pass: the
 * schema, the cross-checks, the secrets. Throws MBX_CONFIG_INVALID with every problem.
 */
export function loadDiscoveryConfig(file: string, opts: LoadOptions = {}): DiscoveryConfig {
  const { text, raw } = readDocument(file);
  const r = examine(raw, file, { ...opts, readSecrets: true, discoveryOnly: true });
  if (r.problems.length > 0 || !r.discovery) throw withLocations(configInvalid(file, r.problems), text);
  if (!opts.skipPermissionCheck) fileModeWarning(file, hasInlineSecret(raw as Partial<MeterboxConfig>), r.warnings);
  return { file, ...r.discovery, credentials: r.credentials, warnings: r.warnings };
}

/** The config file's own mode, first among the warnings. */
function fileModeWarning(file: string, inlineSecret: boolean, warnings: string[]): void {
  const w = modeWarning(file, 'config file');
  if (w) warnings.unshift(inlineSecret ? `${w}; it holds secrets: chown root:meterbox ${file} && chmod 0640 ${file}` : `${w}; it names where the secrets are: chmod 0640 ${file}`);
}

/**
 * `config check --no-secrets`: everything but the secrets and the PEM files, which are checked
 * for their form and listed as not read. For checking a config before its secrets exist.
 */
export function checkConfigShape(file: string, opts: LoadOptions = {}): ShapeCheck {
  const { text, raw } = readDocument(file);
  const r = examine(raw, file, { ...opts, readSecrets: false });
  if (r.problems.length > 0 || !r.config) throw withLocations(configInvalid(file, r.problems), text);
  return { file, config: r.config, warnings: r.warnings, notRead: r.notRead };
}

function hasInlineSecret(c: Partial<Pick<MeterboxConfig, 'provider' | 'credentials' | 'health'>>): boolean {
  if (typeof c.provider?.token === 'string' || typeof c.provider?.proxy === 'string' || typeof c.health?.lan?.password === 'string') return true;
  return (c.credentials ?? []).some((k) => (k.version === '3' ? typeof k.authKey === 'string' || typeof k.privKey === 'string' : typeof k.community === 'string'));
}
