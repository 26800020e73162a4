/**
 * Stands in for @smithy/core/event-streams in the Lambda bundles only (esbuild alias:
 * lib/constructs/bundle-aliases.ts). The SDK's HTTP protocols import it on demand, for operations with an
 * event-stream member (Bedrock or Transcribe streaming, say); DynamoDB, KMS, Scheduler, SES and SNS have
 * none, so no call of these functions can reach it. Bundled, it is about 20 KB; here it fails loudly.
 */
const absent = (): never => {
  throw new Error('AWS SDK event streams are not in this bundle (lib/constructs/bundle-aliases.ts).');
};

export class EventStreamSerde {
  constructor() {
    absent();
  }
}

export const eventStreamSerdeProvider = absent;
