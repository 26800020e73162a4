/** The local clock: system time plus an offset that `POST /dev/clock` advances (or resets), persisted in the data dir. */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock } from '../lambdas/core/shared/ports';

export class OffsetClock implements Clock {
  private offsetMs = 0;

  constructor(private readonly file?: string) {
    if (file && existsSync(file)) {
      const saved = JSON.parse(readFileSync(file, 'utf8')) as { offsetMs?: number };
      this.offsetMs = Number(saved.offsetMs) || 0;
    }
  }

  static inDirectory(dir: string): OffsetClock {
    return new OffsetClock(join(dir, 'clock.json'));
  }

  now(): Date {
    return new Date(Date.now() + this.offsetMs);
  }

  advance(seconds: number): Date {
    this.offsetMs += seconds * 1000;
    if (this.file) writeFileSync(this.file, JSON.stringify({ offsetMs: this.offsetMs }));
    return this.now();
  }

  /** Back to real time; the data dir keeps no offset. */
  reset(): Date {
    this.offsetMs = 0;
    if (this.file) rmSync(this.file, { force: true });
    return this.now();
  }
}
