/**
 * The domain settings both homes read from their environment, parsed by one schema: the Lambda
 * functions (variables set by the CDK stack) and `npm start` (the user's shell). Each returns the
 * `createApp` settings, or every problem at once, each naming its variable.
 */
import * as z from 'zod';
import type { Settings } from './core/app';
import {
  parseRetentionOverrides,
  RetentionPolicy,
  retentionOverrideProblems,
  type RetentionOverrides,
} from './core/policy/retention-policy';
import { ENV } from './config';
import { MAX_BRANCHES, MIN_BRANCHES } from './core/shared/branch-keys';

const DAY = 86_400;

const BRANCH_KEYS_MESSAGE = `${ENV.branchKeys} must be a whole number from ${MIN_BRANCHES} to ${MAX_BRANCHES}`;

const optionalText = z.preprocess((v) => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined), z.string().optional());

export const DomainEnvSchema = z.object({
  [ENV.erasureGraceDays]: optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, `${ENV.erasureGraceDays} must be a whole number of days from 1 to 365`)
      .transform(Number)
      .refine((n) => n >= 1 && n <= 365, `${ENV.erasureGraceDays} must be a whole number of days from 1 to 365`)
      .optional(),
  ),
  [ENV.retentionDays]: optionalText.transform((raw, ctx): RetentionOverrides => {
    try {
      const overrides = parseRetentionOverrides(raw);
      for (const p of retentionOverrideProblems(overrides))
        ctx.addIssue({ code: 'custom', message: `retention override ${p.id} ${p.message}` });
      return overrides;
    } catch (e) {
      ctx.addIssue({ code: 'custom', message: (e as Error).message });
      return {};
    }
  }),
  [ENV.defaultPhoneRegion]: optionalText.pipe(
    z
      .string()
      .regex(/^[A-Z]{2}$/, `${ENV.defaultPhoneRegion} must be an ISO country code such as GB`)
      .optional(),
  ),
  [ENV.branchKeys]: optionalText.pipe(
    z
      .string()
      .regex(/^\d+$/, BRANCH_KEYS_MESSAGE)
      .transform(Number)
      .refine((n) => n >= MIN_BRANCHES && n <= MAX_BRANCHES, BRANCH_KEYS_MESSAGE)
      .optional(),
  ),
});

export interface DomainSettings {
  erasureGraceDays?: number;
  retentionDays: RetentionOverrides;
  defaultPhoneRegion?: string;
  branchKeys?: number;
  /** What createApp takes. */
  app: Pick<Settings, 'policy' | 'defaultPhoneRegion' | 'vault'>;
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

export function parseDomainSettings(env: NodeJS.ProcessEnv): Parsed<DomainSettings> {
  const parsed = DomainEnvSchema.safeParse(env);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => i.message) };
  const {
    [ENV.erasureGraceDays]: erasureGraceDays,
    [ENV.retentionDays]: retentionDays,
    [ENV.defaultPhoneRegion]: defaultPhoneRegion,
  } = parsed.data;
  const branchKeys = parsed.data[ENV.branchKeys];
  const policy = new RetentionPolicy({
    retentionDays,
    erasureGraceSeconds: erasureGraceDays === undefined ? undefined : erasureGraceDays * DAY,
  });
  const vault = branchKeys === undefined ? {} : { vault: { branches: branchKeys } };
  const app = { policy, defaultPhoneRegion, ...vault };
  return { ok: true, value: { erasureGraceDays, retentionDays, defaultPhoneRegion, branchKeys, app } };
}
