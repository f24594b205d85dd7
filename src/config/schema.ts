/**
 * The configuration schema: ONE source for the TypeScript types (z.infer), the validation
 * (with an "expected …" message on every field) and config/meterbox.schema.json (z.toJSONSchema).
 * Pure: no file or environment access here; see load.ts.
 */
import { z } from 'zod';
import { validateDetailed } from 'node-cron';
import { AUTH_PROTOCOLS, PRIV_PROTOCOLS, V3_LEVELS } from '../snmp/credentials.js';
import { BillingContractSchema } from '../billing/contract.js';

export const DEFAULT_CONFIG_PATH = '/etc/meterbox/config.json';

/** Where the shipped unit's LoadCredential= takes credentials from; outside the service, `{ "credential" }` reads here. */
export const CREDENTIAL_STORE = '/etc/meterbox/credentials';
/** The unit's EnvironmentFile=; outside the service, an `{ "env" }` secret missing from the environment is looked up here. */
export const ENVIRONMENT_FILE = '/etc/meterbox/environment';

/** A secret: inline, or read from a file, an environment variable or a systemd credential. */
export const SecretRef = z
  .union(
    [
      z.string().min(1),
      z.object({ file: z.string().min(1).meta({ description: 'file holding the secret (trailing newline removed); 0640 root:meterbox' }) }).strict(),
      z.object({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).meta({ description: 'environment variable holding the secret (the unit reads /etc/meterbox/environment)' }) }).strict(),
      z
        .object({
          credential: z
            .string()
            .regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/)
            .meta({ description: `systemd credential name: the file $CREDENTIALS_DIRECTORY/<name>, which the unit loads from ${CREDENTIAL_STORE}/<name>` }),
        })
        .strict(),
    ],
    { error: 'a non-empty string, { "file": "/path" }, { "env": "VARIABLE" } or { "credential": "name" }' },
  )
  .meta({ description: 'A secret: inline string, { "file": path }, { "env": variable name } or { "credential": systemd credential name }. Masked in logs and `config show`.' });
export type SecretRef = z.infer<typeof SecretRef>;

const cron = (dflt: string, what: string) =>
  z
    .string({ error: 'a cron expression string' })
    .superRefine((v, ctx) => {
      const r = validateDetailed(v);
      if (!r.valid) ctx.addIssue({ code: 'custom', message: `a cron expression ([second] minute hour day-of-month month day-of-week): ${r.errors.map((e) => e.message).join('; ')}` });
    })
    .default(dflt)
    .meta({ description: `${what}; cron with an optional seconds field (default ${JSON.stringify(dflt)})` });

const port = z.number({ error: 'a port number' }).int({ error: 'a whole port number' }).min(0, { error: 'a port 0..65535' }).max(65535, { error: 'a port 0..65535' });

const community = z
  .object({
    name: z.string({ error: 'a credential set name' }).min(1, { error: 'a non-empty credential set name' }),
    version: z.enum(['1', '2c'], { error: "'1', '2c' or '3'" }),
    community: SecretRef,
  })
  .strict();

const v3 = z
  .object({
    name: z.string({ error: 'a credential set name' }).min(1, { error: 'a non-empty credential set name' }),
    version: z.literal('3', { error: "'1', '2c' or '3'" }),
    user: z.string({ error: 'the SNMPv3 user name' }).min(1, { error: 'a non-empty SNMPv3 user name' }),
    level: z.enum(V3_LEVELS, { error: `one of ${V3_LEVELS.join(', ')}` }).optional().meta({ description: 'default: from the keys given' }),
    authProtocol: z.enum(AUTH_PROTOCOLS, { error: `one of ${AUTH_PROTOCOLS.join(', ')}` }).optional(),
    authKey: SecretRef.optional(),
    privProtocol: z.enum(PRIV_PROTOCOLS, { error: `one of ${PRIV_PROTOCOLS.join(', ')}` }).optional(),
    privKey: SecretRef.optional(),
    context: z.string().optional(),
  })
  .strict();

export const CredentialSchema = z.discriminatedUnion('version', [community, v3], { error: "a credential set with version '1', '2c' or '3'" });

const stringList = (what: string) => z.array(z.string({ error: what }), { error: `a list of ${what}s` });

export const TargetSchema = z.union(
  [
    z.string().min(1),
    z
      .object({
        target: z.string({ error: 'a CIDR block, range, address or host name' }).min(1),
        label: z.string({ error: 'a site or VLAN name' }).optional(),
        exclude: stringList('CIDR block, range, address or host name').optional(),
        credentials: stringList('credential set name').optional().meta({ description: 'credential set names to try here, in order (default: all)' }),
      })
      .strict(),
  ],
  { error: 'a target string ("10.1.20.0/24", "vlan30=10.1.30.10-99") or { "target", "label", "exclude", "credentials" }' },
);

/** LAN access to the status page: opt-in, password from a secret, HTTPS unless insecureHttp says otherwise. */
export const StatusPageLan = z
  .object({
    host: z.string({ error: 'an address to bind for the LAN, e.g. 0.0.0.0 or the box’s LAN address' }).min(1).default('0.0.0.0'),
    port: port.default(9443),
    password: SecretRef.meta({ description: 'the password people on the LAN give to open the status page (a secret: inline, file, env or credential)' }),
    insecureHttp: z
      .boolean({ error: 'true or false' })
      .default(false)
      .meta({ description: 'serve plain HTTP instead of HTTPS: the password and the page cross the LAN readable by anyone on it (warned at every start)' }),
    certFile: z.string({ error: 'a path to a PEM certificate' }).optional().meta({ description: 'PEM certificate to serve (default: a self-signed one, made once and kept beside the outbox; its fingerprint is logged and shown on the page)' }),
    keyFile: z.string({ error: 'a path to a PEM private key' }).optional(),
  })
  .strict();

/**
 * Maintenance from the provider (signed remote configuration and self-update). Only the local file
 * may set this section: the remote document cannot change which keys it is checked against.
 */
export const RemoteSchema = z
  .object({
    keys: z
      .array(z.string({ error: 'a pinned key "ed25519:<43 base64url characters>"' }).regex(/^ed25519:[A-Za-z0-9_-]{43}$/, { error: 'a pinned key "ed25519:<43 base64url characters>", as `meterbox receiver keygen` prints it' }), { error: 'a list of pinned keys' })
      .default([])
      .meta({ description: "the provider's Ed25519 public keys; a signed document must verify with one of them (none: every remote document and update is refused)" }),
    config: z.boolean({ error: 'true or false' }).default(true).meta({ description: 'take signed configuration documents from the heartbeat answer' }),
    healthWindowSeconds: z
      .number({ error: 'seconds, 5..86400' })
      .int()
      .min(5, { error: 'seconds, 5..86400' })
      .max(86_400, { error: 'seconds, 5..86400' })
      .default(600)
      .meta({ description: 'after a remote config (or an update) is applied, the box must be healthy (a poll with the verdict ok and a heartbeat delivered) within this, or the last known-good one comes back' }),
    update: z
      .object({
        enabled: z.boolean({ error: 'true or false' }).default(true),
        window: z
          .string({ error: 'a daily window "HH:MM-HH:MM" in local time' })
          .regex(/^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$/, { error: 'a daily window "HH:MM-HH:MM" in local time (e.g. "02:00-05:00"; "00:00-24:00" for any time)' })
          .default('02:00-05:00')
          .meta({ description: 'maintenance window: an announced update is downloaded and installed only inside it (local time; may wrap midnight)' }),
        spoolDir: z.string().min(1).default('/var/lib/meterbox/update').meta({ description: 'where the verified package is handed to meterbox-update.service (its .path unit watches it)' }),
      })
      .strict()
      .default({ enabled: true, window: '02:00-05:00', spoolDir: '/var/lib/meterbox/update' }),
  })
  .strict();

export const ConfigSchema = z
  .object({
    $schema: z.string().optional(),
    agentId: z
      .string({ error: 'the agent id the provider gave this box (letters, digits, . _ -; 1..64)' })
      .regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'the agent id the provider gave this box (letters, digits, . _ -; 1..64)' }),
    provider: z
      .object({
        url: z
          .string({ error: 'the provider base URL, https://…' })
          .regex(/^https:\/\/[^\s/]+/i, { error: 'the provider base URL, https://…' }),
        token: SecretRef,
        caFile: z.string({ error: 'a path to a PEM CA bundle' }).optional().meta({ description: 'extra CAs (PEM) trusted besides the system ones' }),
        clientCert: z.string({ error: 'a path to a PEM client certificate' }).optional(),
        clientKey: z.string({ error: 'a path to a PEM private key' }).optional(),
        proxy: SecretRef.optional().meta({ description: 'http(s)://[user:password@]host:port; default: HTTPS_PROXY / NO_PROXY' }),
        timeoutMs: z.number().int().min(1000, { error: 'milliseconds, at least 1000' }).default(30_000),
        batch: z.number().int().min(1, { error: 'readings per upload, 1..5000' }).max(5000, { error: 'readings per upload, 1..5000' }).default(500),
        readingVersion: z
          .union([z.literal(1), z.literal(2)], { error: 'the Reading version the provider accepts: 1 or 2' })
          .default(2)
          .meta({ description: 'the Reading version the provider accepts (docs/provider-api.yaml): 2 sends units, totals and the counters large/duplex by colour and scans by use; 1 leaves them out for a receiver that knows only version 1' }),
      })
      .strict(),
    credentials: z.array(CredentialSchema, { error: 'a list of named credential sets' }).min(1, { error: 'at least one credential set' }),
    targets: z.array(TargetSchema, { error: 'a list of targets' }).default([]),
    exclude: stringList('CIDR block, range, address or host name').default([]).meta({ description: 'never probed, whatever the target' }),
    devices: z
      .object({ allow: stringList('serial number').optional().meta({ description: 'serials under contract; when set, other printers are only listed' }) })
      .strict()
      .default({}),
    snmp: z
      .object({
        port: port.default(161),
        timeoutMs: z.number().int().min(100, { error: 'milliseconds, 100..60000' }).max(60_000, { error: 'milliseconds, 100..60000' }).default(2000),
        retries: z.number().int().min(0, { error: 'retries, 0..10' }).max(10, { error: 'retries, 0..10' }).default(1),
        pollConcurrency: z.number().int().min(1).max(256, { error: 'devices read at once, 1..256' }).default(16),
        discoveryConcurrency: z.number().int().min(1).max(4096, { error: 'hosts probed at once, 1..4096' }).default(128),
        ratePerSecond: z.number().int().min(0, { error: 'packets per second, 0 for no cap' }).default(500),
        maxAddresses: z.number().int().min(1).default(65_536),
      })
      .strict()
      .default({ port: 161, timeoutMs: 2000, retries: 1, pollConcurrency: 16, discoveryConcurrency: 128, ratePerSecond: 500, maxAddresses: 65_536 }),
    schedules: z
      .object({
        discovery: cron('0 3 * * *', 'sweep the targets'),
        poll: cron('0 * * * *', 'read the known devices'),
        upload: cron('*/15 * * * *', 'deliver the outbox (also right after each poll)'),
        heartbeat: cron('*/5 * * * *', 'tell the provider the box is alive'),
        retention: cron('30 4 * * *', 'prune the outbox by age and size'),
        jitterSeconds: z
          .number({ error: 'seconds, 0..3600' })
          .min(0, { error: 'seconds, 0..3600' })
          .max(3600, { error: 'seconds, 0..3600' })
          .default(120)
          .meta({ description: 'each run starts after a random delay up to this (capped at a third of the job interval)' }),
        uploadAfterPoll: z.boolean().default(true),
      })
      .strict()
      .default({ discovery: '0 3 * * *', poll: '0 * * * *', upload: '*/15 * * * *', heartbeat: '*/5 * * * *', retention: '30 4 * * *', jitterSeconds: 120, uploadAfterPoll: true }),
    storage: z
      .object({
        path: z.string({ error: 'a path to the outbox database' }).min(1).default('/var/lib/meterbox/outbox.db'),
        maxBytes: z.number().int().min(1024 * 1024, { error: 'bytes, at least 1048576 (1 MiB)' }).default(200 * 1024 * 1024),
        maxAgeDays: z.number().int().min(1, { error: 'days, at least 1' }).default(90),
        holdMaxBytes: z
          .number()
          .int()
          .min(64 * 1024, { error: 'bytes, at least 65536 (64 KiB)' })
          .optional()
          .meta({ description: 'readings held in memory while the outbox cannot be written, in bytes of Reading JSON (default: a day of readings of the fleet, at most 8 MiB)' }),
      })
      .strict()
      .default({ path: '/var/lib/meterbox/outbox.db', maxBytes: 200 * 1024 * 1024, maxAgeDays: 90 }),
    logging: z
      .object({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { error: 'one of fatal, error, warn, info, debug, trace, silent' }).default('info') })
      .strict()
      .default({ level: 'info' }),
    remote: RemoteSchema.optional().meta({ description: 'signed remote configuration and self-update from the provider (off unless set; local file only)' }),
    health: z
      .object({
        enabled: z.boolean().default(true),
        host: z.string({ error: 'an address to bind, 127.0.0.1 unless you mean otherwise' }).default('127.0.0.1'),
        port: port.default(9161),
        statusPage: z
          .boolean({ error: 'true or false' })
          .default(true)
          .meta({ description: 'serve the status page at / of this listener, to clients on this machine only (others: see lan)' }),
        lan: StatusPageLan.optional().meta({ description: 'LAN access to the status page (off unless set): its own listener, HTTPS with the box’s self-signed certificate, a password' }),
      })
      .strict()
      .default({ enabled: true, host: '127.0.0.1', port: 9161, statusPage: true }),
    billing: BillingContractSchema.prefault({}).meta({
      description:
        'the billing contract: units per size, scan ratio, idle and gap windows, spike thresholds (default: the contract). The box validates each reading against it (counter.rollback, device.replaced, counter.spike, device.idle, reading.gap events) and `meterbox usage` computes units with it',
    }),
  })
  .strict()
  .meta({ title: 'meterbox configuration', description: 'The configuration of the meterbox agent (/etc/meterbox/config.json).' });

/** The config as written, with defaults filled in; secrets still as references. */
export type MeterboxConfig = z.infer<typeof ConfigSchema>;
export type CredentialConfig = z.infer<typeof CredentialSchema>;
export type ScheduleName = 'discovery' | 'poll' | 'upload' | 'heartbeat' | 'retention';
export const SCHEDULE_NAMES: readonly ScheduleName[] = ['discovery', 'poll', 'upload', 'heartbeat', 'retention'];

/** JSON Schema (draft 2020-12) of the file as written: defaults make fields optional. */
export function configJsonSchema(): Record<string, unknown> {
  return z.toJSONSchema(ConfigSchema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
}
