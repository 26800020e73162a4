/** A customer's name as stored: Unicode NFC, trimmed, inner whitespace collapsed, 1 to 200 characters. */
import { ValidationError } from '../shared/errors';

export function normaliseName(raw: string): string {
  const name = raw.normalize('NFC').trim().replace(/\s+/g, ' ');
  if (name.length < 1 || name.length > 200) {
    throw new ValidationError('The name must be 1 to 200 characters.', [{ field: 'name', message: 'must be 1 to 200 characters' }]);
  }
  return name;
}
