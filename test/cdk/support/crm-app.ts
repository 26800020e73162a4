/**
 * Builds the real app the way `cdk synth` does (cdk.json context, both stacks), offline: no AWS
 * account, no credentials, and by default no bundling (templates are the same apart from asset hashes;
 * bundling has its own test).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { addCrmStacks, type CrmStacks, type CrmStacksOptions } from '../../../lib/app';
import { REPO_ROOT } from '../../../lib/paths';

export function cdkJsonContext(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(REPO_ROOT, 'cdk.json'), 'utf8')).context;
}

export interface BuiltCrm extends CrmStacks {
  app: App;
  outdir: string;
  cleanup(): void;
}

export function buildCrm(
  opts: { context?: Record<string, unknown>; bundling?: boolean; account?: string } & Pick<CrmStacksOptions, 'routes'> = {},
): BuiltCrm {
  const outdir = mkdtempSync(join(tmpdir(), 'crm-cdk-'));
  const app = new App({
    outdir,
    context: { ...cdkJsonContext(), ...(opts.bundling ? {} : { 'aws:cdk:bundling-stacks': [] }), ...opts.context },
  });
  const stacks = addCrmStacks(app, { routes: opts.routes, env: opts.account ? { CDK_DEFAULT_ACCOUNT: opts.account } : {} });
  return { app, outdir, ...stacks, cleanup: () => rmSync(outdir, { recursive: true, force: true }) };
}

export interface SynthesizedCrm extends BuiltCrm {
  stateful: CrmStacks['stateful'];
  stateless: CrmStacks['stateless'];
  statefulTemplate: Template;
  statelessTemplate: Template;
}

export function synthCrm(opts: Parameters<typeof buildCrm>[0] = {}): SynthesizedCrm {
  const built = buildCrm(opts);
  return {
    ...built,
    statefulTemplate: Template.fromStack(built.stateful),
    statelessTemplate: Template.fromStack(built.stateless),
  };
}

type Resource = { Type: string; Properties?: Record<string, any>; DeletionPolicy?: string; UpdateReplacePolicy?: string };

/** Resources of a type, by logical id. */
export function resourcesOf(template: Template, type: string): [string, Resource][] {
  return Object.entries(template.findResources(type)) as [string, Resource][];
}

/** Every IAM statement in a template (roles' inline policies, policies, managed policies), with its owner. */
export function iamStatements(template: Template): { owner: string; statement: Record<string, any> }[] {
  const out: { owner: string; statement: Record<string, any> }[] = [];
  for (const type of ['AWS::IAM::Policy', 'AWS::IAM::ManagedPolicy']) {
    for (const [id, r] of resourcesOf(template, type)) {
      for (const s of r.Properties?.PolicyDocument?.Statement ?? []) out.push({ owner: id, statement: s });
    }
  }
  for (const [id, r] of resourcesOf(template, 'AWS::IAM::Role')) {
    for (const p of r.Properties?.Policies ?? []) for (const s of p.PolicyDocument?.Statement ?? []) out.push({ owner: id, statement: s });
  }
  return out;
}

export const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Full resource paths of API Gateway methods, e.g. "GET /v1/customers/{id}" → method properties. */
export function apiMethods(template: Template): Map<string, Record<string, any>> {
  const resources = template.findResources('AWS::ApiGateway::Resource');
  const restApis = Object.keys(template.findResources('AWS::ApiGateway::RestApi'));
  const pathOf = (ref: any): string => {
    if (ref && typeof ref === 'object' && 'Fn::GetAtt' in ref && restApis.includes(ref['Fn::GetAtt'][0])) return '';
    const id = ref?.Ref as string;
    const r = resources[id];
    if (!r) throw new Error(`unknown API resource ${JSON.stringify(ref)}`);
    return `${pathOf(r.Properties.ParentId)}/${r.Properties.PathPart}`;
  };
  const out = new Map<string, Record<string, any>>();
  for (const m of Object.values(template.findResources('AWS::ApiGateway::Method'))) {
    out.set(`${m.Properties.HttpMethod} ${pathOf(m.Properties.ResourceId) || '/'}`, m.Properties);
  }
  return out;
}
