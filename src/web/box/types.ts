/**
 * What the status page needs from the running agent (`meterbox run`), as a narrow interface the
 * daemon fills in: the page reads, and asks for the two actions it offers; it never changes the
 * configuration or the outbox.
 */
import type { HealthVerdict } from '../../daemon/health.js';
import type { JobState } from '../../daemon/scheduler.js';
import type { Store } from '../../store/store.js';

/** One check of "test communication": the doctor's pass / warn / fail with a remedy. */
export interface CommunicationCheck {
  name: string;
  verdict: 'pass' | 'warn' | 'fail';
  detail: string;
  remedy?: string;
}

export interface BoxSource {
  agentId(): string;
  version: string;
  startedAt: Date;
  verdict(): HealthVerdict;
  jobs(): readonly JobState[];
  /** The outbox's store, when it is open. */
  store(): Store | undefined;
  /** Whether a device with this serial is under contract (devices.allow, or every device when it is not set). */
  underContract(serial: string | undefined): boolean;
  /** The provider's base URL (not a secret; shown without any user info). */
  providerUrl(): string;
  /** Every secret value of the configuration: masked wherever it would appear on the page. */
  secrets(): readonly string[];
  /** A poll now, single-flight with the scheduled one; resolves with the poll job's state after it. */
  readNow(): Promise<JobState>;
  /** The doctor's checks with this box's config; undefined when this build cannot run them. */
  testCommunication?: () => Promise<CommunicationCheck[]>;
}
