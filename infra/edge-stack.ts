// Edge stack (always us-east-1): the WAF web ACL in front of the CloudFront distribution. A CLOUDFRONT-scoped web
// ACL can only be created in us-east-1, so it lives apart; the stateless stack reads its ARN through a weak
// cross-region reference (Fn::GetStackOutput, cdk.json's defaultCrossStackReferences), which is why
// `cdk deploy --all` deploys this stack before the stateless one.
import {
  ArnFormat,
  aws_logs as logs,
  RemovalPolicy,
  Stack,
  type StackProps,
  aws_wafv2 as wafv2,
} from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import type { PouchSettings } from './settings.ts';

/** CloudFront web ACLs exist only in this region. */
export const edgeRegion = 'us-east-1';

/** Paths of the API behind the distribution (the token endpoint gets a tighter per-IP limit). */
export const tokenPath = '/v1/token';

export interface EdgeStackProps extends StackProps {
  readonly settings: PouchSettings;
}

/**
 * AWS managed rule groups, evaluated after the rate rules. Each blocks on its own rules; none needs a
 * subscription. The common rule set's body-size rule is excluded because API bodies are bounded by the app
 * (POUCH_MAX_BODY_BYTES) and the portal never posts large bodies through CloudFront (uploads go to S3).
 */
export const managedRuleGroups = [
  { name: 'AWSManagedRulesAmazonIpReputationList', excluded: [] as string[] },
  { name: 'AWSManagedRulesCommonRuleSet', excluded: ['SizeRestrictions_BODY'] },
  { name: 'AWSManagedRulesKnownBadInputsRuleSet', excluded: [] as string[] },
] as const;

export class EdgeStack extends Stack {
  readonly webAcl: wafv2.CfnWebACL;

  constructor(scope: Construct, id: string, props: EdgeStackProps) {
    super(scope, id, props);
    const { settings } = props;
    const visibility = (metricName: string): wafv2.CfnWebACL.VisibilityConfigProperty => ({
      cloudWatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const tooMany: wafv2.CfnWebACL.RuleActionProperty = {
      block: {
        customResponse: {
          responseCode: 429,
          customResponseBodyKey: 'rateLimited',
          responseHeaders: [{ name: 'retry-after', value: '300' }],
        },
      },
    };

    this.webAcl = new wafv2.CfnWebACL(this, 'WebAcl', {
      description:
        'Pouch: rate limits per client IP and AWS managed rules in front of the portal and the API',
      scope: 'CLOUDFRONT',
      defaultAction: { allow: {} },
      visibilityConfig: visibility('pouch-edge'),
      // The same RFC 9457 shape the API answers with, so clients handle an edge refusal like any other 429.
      customResponseBodies: {
        rateLimited: {
          contentType: 'APPLICATION_JSON',
          content: JSON.stringify({
            type: 'about:blank',
            title: 'Too Many Requests',
            status: 429,
            code: 'ERR_RATE_LIMITED',
            detail: 'Too many requests from this address; retry after the Retry-After delay',
          }),
        },
      },
      rules: [
        {
          // Tighter first: token requests cost a signature check and a replay-store write each.
          name: 'rate-token-per-ip',
          priority: 0,
          action: tooMany,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: settings.wafTokenRateLimitPerIp,
              evaluationWindowSec: 300,
              scopeDownStatement: {
                byteMatchStatement: {
                  fieldToMatch: { uriPath: {} },
                  positionalConstraint: 'STARTS_WITH',
                  searchString: tokenPath,
                  textTransformations: [{ priority: 0, type: 'NONE' }],
                },
              },
            },
          },
          visibilityConfig: visibility('pouch-rate-token-per-ip'),
        },
        {
          name: 'rate-per-ip',
          priority: 1,
          action: tooMany,
          statement: {
            rateBasedStatement: {
              aggregateKeyType: 'IP',
              limit: settings.wafRateLimitPerIp,
              evaluationWindowSec: 300,
            },
          },
          visibilityConfig: visibility('pouch-rate-per-ip'),
        },
        ...managedRuleGroups.map((group, i) => ({
          name: group.name,
          priority: 10 + i,
          overrideAction: { none: {} },
          statement: {
            managedRuleGroupStatement: {
              vendorName: 'AWS',
              name: group.name,
              ...(group.excluded.length > 0
                ? {
                    ruleActionOverrides: group.excluded.map((name) => ({ name, actionToUse: { count: {} } })),
                  }
                : {}),
            },
          },
          visibilityConfig: visibility(`pouch-${group.name}`),
        })),
      ],
    });

    // WAF logs go to a log group whose name must start with aws-waf-logs-; the bearer token is never logged.
    const wafLogs = new logs.LogGroup(this, 'WafLogs', {
      logGroupName: `aws-waf-logs-pouch-${this.node.addr.slice(0, 8)}`,
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new wafv2.CfnLoggingConfiguration(this, 'WafLogging', {
      resourceArn: this.webAcl.attrArn,
      // WAF wants the log group's ARN without the `:*` suffix of its Arn attribute.
      logDestinationConfigs: [
        this.formatArn({
          service: 'logs',
          resource: 'log-group',
          resourceName: wafLogs.logGroupName,
          arnFormat: ArnFormat.COLON_RESOURCE_NAME,
        }),
      ],
      redactedFields: [{ singleHeader: { Name: 'authorization' } }],
    });
  }
}
