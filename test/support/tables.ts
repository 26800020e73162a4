/** Raw reads of every table straight through the DynamoDB API, as an attacker with a leaked table would see them. */
import { ScanCommand, type AttributeValue, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ALL_TABLES } from '../../lambdas/core/policy/tables';

export async function scanAll(client: DynamoDBClient, prefix = 'crm-local-'): Promise<Record<string, Record<string, AttributeValue>[]>> {
  const out: Record<string, Record<string, AttributeValue>[]> = {};
  for (const t of ALL_TABLES) {
    const items: Record<string, AttributeValue>[] = [];
    let start: Record<string, AttributeValue> | undefined;
    do {
      const page = await client.send(new ScanCommand({ TableName: `${prefix}${t.name}`, ExclusiveStartKey: start }));
      items.push(...(page.Items ?? []));
      start = page.LastEvaluatedKey;
    } while (start);
    out[t.name] = items;
  }
  return out;
}

export async function rowCounts(client: DynamoDBClient, prefix?: string): Promise<Record<string, number>> {
  const all = await scanAll(client, prefix);
  return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, v.length]));
}

/** Every string inside an attribute value, with Binary values decoded as UTF-8 and Latin-1 text too. */
export function textsOf(value: AttributeValue): string[] {
  if (value.S !== undefined) return [value.S];
  if (value.N !== undefined) return [value.N];
  if (value.B !== undefined) return [Buffer.from(value.B).toString('utf8'), Buffer.from(value.B).toString('latin1')];
  if (value.SS) return value.SS;
  if (value.NS) return value.NS;
  if (value.BS) return value.BS.flatMap((b) => [Buffer.from(b).toString('utf8'), Buffer.from(b).toString('latin1')]);
  if (value.L) return value.L.flatMap(textsOf);
  if (value.M) return Object.entries(value.M).flatMap(([k, v]) => [k, ...textsOf(v)]);
  return [];
}

/** Where any needle appears, case-insensitively, in any attribute of any row: `table.attribute contains "needle"`. */
export function findPlaintext(tables: Record<string, Record<string, AttributeValue>[]>, needles: string[]): string[] {
  const lowered = needles.map((n) => n.toLowerCase());
  const found: string[] = [];
  for (const [table, rows] of Object.entries(tables)) {
    for (const row of rows) {
      for (const [attr, value] of Object.entries(row)) {
        const texts = textsOf(value).map((t) => t.toLowerCase());
        for (const n of lowered) if (texts.some((t) => t.includes(n))) found.push(`${table}.${attr} contains "${n}"`);
      }
    }
  }
  return found;
}
