/**
 * The database an operator command works on: a DynamoDB endpoint, AWS itself (`--aws`), or the local
 * home's own database on disk, opened only while no server holds it (the embedded database allows one
 * process). Used by `npm run reindex-reminders` (reapply-erasures opens its own the same way).
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

export interface OperatorDb {
  client: DynamoDBClient;
  close(): Promise<void>;
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
    close: async () => {
      client.destroy();
      if (embedded) await new Promise<void>((r) => embedded!.close(() => r()));
      unlock();
    },
  };
}
