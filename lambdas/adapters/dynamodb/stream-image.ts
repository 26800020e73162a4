/**
 * DynamoDB Streams images as Lambda receives them (attribute-value JSON, binary as base64 text) to
 * and from the store's items. The local reaper builds its records with `toStreamImage`, so the stream
 * handler reads the very same shape in both homes.
 */
import type { AttributeValue } from 'aws-lambda';
import type { Item, Value } from '../../core/shared/ports';

export type StreamImage = Record<string, AttributeValue>;

function fromValue(v: AttributeValue): Value {
  if (v.S !== undefined) return v.S;
  if (v.N !== undefined) return Number(v.N);
  if (v.B !== undefined) return new Uint8Array(Buffer.from(v.B, 'base64'));
  if (v.BOOL !== undefined) return v.BOOL;
  if (v.NULL !== undefined) return null;
  if (v.L !== undefined) return v.L.map(fromValue);
  if (v.M !== undefined) return fromImage(v.M);
  if (v.SS !== undefined) return [...v.SS];
  if (v.NS !== undefined) return v.NS.map(Number);
  if (v.BS !== undefined) return v.BS.map((b) => new Uint8Array(Buffer.from(b, 'base64')));
  throw new Error('Unsupported attribute value in a stream image.');
}

function fromImage(image: StreamImage): { [k: string]: Value } {
  const out: { [k: string]: Value } = {};
  for (const [k, v] of Object.entries(image)) out[k] = fromValue(v);
  return out;
}

export function fromStreamImage(image: StreamImage): Item {
  return fromImage(image);
}

function toValue(v: unknown): AttributeValue | undefined {
  if (v === undefined) return undefined;
  if (v === null) return { NULL: true };
  if (typeof v === 'string') return { S: v };
  if (typeof v === 'number') return { N: String(v) };
  if (typeof v === 'boolean') return { BOOL: v };
  if (v instanceof Uint8Array) return { B: Buffer.from(v).toString('base64') };
  if (v instanceof Set) return toValue([...v]);
  if (Array.isArray(v)) return { L: v.map((x) => toValue(x) ?? { NULL: true }) };
  if (typeof v === 'object') return { M: toStreamImage(v as Record<string, unknown>) };
  throw new Error('Unsupported value for a stream image.');
}

export function toStreamImage(item: Record<string, unknown>): StreamImage {
  const out: StreamImage = {};
  for (const [k, v] of Object.entries(item)) {
    const av = toValue(v);
    if (av !== undefined) out[k] = av;
  }
  return out;
}
