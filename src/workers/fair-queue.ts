/**
 * The engine pool's queue: one FIFO per tenant (a study, or the stateless endpoint),
 * served round-robin, so that a tenant with many calls waiting cannot delay another's
 * next call by more than one call per tenant ahead of it in the ring.
 *
 * The stateless lane is bounded twice: at most `statelessConcurrency` of its calls run at
 * once (fewer than the threads, so studies always find one), and at most
 * `statelessQueue` wait; `push` refuses one more, and the caller answers 429.
 *
 * Pure bookkeeping: no threads and no clock, so the policy is tested on its own.
 */

export type Lane = 'study' | 'stateless';

export interface QueuedJob {
  tenant: string;
  lane: Lane;
}

export interface FairQueueLimits {
  /** Stateless calls running at once, ≥ 1. */
  statelessConcurrency: number;
  /** Stateless calls waiting, ≥ 0. */
  statelessQueue: number;
}

export class FairQueue<J extends QueuedJob> {
  private readonly byTenant = new Map<string, J[]>();
  /** Tenants with queued jobs, in the order their next job will be considered. */
  private ring: string[] = [];
  private statelessRunning = 0;
  private statelessWaiting = 0;

  constructor(private readonly limits: FairQueueLimits) {
    if (!(limits.statelessConcurrency >= 1) || !(limits.statelessQueue >= 0)) throw new RangeError('FairQueue: statelessConcurrency ≥ 1 and statelessQueue ≥ 0');
  }

  /** Queues the job; false (and nothing queued) when it is stateless and the lane's queue is full. */
  push(job: J): boolean {
    if (job.lane === 'stateless') {
      // Jobs that will start as soon as a thread is free do not count against the queue.
      const freeSlots = Math.max(0, this.limits.statelessConcurrency - this.statelessRunning);
      if (this.statelessWaiting >= this.limits.statelessQueue + freeSlots) return false;
      this.statelessWaiting++;
    }
    const queue = this.byTenant.get(job.tenant);
    if (queue) queue.push(job);
    else {
      this.byTenant.set(job.tenant, [job]);
      this.ring.push(job.tenant);
    }
    return true;
  }

  /** Takes a queued job out (its caller gave up); false when it is not queued (it started, or never was). */
  remove(job: J): boolean {
    const queue = this.byTenant.get(job.tenant);
    const at = queue ? queue.indexOf(job) : -1;
    if (!queue || at < 0) return false;
    queue.splice(at, 1);
    if (job.lane === 'stateless') this.statelessWaiting--;
    if (queue.length === 0) this.dropTenant(job.tenant);
    return true;
  }

  /**
   * The job to start next, or null when none may start: the head of the first tenant in
   * the ring whose head may run now and is accepted (by the thread asking). That tenant
   * moves to the back of the ring.
   */
  next(accept: (job: J) => boolean = () => true): J | null {
    for (const tenant of this.ring) {
      const queue = this.byTenant.get(tenant)!;
      const job = queue[0]!;
      if (job.lane === 'stateless' && this.statelessRunning >= this.limits.statelessConcurrency) continue;
      if (!accept(job)) continue;
      queue.shift();
      this.ring = this.ring.filter((t) => t !== tenant);
      if (queue.length > 0) this.ring.push(tenant);
      else this.byTenant.delete(tenant);
      if (job.lane === 'stateless') {
        this.statelessWaiting--;
        this.statelessRunning++;
      }
      return job;
    }
    return null;
  }

  /** A job that `next` returned has finished. */
  finished(job: J): void {
    if (job.lane === 'stateless') this.statelessRunning--;
  }

  /** Jobs waiting, all tenants together. */
  get size(): number {
    let n = 0;
    for (const q of this.byTenant.values()) n += q.length;
    return n;
  }

  private dropTenant(tenant: string): void {
    this.byTenant.delete(tenant);
    this.ring = this.ring.filter((t) => t !== tenant);
  }
}
