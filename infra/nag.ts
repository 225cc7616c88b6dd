// cdk-nag wiring: the AWS Solutions rule pack as a CDK validation plugin over the whole app, and the one
// acknowledgement helper that needs more than `Validations.of(x).acknowledge()`. Acknowledgements live next
// to the resources they concern, each with its reason.
import { Stack, Validations } from 'aws-cdk-lib';
// cdk-nag is CommonJS whose re-exports Node cannot detect statically, so named ESM imports of it fail.
import cdkNag from 'cdk-nag';
import flattenModule from 'cdk-nag/lib/utils/flatten-cfn-reference.js';
import type { IConstruct } from 'constructs';

/** Options shared by `cdk synth` and the in-process test, so both see the same findings. */
export const nagOptions = { verbose: true, writeSuppressionsToCloudFormation: true } as const;

/**
 * Register the AWS Solutions pack on the app (cdk-nag 3 is a policy-validation plugin, not an Aspect). Any
 * unacknowledged finding, error or warning, makes synthesis fail with the validation report. Acknowledged
 * rules are also written into each resource's template Metadata (`cdk_nag.rules_to_suppress`) so the
 * reasons travel with the template.
 *
 * @example
 * applyNagChecks(app);
 */
export function applyNagChecks(app: IConstruct): void {
  Validations.of(app).addPlugins(new cdkNag.AwsSolutionsChecks(app, nagOptions));
}

/** Run the AWS Solutions pack directly over a synthesized construct tree and return its report (tests). */
export function runNagChecks(scope: IConstruct) {
  return new cdkNag.AwsSolutionsChecks(scope, nagOptions).validateScope(scope);
}

/**
 * Acknowledge AwsSolutions-IAM5 for one wildcard resource (e.g. `<bucket ARN>/exchanges/*`) on `scope`.
 *
 * cdk-nag 3 matches the finding id exactly, and that id embeds the resource as it renders after CDK has
 * turned cross-stack references into outputs, which happens during synthesis. So the id is computed in a
 * tree validation, which CDK runs after references are resolved and before validation plugins. An id that
 * no longer matches simply leaves the finding unacknowledged: the synth fails, it is never silenced.
 */
export function acknowledgeWildcardResource(scope: IConstruct, resource: string, reason: string): void {
  scope.node.addValidation({
    validate: () => {
      const flat = flattenModule.flattenCfnReference(Stack.of(scope).resolve(resource));
      Validations.of(scope).acknowledge({ id: `AwsSolutions-IAM5[Resource::${flat}]`, reason });
      return [];
    },
  });
}
