/**
 * libphonenumber-js's strict (`max`) validation data, without the formats only formatting reads, packed
 * (phone-metadata.generated.ts: 35 KB of every bundle instead of 105 KB as an object literal). Unpacked
 * once, at import: about 2 ms, and a constant, so the core keeps no module-level mutable state.
 */
import type { MetadataJson } from 'libphonenumber-js/core';
import { unpackText } from '../shared/packed-text';
import { PHONE_METADATA_PACKED } from './phone-metadata.generated';

export const PHONE_METADATA: MetadataJson = JSON.parse(unpackText(PHONE_METADATA_PACKED));
