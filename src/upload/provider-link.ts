/**
 * What the uploader and the heartbeat share: one HTTPS connection to the provider built from the
 * connection options (Transport), a logger for their component, the clock and the store. A config
 * reload replaces all of them at once (`reconfigure`); the new transport is built before the old
 * one is closed, so options that cannot work throw and leave the running link as it was.
 */
import type { Logger } from 'pino';
import { uploadLogger } from './log.js';
import { Transport } from './transport.js';
import type { ConnectionOptions, DeliveryStore, OutboxSource } from './types.js';

export abstract class ProviderLink<O extends ConnectionOptions & { store?: OutboxSource }> {
  protected opts: O;
  protected transport: Transport;
  protected log: Logger;

  /** Throws MBX_UPLOAD_CONFIG / MBX_TLS_CLIENT_CERT when the options cannot work (not https, no token, unreadable files). */
  constructor(
    opts: O,
    private readonly component: 'upload' | 'heartbeat',
  ) {
    this.opts = opts;
    this.log = uploadLogger(opts.logger, component);
    this.transport = new Transport(opts);
  }

  /** Replaces the options (config reload): a new connection, logger, clock and store. */
  reconfigure(opts: O): void {
    const next = new Transport(opts);
    this.transport.close();
    this.transport = next;
    this.opts = opts;
    this.log = uploadLogger(opts.logger, this.component);
  }

  close(): void {
    this.transport.close();
  }

  protected now(): Date {
    return (this.opts.now ?? (() => new Date()))();
  }

  protected store(): DeliveryStore | undefined {
    return this.opts.store?.current;
  }
}
