// Test support for tests/infra: builds the Pouch CDK app in-process with cdk.json's context, exactly as
// `cdk synth` does, but with a stub Lambda asset unless a test asks for the real esbuild bundle.
import { App, aws_lambda as lambda } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { applyNagChecks } from '../../infra/nag.ts';
import { buildPouchApp, type PouchStacks } from '../../infra/pouch-app.ts';
import { readCdkJsonContext } from '../../infra/settings.ts';

export interface SynthesizedPouch extends PouchStacks {
  readonly app: App;
  readonly statefulTemplate: Template;
  readonly statelessTemplate: Template;
  readonly edgeTemplate: Template;
}

/** Inline code stands in for the bundle so template tests take milliseconds, not an esbuild run each. */
export const stubApiCode = (): lambda.Code =>
  lambda.Code.fromInline('export const handler = async () => ({ statusCode: 503 });');

/**
 * Synthesize the three stacks. `context` overrides cdk.json values; `apiCode` replaces the stub (e.g. the real
 * bundle); `nag` registers cdk-nag exactly as infra/app.ts does.
 */
export function synthPouch(
  options: { context?: Record<string, unknown>; apiCode?: lambda.Code; nag?: boolean } = {},
): SynthesizedPouch {
  // Assets are not copied into the assembly (their metadata names the source folder): the awscli layer of
  // the portal deployment alone would otherwise be copied on every synth.
  const app = new App({
    context: { ...readCdkJsonContext(), 'aws:cdk:disable-asset-staging': true, ...options.context },
  });
  const stacks = buildPouchApp(app, { apiCode: options.apiCode ?? stubApiCode() });
  if (options.nag) applyNagChecks(app);
  return {
    app,
    ...stacks,
    statefulTemplate: Template.fromStack(stacks.stateful),
    statelessTemplate: Template.fromStack(stacks.stateless),
    edgeTemplate: Template.fromStack(stacks.edge),
  };
}

/** A CloudFormation resource as it appears in a template. */
export interface CfnResource {
  readonly Type: string;
  /** Always present here: {@link resourcesOf} fills in `{}` for resources without properties. */
  readonly Properties: Record<string, unknown>;
  readonly DeletionPolicy?: string;
  readonly UpdateReplacePolicy?: string;
}

/** All resources of one type, keyed by logical id. */
export function resourcesOf(template: Template, type: string): Record<string, CfnResource> {
  const found = template.findResources(type) as Record<
    string,
    Omit<CfnResource, 'Properties'> & { Properties?: Record<string, unknown> }
  >;
  return Object.fromEntries(
    Object.entries(found).map(([id, r]) => [id, { ...r, Properties: r.Properties ?? {} }]),
  );
}
