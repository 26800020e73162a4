/** Parallel scans in memory: DynamoDB's checks on segment numbers, and which segment a partition falls in. */
import type { ScanOptions } from '../../core/shared/ports';
import { StoreValidationError } from './values';

/** DynamoDB's limits on a parallel scan's segment numbers. */
export function checkSegment({ segment, totalSegments }: ScanOptions): void {
  if (!Number.isInteger(totalSegments) || totalSegments < 1 || totalSegments > 1_000_000) {
    throw new StoreValidationError('1 validation error detected: Value at \'totalSegments\' failed to satisfy constraint: must be between 1 and 1000000');
  }
  if (!Number.isInteger(segment) || segment < 0 || segment >= totalSegments) {
    throw new StoreValidationError('The Segment parameter is zero-based and must be less than parameter TotalSegments');
  }
}

/** The segment of a partition: a stable hash of its encoded key (FNV-1a), as DynamoDB hashes partition keys. */
export function segmentOf(partition: string, totalSegments: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < partition.length; i++) hash = Math.imul(hash ^ partition.charCodeAt(i), 0x01000193) >>> 0;
  return hash % totalSegments;
}

