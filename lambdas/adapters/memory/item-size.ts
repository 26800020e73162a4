/**
 * DynamoDB's item size, by its published rules ("Item sizes and formats"): what the 400 KB item limit,
 * the 1 MB query page and every capacity unit are measured in.
 *
 * - an attribute: the UTF-8 bytes of its name plus the size of its value;
 * - string: UTF-8 bytes; binary: raw bytes; boolean and null: 1 byte;
 * - number: its significant digits stored two per byte (base-100 pairs aligned on the decimal point),
 *   plus 1 byte, plus 1 more when negative; zero is 1 byte. The published "1 byte per two significant
 *   digits + 1" is this rule before alignment;
 * - list and map: 3 bytes, plus 1 byte per element, plus the elements (a map's with their names).
 */
import type { Item, Value } from '../../core/shared/ports';

export const MAX_ITEM_BYTES = 400 * 1024;
export const MAX_PARTITION_KEY_BYTES = 2048;
export const MAX_SORT_KEY_BYTES = 1024;
/** A Query or Scan page stops once it has read this much. */
export const PAGE_BYTES = 1024 * 1024;

const utf8 = (s: string): number => Buffer.byteLength(s, 'utf8');

export function itemSize(item: Item): number {
  let size = 0;
  for (const [name, value] of Object.entries(item)) {
    if (value !== undefined) size += utf8(name) + valueSize(value);
  }
  return size;
}

export function valueSize(value: Value): number {
  if (value === null || typeof value === 'boolean') return 1;
  if (typeof value === 'string') return utf8(value);
  if (typeof value === 'number') return numberSize(value);
  if (value instanceof Uint8Array) return value.byteLength;
  if (Array.isArray(value)) {
    let size = 3;
    for (const element of value) if (element !== undefined) size += 1 + valueSize(element);
    return size;
  }
  let size = 3;
  for (const [name, element] of Object.entries(value)) {
    if (element !== undefined) size += 1 + utf8(name) + valueSize(element);
  }
  return size;
}

/** Bytes of a number as DynamoDB stores it (see the module comment). */
export function numberSize(n: number): number {
  if (n === 0) return 1;
  const { digits, exponent } = decimalDigits(Math.abs(n));
  const pairs = digits % 2 === 1 ? (digits + 1) / 2 : exponent % 2 === 0 ? digits / 2 + 1 : digits / 2;
  return 1 + pairs + (n < 0 ? 1 : 0);
}

/**
 * The significant digits of a positive number as JavaScript writes it (and so as the SDK sends it),
 * and the decimal exponent of the first one: 123 → 3 digits at 10^2; 0.05 → 1 digit at 10^-2.
 */
function decimalDigits(n: number): { digits: number; exponent: number } {
  const [mantissa, exp = '0'] = n.toString().split('e');
  const [whole, fraction = ''] = mantissa!.split('.');
  const all = `${whole}${fraction}`;
  const lead = all.length - all.replace(/^0+/, '').length;
  const significant = all.replace(/^0+/, '').replace(/0+$/, '');
  return { digits: significant.length, exponent: whole!.length - 1 - lead + Number(exp) };
}
