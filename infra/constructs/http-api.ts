// Stateless building block: the HTTP API (API Gateway v2) in front of the API Lambda, with one $default
// proxy route, stage-wide throttling and JSON access logs.

import type { aws_lambda as lambda } from 'aws-cdk-lib';
import {
  aws_apigateway as apigw,
  aws_apigatewayv2 as apigwv2,
  aws_logs as logs,
  RemovalPolicy,
  Validations,
} from 'aws-cdk-lib';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import { Construct } from 'constructs';

export interface PouchHttpApiProps {
  readonly handler: lambda.IFunction;
  readonly throttle: { readonly burstLimit: number; readonly rateLimit: number };
  readonly logRetention: logs.RetentionDays;
}

/**
 * Fields of each access-log line (JSON). Caller identity is not logged here: the app authenticates and logs
 * the actor itself; API Gateway only sees the bearer token, which must never be written anywhere.
 */
const accessLogFields = {
  requestId: '$context.requestId',
  extendedRequestId: '$context.extendedRequestId',
  time: '$context.requestTime',
  ip: '$context.identity.sourceIp',
  userAgent: '$context.identity.userAgent',
  method: '$context.httpMethod',
  path: '$context.path',
  protocol: '$context.protocol',
  status: '$context.status',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  integrationStatus: '$context.integrationStatus',
  integrationError: '$context.integrationErrorMessage',
  errorMessage: '$context.error.message',
} as const;

/** The public HTTP endpoint of the exchange. */
export class PouchHttpApi extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  readonly accessLogGroup: logs.LogGroup;

  constructor(scope: Construct, id: string, props: PouchHttpApiProps) {
    super(scope, id);
    this.api = new apigwv2.HttpApi(this, 'Api', {
      description: 'Pouch: exchange API for central authorities',
      defaultIntegration: new HttpLambdaIntegration('Lambda', props.handler, {
        payloadFormatVersion: apigwv2.PayloadFormatVersion.VERSION_2_0,
      }),
      // The default stage cannot take throttling or access-log settings, so the stage is declared below.
      createDefaultStage: false,
    });

    this.accessLogGroup = new logs.LogGroup(this, 'AccessLogs', {
      retention: props.logRetention,
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.stage = new apigwv2.HttpStage(this, 'DefaultStage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { burstLimit: props.throttle.burstLimit, rateLimit: props.throttle.rateLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(this.accessLogGroup),
        format: apigw.AccessLogFormat.custom(JSON.stringify(accessLogFields)),
      },
    });

    for (const route of this.api.node.findAll()) {
      if (route instanceof apigwv2.HttpRoute) {
        Validations.of(route).acknowledge({
          id: 'AwsSolutions-APIG4',
          reason:
            'Authentication is done by the application, not API Gateway: every request carries a ' +
            "private_key_jwt assertion signed with the calling authority's key, checked per RFC 8725 " +
            '(pinned algorithms, typ/iss/aud/exp/iat, single-use jti) against the directory JWKS. ' +
            'A JWT authorizer cannot check single-use jti nor per-authority keys held in the directory.',
        });
      }
    }
  }
}
