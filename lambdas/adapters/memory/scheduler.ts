/**
 * The Scheduler port in memory, for fast domain tests and the scale simulator: the schedules waiting to
 * fire, by name. Nothing fires by itself; the caller runs what is due (as the local home's timer does).
 */
import type { Scheduler } from '../../core/shared/ports';

export interface PendingSchedule {
  at: Date;
  payload: Record<string, string>;
}

export class MemoryScheduler implements Scheduler {
  readonly pending = new Map<string, PendingSchedule>();

  async schedule(name: string, at: Date, payload: Record<string, string>): Promise<void> {
    this.pending.set(name, { at, payload });
  }

  async cancel(name: string): Promise<void> {
    this.pending.delete(name);
  }

  async exists(name: string): Promise<boolean> {
    return this.pending.has(name);
  }
}
