/**
 * Lambda entry point: key maintenance, invoked by an operator (no schedule), the AWS counterpart of
 * `npm run rebuild-index` and `npm run rewrap-keys`:
 *
 *   aws lambda invoke --function-name crm-dev-key-maintenance --payload '{"job":"rebuild-index"}' out.json
 *
 * `step: "run"` (the default) does a whole rotation in one invocation: start, wait until every
 * instance can know the new version (about two minutes), a pass over every scan segment in parallel,
 * retire. For a table too large for one invocation (15 minutes), run `start`, then `segment` once per
 * segment (as many invocations in parallel as wanted, after the `settledAt` it returned), then `finish`.
 */
import * as z from 'zod';
import { awsRuntime } from '../composition/aws';
import type { App } from '../core/app';
import { ValidationError } from '../core/shared/errors';
import type { Log } from '../core/shared/ports';
import { MAX_SEGMENTS } from '../core/shared/rotation';

export const KeyMaintenanceEventSchema = z
  .strictObject({
    job: z.enum(['rebuild-index', 'rewrap-keys']),
    step: z.enum(['run', 'start', 'segment', 'finish']).default('run'),
    /** rewrap-keys: make new branch key versions first (with `run` or `start`). */
    rotate: z.boolean().default(false),
    totalSegments: z.number().int().min(1).max(MAX_SEGMENTS).default(8),
    segment: z.number().int().min(0).optional(),
  })
  .refine((e) => e.step !== 'segment' || (e.segment !== undefined && e.segment < e.totalSegments), {
    path: ['segment'],
    message: 'step "segment" needs a segment from 0 to totalSegments - 1',
  });

export type KeyMaintenanceEvent = z.input<typeof KeyMaintenanceEventSchema>;
export type KeyMaintenanceHandler = (event: unknown) => Promise<unknown>;

export function createKeyMaintenanceHandler(app: App, log: Log = app.ports.log): KeyMaintenanceHandler {
  return async (input) => {
    const parsed = KeyMaintenanceEventSchema.safeParse(input);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ field: i.path.join('.') || 'event', message: i.message }));
      throw new ValidationError(`Invalid key maintenance event: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, errors);
    }
    const e = parsed.data;
    const { rebuildIndex, branchRotation } = app.keyJobs;
    const index = e.job === 'rebuild-index';
    const result = await (async () => {
      switch (e.step) {
        case 'start':
          if (index) return rebuildIndex.start();
          return e.rotate ? branchRotation.rotate() : { started: false, reason: 'rewrap-keys starts nothing without rotate: true' };
        case 'segment':
          return index
            ? rebuildIndex.reindexSegment(e.segment!, e.totalSegments)
            : branchRotation.rewrapSegment(e.segment!, e.totalSegments);
        case 'finish':
          return index ? rebuildIndex.finish(e.totalSegments) : branchRotation.finish(e.totalSegments);
        case 'run':
          return index
            ? rebuildIndex.run({ totalSegments: e.totalSegments })
            : branchRotation.run({ totalSegments: e.totalSegments, rotate: e.rotate });
      }
    })();
    log.info('key maintenance step done', { job: e.job, step: e.step, segment: e.segment, totalSegments: e.totalSegments });
    return result;
  };
}

let built: KeyMaintenanceHandler | undefined;

export const handler: KeyMaintenanceHandler = (event) => {
  if (!built) {
    const { app, log } = awsRuntime();
    built = createKeyMaintenanceHandler(app, log);
  }
  return built(event);
};
