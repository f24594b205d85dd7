/**
 * Prometheus metrics (text format on /metrics), on a registry of our own (no global state).
 * Counters are bumped by the jobs; gauges are read from the outbox and the process on scrape.
 * No default collectors: the event-loop-lag one wakes the process 100 times a second.
 */
import { Counter, Gauge, Registry } from 'prom-client';

export interface MetricsSources {
  devices(): number;
  outbox(): { pending: number; oldestPendingAgeSeconds?: number; rejected: number; dataLossEvents: number } | undefined;
}

export class Metrics {
  readonly registry = new Registry();
  readonly polls = new Counter({ name: 'meterbox_polls_total', help: 'Poll cycles run', labelNames: ['result'] as const, registers: [this.registry] });
  readonly reads = new Counter({ name: 'meterbox_reads_total', help: 'Device reads (poll and discovery)', registers: [this.registry] });
  readonly readErrors = new Counter({ name: 'meterbox_read_errors_total', help: 'Device reads that failed, by MBX code', labelNames: ['code'] as const, registers: [this.registry] });
  readonly discoveries = new Counter({ name: 'meterbox_discoveries_total', help: 'Discovery sweeps run', labelNames: ['result'] as const, registers: [this.registry] });
  readonly uploads = new Counter({ name: 'meterbox_uploads_total', help: 'Upload runs, by how they ended', labelNames: ['stop'] as const, registers: [this.registry] });
  readonly uploadedReadings = new Counter({ name: 'meterbox_uploaded_readings_total', help: 'Readings delivered (accepted or duplicate)', registers: [this.registry] });
  readonly uploadErrors = new Counter({ name: 'meterbox_upload_errors_total', help: 'Failed uploads, by error class (MBX code)', labelNames: ['class'] as const, registers: [this.registry] });
  readonly heartbeats = new Counter({ name: 'meterbox_heartbeats_total', help: 'Heartbeats sent', labelNames: ['result'] as const, registers: [this.registry] });
  readonly dataProblems = new Counter({ name: 'meterbox_data_problems_total', help: 'Data-quality events raised (counter.invalid, counter.missing, counter.totals-differ, counter.check-failed, snmp.walk-broken, reading.no-counters, reading.truncated), by kind', labelNames: ['kind'] as const, registers: [this.registry] });
  readonly jobRuns = new Counter({ name: 'meterbox_job_runs_total', help: 'Job runs', labelNames: ['job', 'result'] as const, registers: [this.registry] });

  constructor(src: MetricsSources) {
    const reg = [this.registry];
    new Gauge({ name: 'meterbox_devices', help: 'Devices known to the outbox', registers: reg, collect() { this.set(src.devices()); } });
    new Gauge({ name: 'meterbox_outbox_pending', help: 'Readings waiting for delivery', registers: reg, collect() { const o = src.outbox(); if (o) this.set(o.pending); } });
    new Gauge({ name: 'meterbox_outbox_rejected', help: 'Readings the provider rejected (kept aside)', registers: reg, collect() { const o = src.outbox(); if (o) this.set(o.rejected); } });
    new Gauge({ name: 'meterbox_outbox_oldest_pending_age_seconds', help: 'Age of the oldest undelivered reading (0 when none)', registers: reg, collect() { const o = src.outbox(); if (o) this.set(o.oldestPendingAgeSeconds ?? 0); } });
    new Gauge({ name: 'meterbox_data_loss_events', help: 'Store events that record lost readings (dropped, compacted, corrupt database replaced)', registers: reg, collect() { const o = src.outbox(); if (o) this.set(o.dataLossEvents); } });
    new Gauge({ name: 'meterbox_process_resident_memory_bytes', help: 'Resident set size', registers: reg, collect() { this.set(process.memoryUsage.rss()); } });
    new Gauge({ name: 'meterbox_process_heap_used_bytes', help: 'V8 heap in use', registers: reg, collect() { this.set(process.memoryUsage().heapUsed); } });
    new Gauge({ name: 'meterbox_process_cpu_seconds_total', help: 'User + system CPU time', registers: reg, collect() { const u = process.cpuUsage(); this.set((u.user + u.system) / 1e6); } });
  }

  async text(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
