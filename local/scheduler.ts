/** The local Scheduler: a schedules table polled on the clock stands in for EventBridge Scheduler. */
import type { Clock, Scheduler, Store } from '../lambdas/core/shared/ports';

export interface DueSchedule {
  name: string;
  payload: Record<string, string>;
}

/** How long past its time an unfired schedule is kept (EventBridge gives up after 24 h; the laptop may be off longer). */
export const SCHEDULE_TTL_AFTER_DUE_SECONDS = 30 * 86_400;

export class LocalScheduler implements Scheduler {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async schedule(name: string, at: Date, payload: Record<string, string>): Promise<void> {
    // Every row carries a TTL: a schedule that never fires (home switched off for a month) goes eventually.
    const expiresAt = Math.floor(at.getTime() / 1000) + SCHEDULE_TTL_AFTER_DUE_SECONDS;
    await this.store.put('schedules', {
      name,
      at: at.toISOString(),
      target: 'erasure',
      payload,
      createdAt: this.clock.now().toISOString(),
      attempts: 0,
      expiresAt,
    });
  }

  async cancel(name: string): Promise<void> {
    await this.store.delete('schedules', { name });
  }

  async exists(name: string): Promise<boolean> {
    return (await this.store.get('schedules', { name }, { consistent: true })) !== undefined;
  }

  /** Schedules whose time has come, oldest first. */
  async due(): Promise<DueSchedule[]> {
    const now = this.clock.now().getTime();
    const out: (DueSchedule & { at: number })[] = [];
    for await (const row of this.store.scan('schedules')) {
      const at = Date.parse(String(row.at));
      if (at <= now) out.push({ name: String(row.name), payload: row.payload as Record<string, string>, at });
    }
    return out.sort((a, b) => a.at - b.at);
  }
}
