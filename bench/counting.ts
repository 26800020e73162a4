/**
 * Counting stand-ins for the scale simulator: a port wrapper that counts every call (the KMS port), a
 * Store wrapper that counts the items read (the reminders job), a log that measures the bytes a
 * Powertools line would have, and a notifier and scheduler that keep what they were given.
 */
import { scrub } from '../lambdas/adapters/logger';
import { MemoryScheduler } from '../lambdas/adapters/memory/scheduler';
import type {
  Clock,
  IndexQueryOptions,
  Item,
  Key,
  Log,
  Message,
  Notifier,
  Page,
  QueryOptions,
  ScanOptions,
  Store,
  WriteCondition,
} from '../lambdas/core/shared/ports';
import type { TableId } from '../lambdas/core/policy/tables';

export interface CallCounter<T> {
  /** The port to hand out: every method call is counted under its name, then passed on. */
  port: T;
  counts(): Record<string, number>;
  total(): number;
  reset(): void;
}

/**
 * Counts calls by method name. A Proxy rather than a class, so a method the KMS port gains later (a
 * branch key, a beacon key) is counted too: every call of the KeyService port is one KMS request in AWS.
 */
export function countCalls<T extends object>(inner: T): CallCounter<T> {
  let counts: Record<string, number> = {};
  const port = new Proxy(inner, {
    get(target, prop, receiver) {
      const value: unknown = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value;
      return (...args: unknown[]) => {
        counts[prop] = (counts[prop] ?? 0) + 1;
        return (value as (...a: unknown[]) => unknown).apply(target, args);
      };
    },
  });
  return {
    port,
    counts: () => ({ ...counts }),
    total: () => Object.values(counts).reduce((a, b) => a + b, 0),
    reset: () => {
      counts = {};
    },
  };
}

/** A Store that counts the items every read returns (a scan reads every item; an absent get reads none). */
export class ItemCounter implements Store {
  itemsRead = 0;
  /** The same count, by table. */
  readonly byTable = new Map<TableId, number>();
  constructor(private readonly inner: Store) {}

  reset(): void {
    this.itemsRead = 0;
    this.byTable.clear();
  }

  private count(table: TableId, n: number): void {
    this.itemsRead += n;
    this.byTable.set(table, (this.byTable.get(table) ?? 0) + n);
  }

  async get(table: TableId, key: Key, opts?: { consistent?: boolean }): Promise<Item | undefined> {
    const item = await this.inner.get(table, key, opts);
    if (item) this.count(table, 1);
    return item;
  }
  async query(table: TableId, partition: string | number, opts?: QueryOptions): Promise<Page> {
    const page = await this.inner.query(table, partition, opts);
    this.count(table, page.items.length);
    return page;
  }
  async queryIndex(table: TableId, index: string, value: string | number, opts?: IndexQueryOptions): Promise<Page> {
    const page = await this.inner.queryIndex(table, index, value, opts);
    this.count(table, page.items.length);
    return page;
  }
  async *scan(table: TableId, opts?: ScanOptions): AsyncIterable<Item> {
    for await (const item of this.inner.scan(table, opts)) {
      this.count(table, 1);
      yield item;
    }
  }
  put(table: TableId, item: Item, condition?: WriteCondition): Promise<void> {
    return this.inner.put(table, item, condition);
  }
  delete(table: TableId, key: Key, condition?: WriteCondition): Promise<void> {
    return this.inner.delete(table, key, condition);
  }
  batchDelete(table: TableId, keys: readonly Key[]): Promise<void> {
    return this.inner.batchDelete(table, keys);
  }
}

/** A trace id as X-Ray writes it into every Powertools line of a traced function. */
const TRACE_ID = '1-6745a1b2-0123456789abcdef01234567';

/**
 * The Log port, measured: each line is sized as the Powertools Logger writes it (level, message,
 * timestamp, service, sampling rate, trace id, then the scrubbed attributes, one JSON line).
 */
export class MeasuredLog implements Log {
  lines = 0;
  bytes = 0;
  constructor(
    private readonly service: string,
    private readonly clock: Clock,
    /** Lines the production configuration would not write (the simulator runs without the sign-in padding). */
    private readonly skip?: RegExp,
  ) {}

  info(message: string, attributes?: Record<string, unknown>): void {
    this.write('INFO', message, attributes);
  }
  warn(message: string, attributes?: Record<string, unknown>): void {
    this.write('WARN', message, attributes);
  }
  error(message: string, attributes?: Record<string, unknown>): void {
    this.write('ERROR', message, attributes);
  }
  reset(): void {
    this.lines = 0;
    this.bytes = 0;
  }

  private write(level: string, message: string, attributes?: Record<string, unknown>): void {
    if (this.skip?.test(message)) return;
    const line = JSON.stringify({
      level,
      message,
      timestamp: this.clock.now().toISOString(),
      service: this.service,
      sampling_rate: 0,
      xray_trace_id: TRACE_ID,
      ...scrub(attributes),
    });
    this.lines++;
    this.bytes += Buffer.byteLength(line) + 1;
  }
}

/** Keeps the newest message per recipient (the simulated customer reads their code there) and counts by channel. */
export class CapturingNotifier implements Notifier {
  readonly sent = { email: 0, sms: 0 };
  private readonly last = new Map<string, string>();
  async send(message: Message): Promise<void> {
    this.sent[message.channel]++;
    this.last.set(message.to, message.body);
  }
  /** The newest sign-in code sent to `to`, taken once. */
  takeCode(to: string): string | undefined {
    const body = this.last.get(to);
    this.last.delete(to);
    return body ? /\b(\d{6,12})\b/.exec(body)?.[1] : undefined;
  }
  reset(): void {
    this.sent.email = 0;
    this.sent.sms = 0;
  }
}

/** EventBridge Scheduler as a map of pending schedules; the simulator fires them itself. */
/** The in-memory scheduler, plus taking the schedule of one customer (the simulator runs it at once). */
export class CapturingScheduler extends MemoryScheduler {
  /** Takes the schedule whose payload names `customerId`. */
  take(customerId: string): Record<string, string> | undefined {
    for (const [name, s] of this.pending) {
      if (s.payload.customerId === customerId) {
        this.pending.delete(name);
        return s.payload;
      }
    }
    return undefined;
  }
}

/** Simulated time. While `install`ed it is also what `Date.now()` answers, so caches age in simulated time. */
export class SimClock implements Clock {
  constructor(public ms: number) {}
  now(): Date {
    return new Date(this.ms);
  }
  advance(ms: number): void {
    this.ms += ms;
  }
  /** A clock `offsetMs` ahead of this one (the erasure function, running after the grace period). */
  ahead(offsetMs: number): Clock {
    return { now: () => new Date(this.ms + offsetMs) };
  }
  install(): () => void {
    const real = Date.now;
    Date.now = () => this.ms;
    return () => {
      Date.now = real;
    };
  }
}
