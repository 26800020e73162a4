/**
 * The TTL cascade, fed by the DynamoDB stream of the customers table. A customer row deleted by TTL
 * (a REMOVE whose user identity is the DynamoDB service) runs the erasure cascade; every other record
 * (user deletes by the erasure handler itself, inserts, updates) is ignored. A failing record is
 * reported in `batchItemFailures`, so Lambda retries from it and, after the last retry, sends it to
 * the on-failure destination: never dropped. The local reaper calls this same function.
 */
import type { DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { fromStreamImage } from '../adapters/dynamodb/stream-image';
import type { App } from '../core/app';
import { customerFromItem, type CustomerRow } from '../core/customer/record';
import type { Log } from '../core/shared/ports';

export const TTL_PRINCIPAL = 'dynamodb.amazonaws.com';

export type StreamHandler = (event: DynamoDBStreamEvent) => Promise<DynamoDBBatchResponse>;

export function isTtlDeletion(record: DynamoDBRecord): boolean {
  return record.eventName === 'REMOVE' && record.userIdentity?.type === 'Service' && record.userIdentity?.principalId === TTL_PRINCIPAL;
}

function customerImage(record: DynamoDBRecord): CustomerRow | undefined {
  const image = record.dynamodb?.OldImage;
  if (!image) return undefined;
  const old = fromStreamImage(image);
  const looksLikeCustomer = typeof old.customerId === 'string' && typeof old.contactType === 'string' && old.sealed instanceof Uint8Array;
  // The same mapper as every read: a malformed image fails the record (retried, then the on-failure queue).
  return looksLikeCustomer ? customerFromItem(old) : undefined;
}

export function createStreamHandler(app: App, log: Log = app.ports.log): StreamHandler {
  return async (event) => {
    for (const record of event.Records ?? []) {
      if (!isTtlDeletion(record)) continue;
      try {
        const old = customerImage(record);
        if (!old) {
          // Without the old image there is nothing to cascade from; the stream must be OLD_IMAGE.
          log.error('ttl deletion without a customer image', { eventID: record.eventID });
          throw new Error('TTL record carries no customer image.');
        }
        await app.retention.onExpired(old);
      } catch (e) {
        log.error('ttl cascade failed', { eventID: record.eventID, errorName: (e as Error)?.name });
        // Later records are retried after this one anyway (a shard is processed in order).
        return { batchItemFailures: [{ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' }] };
      }
    }
    return { batchItemFailures: [] };
  };
}
