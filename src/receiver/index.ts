/**
 * src/receiver/: the reference provider receiver (`meterbox receiver`): the server end of
 * docs/provider-api.yaml over HTTPS with its own SQLite database. The demo and the tests upload to
 * it; a provider can run it as is or read it as the specification in code.
 *
 * Owns: the HTTPS server (node:https, TLS 1.2+; a self-signed pair when no cert is given),
 * per-agent bearer tokens, request validation against the OpenAPI document (ajv), idempotent
 * storage by reading id, heartbeats and agent staleness, read endpoints, fault injection.
 *
 * May import: ../errors, ../reading/types (types), better-sqlite3, ajv, ajv-formats, yaml,
 * selfsigned, pino, node:*. Must not import: upload/ (the other end of the wire), store/,
 * snmp/, profiles/, discovery/, daemon/, cli/.
 *
 * ```ts
 * const rx = await startReceiver({ dbPath, tokens: { 'box-1': 'secret' }, staleAfterSeconds: 900 });
 * // rx.url = 'https://127.0.0.1:PORT', rx.certPem → the agent's caFile, rx.fingerprint to print
 * rx.faults.failNext(2, 503, '1');   // tests
 * await rx.close();
 * ```
 *
 * Endpoints: POST /v1/readings, POST /v1/heartbeat (agent token); GET /v1/agents, GET /v1/devices,
 * GET /v1/devices/{key}/readings, GET /v1/readings?since=&limit= (any known token).
 * Admin (loopback only, no TLS): POST /faults (a FaultPlan), DELETE /faults, GET /faults,
 * POST /commands { agentId, name }.
 */
export { startReceiver } from './server.js';
export { ReceiverDb } from './db.js';
export { loadTokens } from './tokens.js';
export { loadApiDocument, apiValidators, type ApiValidators } from './schema.js';
export type * from './types.js';
