/** The simulator's counting stand-ins: each count checked against calls made by hand. */
import { describe, expect, it } from 'vitest';
import { CapturingNotifier, CapturingScheduler, countCalls, ItemCounter, MeasuredLog, SimClock } from '../../bench/counting';
import { LocalKeyService } from '../../lambdas/adapters/kms/local-kms';
import { MemoryStore } from '../../lambdas/adapters/memory/store';

describe('countCalls (the KMS port)', () => {
  it('counts every call by method name, passes arguments and results through, and keeps `this`', async () => {
    const local = new LocalKeyService(LocalKeyService.generateKeys(), { legacyMac: true });
    const kms = countCalls(local);
    const context = { customerId: 'c-1', purpose: 'customer-data-key' };
    const { plaintext, wrapped } = await kms.port.generateDataKey(context);
    expect(Buffer.from(await kms.port.unwrapDataKey(wrapped, context)).equals(Buffer.from(plaintext))).toBe(true);
    await kms.port.mac!(new Uint8Array([1]));
    await kms.port.mac!(new Uint8Array([2]));
    expect(kms.counts()).toEqual({ generateDataKey: 1, unwrapDataKey: 1, mac: 2 });
    expect(kms.total()).toBe(4);
    // A refused call is a call all the same (KMS bills it).
    await expect(kms.port.unwrapDataKey(new Uint8Array(60), context)).rejects.toThrow();
    expect(kms.counts().unwrapDataKey).toBe(2);
    kms.reset();
    expect(kms.total()).toBe(0);
  });

  it('counts a method the port gains later, without knowing it', async () => {
    const port = {
      async generateBranchKey() {
        return 'k';
      },
      version: 3,
    };
    const counted = countCalls(port);
    expect(await counted.port.generateBranchKey()).toBe('k');
    expect(counted.port.version).toBe(3);
    expect(counted.counts()).toEqual({ generateBranchKey: 1 });
  });
});

describe('ItemCounter', () => {
  it('counts the items each read returns: a found get 1, an absent one 0, a query its page, a scan every item', async () => {
    const inner = new MemoryStore();
    for (let i = 0; i < 3; i++) await inner.put('access-log', { customerId: 'c-1', sk: `s${i}` });
    await inner.put('customers', { customerId: 'c-1' });
    const store = new ItemCounter(inner);
    await store.get('customers', { customerId: 'c-1' });
    await store.get('customers', { customerId: 'nobody' });
    expect(store.itemsRead).toBe(1);
    await store.query('access-log', 'c-1', { limit: 2 });
    expect(store.itemsRead).toBe(3);
    for await (const _ of store.scan('access-log')) void _;
    expect(store.itemsRead).toBe(6);
    await store.put('customers', { customerId: 'c-2' });
    expect(store.itemsRead).toBe(6);
  });
});

describe('MeasuredLog', () => {
  it('sizes each line as Powertools writes it, attributes scrubbed, and skips the lines it is told to', () => {
    const clock = new SimClock(Date.parse('2025-01-01T00:00:00.000Z'));
    const log = new MeasuredLog('svc', clock, /skip me/);
    log.info('request', { route: 'GET /x', email: 'a@example.com' });
    log.warn('skip me');
    const line = JSON.stringify({
      level: 'INFO',
      message: 'request',
      timestamp: '2025-01-01T00:00:00.000Z',
      service: 'svc',
      sampling_rate: 0,
      xray_trace_id: '1-6745a1b2-0123456789abcdef01234567',
      route: 'GET /x',
      email: '[redacted]',
    });
    expect(log.lines).toBe(1);
    expect(log.bytes).toBe(Buffer.byteLength(line) + 1);
  });
});

describe('CapturingNotifier and CapturingScheduler', () => {
  it('hands the newest code to its recipient once, and counts messages by channel', async () => {
    const n = new CapturingNotifier();
    await n.send({ customerId: 'c-1', to: 'a@example.com', channel: 'email', body: 'Your sign-in code is 123456.' });
    await n.send({ customerId: 'c-1', to: 'a@example.com', channel: 'email', body: 'Your sign-in code is 654321.' });
    await n.send({ customerId: 'c-1', to: '+441', channel: 'sms', body: 'hello' });
    expect(n.sent).toEqual({ email: 2, sms: 1 });
    expect(n.takeCode('a@example.com')).toBe('654321');
    expect(n.takeCode('a@example.com')).toBeUndefined();
  });

  it('takes the schedule of a customer once', async () => {
    const s = new CapturingScheduler();
    await s.schedule('erase-1', new Date(0), { customerId: 'c-1', receiptId: 'r-1' });
    expect(s.take('c-1')).toEqual({ customerId: 'c-1', receiptId: 'r-1' });
    expect(s.take('c-1')).toBeUndefined();
  });
});

describe('SimClock', () => {
  it('answers Date.now() while installed, and gives it back after', () => {
    const clock = new SimClock(1_000);
    const restore = clock.install();
    try {
      clock.advance(500);
      expect(Date.now()).toBe(1_500);
      expect(clock.ahead(100).now().getTime()).toBe(1_600);
    } finally {
      restore();
    }
    expect(Date.now()).toBeGreaterThan(1_000_000_000_000);
  });
});
