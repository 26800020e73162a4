/**
 * What the simulator counts per invocation: measured CPU time turned into billed Lambda time, the log
 * bytes each request leaves behind (API Gateway's access line, Lambda's platform lines, the app's own
 * lines), and answers by operation and status.
 */
import { billedMs, gbSeconds } from '../prices';

/**
 * Lambda's START, END and REPORT lines (with the X-Ray segment) of one invocation: about 300 bytes,
 * e.g. "REPORT RequestId: <uuid> Duration: 12.34 ms Billed Duration: 13 ms Memory Size: 1024 MB ...".
 */
export const PLATFORM_LOG_BYTES = 300;

/** The API stage's access-log line (lib/constructs/crm-api.ts ACCESS_LOG_FIELDS), sized for one request. */
export function accessLogBytes(resource: string, method: string, status: number, responseBytes: number): number {
  const line = JSON.stringify({
    requestId: '8f5c2a1e-6b0d-4c1e-9a5f-3e2d1c0b9a87',
    resourcePath: resource,
    httpMethod: method,
    status: String(status),
    latency: '25',
    responseLength: String(responseBytes),
  });
  return Buffer.byteLength(line) + 1;
}

export interface OpStats {
  requests: number;
  cpuMs: number;
  statuses: Record<string, number>;
}

export class Meter {
  measuring = false;
  /** Every API request, measured or not. */
  seen = 0;
  apiRequests = 0;
  invocations = 0;
  gbSeconds = 0;
  cpuMs = 0;
  logBytes = 0;
  readonly byOp = new Map<string, OpStats>();

  /** Runs `work` alone and returns its result with the CPU time it used (ms of one core). */
  static async cpu<T>(work: () => Promise<T>): Promise<[T, number]> {
    const c0 = process.cpuUsage();
    const result = await work();
    const used = process.cpuUsage(c0);
    return [result, (used.user + used.system) / 1000];
  }

  /** One API request: through API Gateway (access log) into an API function instance. */
  api(
    op: string,
    cpuMs: number,
    memoryMb: number,
    request: { resource: string; method: string; status: number; responseBytes: number },
    floorMs = 0,
  ): void {
    this.seen++;
    if (!this.measuring) return;
    this.apiRequests++;
    this.logBytes += accessLogBytes(request.resource, request.method, request.status, request.responseBytes);
    this.invocation(op, cpuMs, memoryMb, String(request.status), floorMs);
  }

  /** One invocation of a function (the API's or another). */
  invocation(op: string, cpuMs: number, memoryMb: number, status: string, floorMs = 0): void {
    if (!this.measuring) return;
    this.invocations++;
    this.cpuMs += cpuMs;
    this.gbSeconds += gbSeconds(billedMs(cpuMs, memoryMb, floorMs), memoryMb);
    this.logBytes += PLATFORM_LOG_BYTES;
    let stats = this.byOp.get(op);
    if (!stats) this.byOp.set(op, (stats = { requests: 0, cpuMs: 0, statuses: {} }));
    stats.requests++;
    stats.cpuMs += cpuMs;
    stats.statuses[status] = (stats.statuses[status] ?? 0) + 1;
  }

  /** Init of fresh instances: billed like any other duration since August 2025. */
  init(cpuMs: number, memoryMb: number): void {
    if (this.measuring) this.gbSeconds += gbSeconds(billedMs(cpuMs, memoryMb), memoryMb);
  }
}
