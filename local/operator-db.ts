/**
 * The database an operator command works on: a DynamoDB endpoint, AWS itself (`--aws`), or the local
 * home's own database on disk, opened only while no server holds it (the embedded database allows one
 * process). Used by every operator command (`reapply-erasures`, `rebuild-index`, `rewrap-keys`,
 * `reindex-reminders`), with the flags they all take.
 */
import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import dynalite from 'dynalite';
import { DataDirInUseError, lockDataDir } from './data-dir-lock';

export interface OperatorDbArgs {
  endpoint?: string;
  aws: boolean;
  dataDir: string;
}

export interface OperatorArgs extends OperatorDbArgs {
  prefix: string;
}

export interface OperatorDb {
  client: DynamoDBClient;
  /** The local data dir, locked: no other process uses this database. */
  exclusive: boolean;
  close(): Promise<void>;
}

/**
 * Walks an operator command's arguments: the flags every command takes (--prefix, --endpoint, --data-dir,
 * --aws) are applied here, any other goes to `own`, which answers false for a flag it does not know.
 */
export function parseOperatorArgs<A extends OperatorArgs>(
  argv: readonly string[],
  usage: string,
  own: (args: A, flag: string, value: () => string) => boolean,
  extra: Omit<A, keyof OperatorArgs>,
  env: NodeJS.ProcessEnv = process.env,
): A {
  const args = {
    prefix: 'crm-local-',
    dataDir: env.CRM_DATA_DIR ?? '.crm-data',
    endpoint: env.CRM_DYNAMODB_ENDPOINT || undefined,
    aws: false,
    ...extra,
  } as A;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined || v.startsWith('--')) throw new Error(`${flag} needs a value. ${usage}`);
      return v;
    };
    if (flag === '--prefix') args.prefix = value();
    else if (flag === '--endpoint') args.endpoint = value();
    else if (flag === '--data-dir') args.dataDir = value();
    else if (flag === '--aws') args.aws = true;
    else if (!own(args, flag, value)) throw new Error(`Unknown argument ${flag}. ${usage}`);
  }
  return args;
}

/** `--segments N`: parallel scan segments, 1 to 64. */
export function segmentsOf(raw: string, usage: string): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) throw new Error(`--segments must be 1 to 64. ${usage}`);
  return n;
}

/** `command` names the npm script in the message that asks to stop a running server first. */
export async function openOperatorDb(args: OperatorDbArgs, command: string): Promise<OperatorDb> {
  let embedded: Server | undefined;
  let unlock: () => void = () => undefined;
  let endpoint = args.endpoint;
  if (!endpoint && !args.aws) {
    const dataDir = resolve(args.dataDir);
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    try {
      unlock = lockDataDir(dataDir);
    } catch (e) {
      if (!(e instanceof DataDirInUseError)) throw e;
      const stop = `stop npm start first, then run npm run ${command} again.`;
      throw new Error(`${args.dataDir} is in use by a running privacy-crm (pid ${e.pid}): ${stop}`);
    }
    embedded = dynalite({ path: join(dataDir, 'db'), createTableMs: 0, deleteTableMs: 0 });
    await new Promise<void>((r) => embedded!.listen(0, '127.0.0.1', () => r()));
    endpoint = `http://127.0.0.1:${(embedded.address() as AddressInfo).port}`;
  }
  const credentials = {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'local',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'local',
  };
  const client = new DynamoDBClient(endpoint ? { endpoint, region: process.env.AWS_REGION ?? 'local', credentials } : {});
  return {
    client,
    exclusive: embedded !== undefined,
    close: async () => {
      client.destroy();
      if (embedded) await new Promise<void>((r) => embedded!.close(() => r()));
      unlock();
    },
  };
}
