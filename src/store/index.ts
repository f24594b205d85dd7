/**
 * src/store/: the local SQLite outbox (better-sqlite3). Every reading is written here first and
 * is stored only once its transaction commits; the uploader takes batches from here and applies
 * the provider's receipts here.
 *
 * Owns: the database file and its schema (devices, readings, events, meta), migrations, the
 * start-up integrity check and the salvage of a damaged file, durability settings (WAL,
 * synchronous=FULL, checkpoints), delivery state, retention and compaction, store events (data
 * problems and data losses among them), the disk the outbox needs, and the in-memory holding
 * while the disk refuses writes.
 *
 * Layout: policy.ts is the pure core (batch selection, receipts, retention and compaction
 * decisions, failure classification); hold.ts what is held in memory; problems.ts data problems
 * → events; disk.ts the disk need; schema.ts the migrations; store.ts the thin SQLite shell;
 * outbox.ts the failure-tolerant wrapper the daemon uses; status.ts the read-only snapshot.
 * Salvage: pages.ts reads SQLite b-tree pages, wal.ts the WAL, damaged-file.ts both from disk,
 * salvage.ts turns their rows into outbox rows, salvage-events.ts says what it did.
 *
 * May import: ../contract, ../reading (data problems), better-sqlite3, pino, node:* (src/layers.json,
 * enforced by the lint).
 * Must not import: snmp/, profiles/, discovery/, upload/, daemon/, cli/ (data flows one way:
 * the upload and daemon layers call the store, never the other way round).
 */
export { Store, storeError, type StoreOptions, type StoreEvent, type StoredEvent, type OutboxItem, type ReceiptResult, type RetentionReport, type SaveResult, type OpenReport, type OutboxCounts, type DeliveryRecord } from './store.js';
export { Outbox, type RecordResult, type OutboxHealth } from './outbox.js';
export { readStatus, DEFAULT_DB_PATH, type StatusSnapshot, type DeviceStatusRow, type EventRow, type DeliveryRow } from './status.js';
export { MIGRATIONS, SCHEMA_VERSION, planMigrations, type Migration } from './schema.js';
export * from './policy.js';
export { salvageFile, salvageInto, type SalvageReport } from './salvage.js';
export { outboxDiskNeed, diskVerdict, measureOutboxDisk, WAL_HEADROOM_BYTES, type DiskNeed } from './disk.js';
export { holdReadings, defaultHoldBytes, type HeldReadings } from './hold.js';
export { DATA_LOSS_KINDS, DATA_QUALITY_KINDS } from './event-kinds.js';
