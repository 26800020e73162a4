/**
 * Structured JSON logs (Powertools Logger) behind the Log port. A last line of defence drops any
 * attribute whose name suggests a personal value or a secret; callers are expected to pass ids only.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import type { Log } from '../core/shared/ports';

const FORBIDDEN = /^(name|email|phone|contact|code|token|otp|body|summary|purpose|reason|path|authorization|password|secret)$/i;

export function scrub(attributes: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  if (!attributes) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(attributes)) {
    if (v === undefined) continue;
    out[k] = FORBIDDEN.test(k) ? '[redacted]' : v;
  }
  return out;
}

export function createLogger(serviceName: string, level = process.env.LOG_LEVEL ?? 'INFO'): Log {
  const logger = new Logger({ serviceName, logLevel: level as 'INFO' });
  return {
    info: (m, a) => logger.info(m, scrub(a) ?? {}),
    warn: (m, a) => logger.warn(m, scrub(a) ?? {}),
    error: (m, a) => logger.error(m, scrub(a) ?? {}),
  };
}

/** For tests and tools that want silence. */
export const silentLog: Log = { info: () => undefined, warn: () => undefined, error: () => undefined };
