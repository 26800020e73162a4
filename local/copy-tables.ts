/**
 * `npm run copy-tables`: the last step of a restore. After the restored tables were cleaned with
 * `reapply-erasures`, copies every row of them into the live tables of the same names (rows are put as
 * they are: ciphertexts, TTLs and all). Never the ledger (receipts): it must not be rolled back; nor the key store. A
 * restored table that does not exist is skipped and said so (e.g. only some tables were restored).
 *
 *   npm run copy-tables -- --from restored-crm-prod- --to crm-prod-            (AWS, credentials from the environment)
 *   npm run copy-tables -- --from restored- --to crm-local- --endpoint http://localhost:8000
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DynamoDBClient, PutItemCommand, ResourceNotFoundException, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { AWS_TABLES } from '../lambdas/core/policy/tables';

/**
 * Everything a restore may bring back, in the order the cascade would delete (customers last: it is the
 * anchor). Not the key store either: the restored copy only lets the clean-up open records, and copying
 * it back would revive branch or beacon versions retired since.
 */
export const COPIED_TABLES: readonly string[] = [
  ...AWS_TABLES.map((t): string => t.name).filter((n) => n !== 'receipts' && n !== 'customers' && n !== 'key-store'),
  'customers',
];

export async function copyTables(opts: { client: DynamoDBClient; from: string; to: string }): Promise<Record<string, number | 'absent'>> {
  if (opts.from === opts.to) throw new Error('--from and --to name the same tables.');
  const copied: Record<string, number | 'absent'> = {};
  for (const table of COPIED_TABLES) {
    let count = 0;
    let startKey: Record<string, AttributeValue> | undefined;
    try {
      do {
        const scan = new ScanCommand({ TableName: `${opts.from}${table}`, ExclusiveStartKey: startKey, ConsistentRead: true });
        const page = await opts.client.send(scan);
        for (const Item of page.Items ?? []) {
          await opts.client.send(new PutItemCommand({ TableName: `${opts.to}${table}`, Item }));
          count++;
        }
        startKey = page.LastEvaluatedKey;
      } while (startKey);
      copied[table] = count;
    } catch (e) {
      if (!(e instanceof ResourceNotFoundException) || count > 0) throw e;
      copied[table] = 'absent';
    }
  }
  return copied;
}

export function parseCopyArgs(argv: readonly string[]): { from: string; to: string; endpoint?: string } {
  const usage = 'usage: npm run copy-tables -- --from restored-crm-prod- --to crm-prod- [--endpoint URL]';
  const args: { from?: string; to?: string; endpoint?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[++i];
    if (value === undefined || value.startsWith('--')) throw new Error(`${flag} needs a value. ${usage}`);
    if (flag === '--from') args.from = value;
    else if (flag === '--to') args.to = value;
    else if (flag === '--endpoint') args.endpoint = value;
    else throw new Error(`Unknown argument ${flag}. ${usage}`);
  }
  if (!args.from || !args.to) throw new Error(`--from and --to are required. ${usage}`);
  return { from: args.from, to: args.to, endpoint: args.endpoint };
}

async function main(): Promise<void> {
  const args = parseCopyArgs(process.argv.slice(2));
  const client = new DynamoDBClient(
    args.endpoint
      ? {
          endpoint: args.endpoint,
          region: process.env.AWS_REGION ?? 'local',
          credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
        }
      : {},
  );
  try {
    const copied = await copyTables({ client, ...args });
    for (const [table, n] of Object.entries(copied)) {
      console.log(`${args.from}${table} → ${args.to}${table}: ${n === 'absent' ? 'not restored, skipped' : `${n} row(s)`}`);
    }
  } finally {
    client.destroy();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main().catch((e: unknown) => {
    console.error((e as Error)?.message ?? 'copy-tables failed');
    process.exit(1);
  });
}
