/** Fault injection for tests: switches that count down, per request to the matching path. */
import type { FaultController, FaultPlan } from './types.js';

export type FaultDecision = {
  delayMs: number;
  /** Hold the answer this long after the batch is committed (a node that dies now has stored, but not answered). */
  delayAfterCommitMs?: number;
  fail?: { status: number; retryAfter?: string; message?: string };
  reset?: 'before' | 'after-commit';
  partialAccept?: number;
};

interface Counted<T> {
  left: number;
  spec: T;
}

export class Faults implements FaultController {
  private fails: Counted<NonNullable<FaultPlan['fail']>>[] = [];
  private delays: Counted<NonNullable<FaultPlan['delay']>>[] = [];
  private resets: Counted<NonNullable<FaultPlan['reset']>>[] = [];
  private partials: Counted<NonNullable<FaultPlan['partial']>>[] = [];

  inject(plan: FaultPlan): void {
    if (plan.fail) this.fails.push({ left: plan.fail.count ?? 1, spec: plan.fail });
    if (plan.delay) this.delays.push({ left: plan.delay.count ?? 1, spec: plan.delay });
    if (plan.reset) this.resets.push({ left: plan.reset.count ?? 1, spec: plan.reset });
    if (plan.partial) this.partials.push({ left: plan.partial.count ?? 1, spec: plan.partial });
  }
  failNext(count: number, status: number, retryAfter?: string): void {
    this.inject({ fail: { count, status, ...(retryAfter !== undefined ? { retryAfter } : {}) } });
  }
  delayNext(count: number, ms: number): void {
    this.inject({ delay: { count, ms } });
  }
  resetNext(count: number, afterCommit = false): void {
    this.inject({ reset: { count, afterCommit } });
  }
  partialNext(count: number, accept: number): void {
    this.inject({ partial: { count, accept } });
  }
  clear(): void {
    this.fails = [];
    this.delays = [];
    this.resets = [];
    this.partials = [];
  }
  pending(): FaultPlan {
    const first = <T>(l: Counted<T>[]) => l.find((c) => c.left > 0);
    const f = first(this.fails);
    const d = first(this.delays);
    const r = first(this.resets);
    const p = first(this.partials);
    return {
      ...(f ? { fail: { ...f.spec, count: f.left } } : {}),
      ...(d ? { delay: { ...d.spec, count: d.left } } : {}),
      ...(r ? { reset: { ...r.spec, count: r.left } } : {}),
      ...(p ? { partial: { ...p.spec, count: p.left } } : {}),
    };
  }

  /** Takes what applies to one request (switches without `path` apply to POST /v1/readings). */
  decide(path: string): FaultDecision {
    const take = <T extends { path?: string }>(l: Counted<T>[]): T | undefined => {
      const c = l.find((x) => x.left > 0 && (x.spec.path ?? '/v1/readings') === path);
      if (!c) return undefined;
      c.left--;
      return c.spec;
    };
    const out: FaultDecision = { delayMs: 0 };
    const d = take(this.delays);
    if (d && d.afterCommit) out.delayAfterCommitMs = d.ms;
    else if (d) out.delayMs = d.ms;
    const f = take(this.fails);
    if (f) {
      out.fail = { status: f.status, ...(f.retryAfter !== undefined ? { retryAfter: f.retryAfter } : {}), ...(f.message ? { message: f.message } : {}) };
      return out;
    }
    const r = take(this.resets);
    if (r) out.reset = r.afterCommit ? 'after-commit' : 'before';
    if (path === '/v1/readings') {
      const p = this.partials.find((x) => x.left > 0);
      if (p) {
        p.left--;
        out.partialAccept = p.spec.accept;
      }
    }
    return out;
  }
}
