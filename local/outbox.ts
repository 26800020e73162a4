/** The local notifier: every email/SMS the system sends lands in an outbox file, readable at GET /dev/outbox. */
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Clock, Message, Notifier } from '../lambdas/core/shared/ports';

export interface OutboxMessage extends Message {
  sentAt: string;
}

export class Outbox implements Notifier {
  private readonly messages: OutboxMessage[] = [];

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

  list(): OutboxMessage[] {
    return [...this.messages];
  }
}
