/**
 * The local notifier: every email/SMS the system sends lands in an outbox file, readable at GET /dev/outbox.
 * The outbox holds contact addresses and message texts, so it forgets an erased customer's messages
 * (memory and file) when the erasure runs: it must not keep what the erasure destroyed elsewhere.
 */
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Message, Notifier } from '../lambdas/core/shared/ports';

export interface OutboxMessage extends Message {
  sentAt: string;
}

export class Outbox implements Notifier {
  private messages: OutboxMessage[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly file?: string,
  ) {
    if (file && existsSync(file)) {
      for (const line of readFileSync(file, 'utf8').split('\n')) if (line.trim()) this.messages.push(JSON.parse(line) as OutboxMessage);
    }
  }

  static inDirectory(dir: string, clock: Clock): Outbox {
    return new Outbox(clock, join(dir, 'outbox.jsonl'));
  }

  async send(message: Message): Promise<void> {
    const entry: OutboxMessage = { ...message, sentAt: this.clock.now().toISOString() };
    this.messages.push(entry);
    if (this.file) appendFileSync(this.file, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
  }

  /** Drops every message of the customer, and rewrites the file without them (replaced whole, never half-written). */
  async forget(customerId: string): Promise<void> {
    const kept = this.messages.filter((m) => m.customerId !== customerId);
    if (kept.length === this.messages.length) return;
    this.messages = kept;
    if (!this.file) return;
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, kept.map((m) => `${JSON.stringify(m)}\n`).join(''), { mode: 0o600 });
    renameSync(tmp, this.file);
  }

  list(): OutboxMessage[] {
    return [...this.messages];
  }
}
