/**
 * src/config/: the one configuration file (default /etc/meterbox/config.json).
 * Owns: the schema (schema.ts: types and the JSON Schema from one zod source), loading and
 * validation with every problem at once (load.ts), secrets from inline / file / env, and
 * masking secrets in `config show` and in logs (redact.ts).
 * May import: errors, net/targets (target syntax), snmp/credentials (types and checks), zod,
 * node-cron (expression checks), node:*. Must not import: daemon, store, upload, cli.
 */
export { ConfigSchema, CredentialSchema, TargetSchema, SecretRef, DEFAULT_CONFIG_PATH, SCHEDULE_NAMES, configJsonSchema, type MeterboxConfig, type CredentialConfig, type TargetConfig, type ScheduleName } from './schema.js';
export { loadConfig, validateConfig, formatProblems, configInvalid, modeWarning, jsonPath, type ConfigProblem, type ResolvedConfig, type ResolvedCredential, type LoadOptions } from './load.js';
export { maskConfig, SecretMasker, maskingStream, REDACT_PATHS, MASK } from './redact.js';
