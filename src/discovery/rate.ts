/**
 * A global packets-per-second cap for the sweep: a token bucket shared by every worker.
 * Waiters are served first come, first served. Work whose packets cannot be counted one by one
 * (a full read) is charged afterwards: the bucket goes into debt and later probes wait it off,
 * so the average rate holds. The clock is injectable for tests.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
}

const realClock: Clock = {
  now: () => performance.now(),
  sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
};

export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();
  /** Tokens handed out or charged, i.e. packets sent. */
  taken = 0;

  /**
   * @param ratePerSecond tokens per second; 0 or Infinity means no cap.
   * @param burst the most that can go out back to back (default: 50 ms worth, at least 1).
   */
  constructor(
    readonly ratePerSecond: number,
    readonly burst = Math.max(1, Math.ceil(ratePerSecond / 20)),
    private readonly clock: Clock = realClock,
  ) {
    this.tokens = burst;
    this.last = clock.now();
  }

  private get unlimited(): boolean {
    return !(this.ratePerSecond > 0) || !Number.isFinite(this.ratePerSecond);
  }

  private refill(): void {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) * this.ratePerSecond) / 1000);
    this.last = now;
  }

  /** Wait until `n` packets may be sent, then count them as sent. */
  take(n = 1): Promise<void> {
    this.taken += n;
    if (this.unlimited) return Promise.resolve();
    const turn = this.queue.then(async () => {
      // Never wait for more than a full bucket: a request bigger than the burst goes into debt instead.
      const need = Math.min(n, this.burst);
      this.refill();
      while (this.tokens < need) {
        await this.clock.sleep(Math.max(1, ((need - this.tokens) * 1000) / this.ratePerSecond));
        this.refill();
      }
      this.tokens -= n;
    });
    this.queue = turn;
    return turn;
  }

  /** Count packets already sent (they were not waited for); later takers wait off the debt. */
  charge(n: number): void {
    this.taken += n;
    if (this.unlimited || n <= 0) return;
    this.refill();
    this.tokens -= n;
  }
}
