/** Identifiers the domain mints (randomUUID) and accepts back from outside. */

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A lower-case version 4 UUID: the shape `randomUUID()` gives every id the domain mints. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID_V4.test(value);
}
