/** The key-maintenance function: an operator's events, step by step, through the AWS composition. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAwsRuntime, readEnvironment } from '../../../lambdas/composition/aws';
import { ValidationError } from '../../../lambdas/core/shared/errors';
import { tableEnvVar, AWS_TABLES, type TableId } from '../../../lambdas/core/policy/tables';
import { createKeyMaintenanceHandler } from '../../../lambdas/handlers/key-maintenance';
import { DATA_KEY, MAC_KEY, rows, STAFF, startWorld, type World } from './support';

let world: World;
beforeAll(async () => {
  world = await startWorld();
  const app = world.instance({ vault: { keyRefreshMs: 0 } }, { withoutMac: true });
  for (let n = 0; n < 5; n++) await app.customers.create(STAFF, { name: 'Handler Test', email: `handler${n}@example.com` });
});
afterAll(async () => world?.close());

describe('the key-maintenance handler', () => {
  it('refuses a malformed event, naming the field', async () => {
    const handler = createKeyMaintenanceHandler(world.instance());
    for (const [event, field] of [
      [{ job: 'rotate-everything' }, 'job'],
      [{ job: 'rebuild-index', step: 'segment', totalSegments: 4 }, 'segment'],
      [{ job: 'rebuild-index', step: 'segment', segment: 4, totalSegments: 4 }, 'segment'],
      [{ job: 'rewrap-keys', totalSegments: 0 }, 'totalSegments'],
      [{ job: 'rebuild-index', extra: true }, 'event'],
    ] as const) {
      const err = await handler(event).catch((e: unknown) => e);
      expect(err, JSON.stringify(event)).toBeInstanceOf(ValidationError);
      expect((err as ValidationError).errors.map((e) => e.field)).toContain(field);
    }
  });

  it('runs an index rebuild in steps, as separate invocations would: start, a segment each, finish', async () => {
    const handler = createKeyMaintenanceHandler(world.instance({ vault: { keyRefreshMs: 0 } }, { withoutMac: true }));
    const before = new Set((await rows(world.store, 'contact-index')).map((r) => r.lookup));
    expect(await handler({ job: 'rebuild-index', step: 'start' })).toMatchObject({ target: 2 });
    expect(await handler({ job: 'rebuild-index', step: 'finish', totalSegments: 2 })).toEqual({ missing: [0, 1], retired: [] });
    let changed = 0;
    for (const segment of [0, 1])
      changed += ((await handler({ job: 'rebuild-index', step: 'segment', segment, totalSegments: 2 })) as { changed: number }).changed;
    expect(changed).toBe(5);
    expect(await handler({ job: 'rebuild-index', step: 'finish', totalSegments: 2 })).toEqual({ missing: [], retired: ['beacon@1'] });
    for (const entry of await rows(world.store, 'contact-index')) expect(before.has(entry.lookup)).toBe(false);
  });

  it('rotates the branch keys in one invocation', async () => {
    const handler = createKeyMaintenanceHandler(world.instance({ vault: { keyRefreshMs: 0 } }, { withoutMac: true }));
    const result = await handler({ job: 'rewrap-keys', rotate: true, totalSegments: 3 });
    expect(result).toMatchObject({ target: 2, counts: { scanned: 5, changed: 5, failed: 0 }, missing: [] });
    expect((result as { retired: string[] }).retired.length).toBeGreaterThan(0);
    expect((await rows(world.store, 'customer-keys')).every((r) => r.branchVersion === 2)).toBe(true);
  });

  it("is built by the AWS composition with the deployment's branch count", () => {
    const env: NodeJS.ProcessEnv = {
      CRM_KMS_KEY_ID: DATA_KEY,
      CRM_MAC_KEY_ID: MAC_KEY,
      CRM_BRANCH_KEYS: '32',
      ...Object.fromEntries(AWS_TABLES.map((t) => [tableEnvVar(t.name as TableId), `${world.db.prefix}${t.name}`])),
    };
    const { app } = createAwsRuntime(readEnvironment(env), { clients: { dynamodb: world.db.client } });
    expect(app.vault.branchKeys.branches).toBe(32);
    expect(
      createAwsRuntime(readEnvironment({ ...env, CRM_BRANCH_KEYS: '' }), { clients: { dynamodb: world.db.client } }).app.vault.branchKeys
        .branches,
    ).toBe(16);
    expect(() => readEnvironment({ ...env, CRM_BRANCH_KEYS: '8' })).toThrow(/CRM_BRANCH_KEYS must be a whole number from 16 to 64/);
  });
});
