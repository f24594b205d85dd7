/**
 * src/receiver/: the provider's server (`meterbox receiver`): the server end of
 * docs/provider-api.yaml over HTTPS, multi-tenant, on SQLite (embedded default) or PostgreSQL
 * (production; several stateless nodes on one database). The demo and the tests upload to it.
 *
 * Owns: the HTTPS server (node:https, TLS 1.2+; a self-signed pair when no cert is given), tokens
 * (agent tokens; provider tokens with a read or admin role; stored hashed), request validation
 * against the OpenAPI document (ajv), limits (decompression slots, in-flight bytes, per-agent
 * rate), the store (readings exactly once per (agent, id), devices per agent, heartbeats,
 * acknowledged commands, events, stale alerts), the maintenance sweep and the webhook, fault
 * injection.
 *
 * Layout: server.ts (routes and roles) · auth.ts + tokens.ts (who is asking) · limits.ts (memory
 * bounds) · store/ (types.ts the interface, sqlite.ts, postgres.ts, migrations.ts, rows.ts the
 * shared pure parts) · maintenance.ts + webhook.ts (what runs on a timer) · faults.ts · tls.ts ·
 * schema.ts (validators from the OpenAPI document).
 *
 * May import: ../errors, better-sqlite3, pg, ajv, ajv-formats, yaml, selfsigned, uuid, pino,
 * node:*. Must not import: upload/ (the other end of the wire), store/ (the agent's outbox),
 * snmp/, profiles/, discovery/, daemon/, cli/.
 *
 * ```ts
 * const rx = await startReceiver({ db: 'postgres://…' or 'receiver.db', tokens: { 'box-1': 'secret', ops: { role: 'read', token: '…' } } });
 * // rx.url = 'https://127.0.0.1:PORT', rx.certPem → the agent's caFile, rx.fingerprint to print
 * rx.faults.failNext(2, 503, '1');   // tests
 * await rx.close();
 * ```
 *
 * Endpoints (docs/provider-api.yaml): POST /v1/readings, POST /v1/heartbeat (agent token, own
 * agent only); GET /v1/agents, /v1/agents/{id}/commands, /v1/devices, /v1/devices/{key}/readings,
 * /v1/events, /v1/status (provider token, read or admin); POST /v1/agents/{id}/commands (admin).
 * Fault injection (only with adminPort; 127.0.0.1, admin token): GET|POST|DELETE /faults, POST /commands.
 */
export { startReceiver, reusePortSupported, resolveLimits } from './server.js';
export { openStore, isPostgresUrl } from './store/open.js';
export { SqliteStore } from './store/sqlite.js';
export { PostgresStore } from './store/postgres.js';
export { loadTokens, generateToken, hashToken } from './tokens.js';
export { loadApiDocument, apiValidators, type ApiValidators } from './schema.js';
export type * from './types.js';
export type * from './store/types.js';
