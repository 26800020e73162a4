/**
 * X-Ray subsegments for every AWS SDK call (DynamoDB, KMS, Scheduler, SES, SNS) through Powertools
 * Tracer. The function's active tracing makes the segment; outside Lambda, Tracer is off and clients are
 * returned as they are. Annotations and metadata are not used: nothing of a request is recorded.
 */
import { Tracer } from '@aws-lambda-powertools/tracer';

export interface ClientTracer {
  /** The same client, its calls traced. */
  capture<T extends object>(client: T): T;
}

export function powertoolsTracer(serviceName: string): ClientTracer {
  // Responses and errors are not captured as metadata: they may hold personal values.
  const tracer = new Tracer({ serviceName, captureHTTPsRequests: false });
  return { capture: (client) => tracer.captureAWSv3Client(client) };
}
