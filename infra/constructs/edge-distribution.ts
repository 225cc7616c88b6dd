// Stateless building block: the one CloudFront distribution in front of everything a browser or the CLI reaches.
// The portal (a private S3 bucket read through origin access control) is its default behavior; the API's paths
// go to the HTTP API with no caching and a secret origin header the app checks, so nobody reaches the API around
// the WAF. Portal and API share one origin, so the API needs no CORS at all.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { aws_apigatewayv2 as apigwv2, aws_s3 as s3 } from 'aws-cdk-lib';
import {
  Aws,
  aws_certificatemanager as acm,
  aws_cloudfront as cloudfront,
  DefaultStackSynthesizer,
  Duration,
  aws_cloudfront_origins as origins,
  RemovalPolicy,
  Stack,
  aws_s3_deployment as s3deploy,
  Validations,
} from 'aws-cdk-lib';
import { Construct } from 'constructs';
import {
  apiContentSecurityPolicy,
  portalContentSecurityPolicy,
} from '../../server/config/content-security.ts';
import { originVerifyHeader } from '../../server/config/environment.ts';
import { projectRoot } from '../bundle.ts';
import { acknowledgeRules, acknowledgeWildcardResource } from '../nag.ts';
import { SecureBucket } from './secure-bucket.ts';

/**
 * Paths served by the API. Everything else is the portal. `/v1/*` is the API proper; the others are its public
 * documents (JWKS, custody keys, OpenAPI, docs) and liveness.
 */
export const apiPathPatterns = [
  '/v1/*',
  '/.well-known/*',
  '/openapi.json',
  '/docs',
  '/docs/*',
  '/health',
  '/health/*',
] as const;

/**
 * The viewer-request function of the portal behavior: a path without a file extension is a client-side route
 * of the single-page app, so it is answered with /index.html. Distribution-wide error pages cannot do this,
 * because they would also turn the API's 404 problem+json into HTML.
 */
export const spaRewriteCode = `function handler(event) {
  var request = event.request;
  var last = request.uri.split('/').pop();
  if (last.indexOf('.') === -1) request.uri = '/index.html';
  return request;
}`;

/** Served when the portal has not been built (`portal/dist` absent), so synth and tests never depend on it. */
export const placeholderIndexHtml =
  '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pouch</title></head>' +
  '<body><h1>Pouch</h1><p>The portal has not been built into this deployment. ' +
  'Run <code>npm run build</code> in <code>portal/</code> and deploy again; the API is at <code>/v1/</code>.</p>' +
  '</body></html>';

export interface EdgeDistributionProps {
  readonly httpApi: apigwv2.IHttpApi;
  /** The value CloudFront sends in {@link originVerifyHeader}; a deploy-time reference, never a literal. */
  readonly originVerifyValue: string;
  /** Regional domain of the evidence bucket, the portal's one extra connect-src. */
  readonly evidenceBucketDomain: string;
  /** ARN of the CLOUDFRONT-scoped WAF web ACL (from the edge stack in us-east-1). */
  readonly webAclArn: string;
  readonly customDomain: { readonly domainName: string; readonly certificateArn: string } | undefined;
  /** The portal's build output, relative to the repository root. */
  readonly portalDistDir: string;
  /** Where CloudFront's standard logs go. */
  readonly accessLogs: s3.IBucket;
}

export class EdgeDistribution extends Construct {
  readonly distribution: cloudfront.Distribution;
  readonly portalBucket: s3.Bucket;
  readonly portalHeaders: cloudfront.ResponseHeadersPolicy;
  readonly apiHeaders: cloudfront.ResponseHeadersPolicy;
  /** `https://<custom domain>` or `https://<distribution domain>`: the portal's origin and the API's base URL. */
  readonly origin: string;
  /** Whether the build output was found at synth (otherwise the placeholder page is deployed). */
  readonly portalBuilt: boolean;

  constructor(scope: Construct, id: string, props: EdgeDistributionProps) {
    super(scope, id);
    const region = Stack.of(this).region;

    // Portal files are the public app code: SSE-S3 is enough, and CloudFront reads them through OAC only.
    this.portalBucket = new SecureBucket(this, 'Portal', {
      accessLogs: { bucket: props.accessLogs, prefix: 'portal-bucket/' },
    }).bucket;
    Validations.of(this.portalBucket).acknowledge({
      id: 'NIST.800.53.R5-S3DefaultEncryptionKMS',
      reason:
        'The portal bucket holds the built single-page app, public code that every visitor downloads; it is ' +
        'encrypted with SSE-S3 and readable only by this distribution through origin access control.',
    });

    const hsts = {
      accessControlMaxAge: Duration.days(730),
      includeSubdomains: true,
      preload: true,
      override: true,
    };
    this.portalHeaders = new cloudfront.ResponseHeadersPolicy(this, 'PortalHeaders', {
      comment: 'Pouch portal: strict CSP, HSTS, no framing, no sniffing, no referrer',
      securityHeadersBehavior: {
        contentSecurityPolicy: {
          contentSecurityPolicy: portalContentSecurityPolicy({
            connectOrigins: [`https://${props.evidenceBucketDomain}`],
            upgradeInsecureRequests: true,
          }),
          override: true,
        },
        strictTransportSecurity: hsts,
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
      customHeadersBehavior: {
        customHeaders: [
          { header: 'Cross-Origin-Opener-Policy', value: 'same-origin', override: true },
          { header: 'Cross-Origin-Resource-Policy', value: 'same-origin', override: true },
          {
            header: 'Permissions-Policy',
            value: 'camera=(), microphone=(), geolocation=(), payment=(), usb=()',
            override: true,
          },
        ],
      },
    });
    this.apiHeaders = new cloudfront.ResponseHeadersPolicy(this, 'ApiHeaders', {
      comment: 'Pouch API: HSTS, no framing, no sniffing, no referrer; a CSP for its one HTML page',
      securityHeadersBehavior: {
        contentSecurityPolicy: { contentSecurityPolicy: apiContentSecurityPolicy, override: true },
        strictTransportSecurity: hsts,
        contentTypeOptions: { override: true },
        frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
        referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      },
    });

    const apiOrigin = new origins.HttpOrigin(`${props.httpApi.apiId}.execute-api.${region}.amazonaws.com`, {
      protocolPolicy: cloudfront.OriginProtocolPolicy.HTTPS_ONLY,
      originSslProtocols: [cloudfront.OriginSslPolicy.TLS_V1_2],
      customHeaders: { [originVerifyHeader]: props.originVerifyValue },
      // The API's own limit is 29 s (lambdaTimeoutSeconds); CloudFront's default of 30 s already covers it.
      readTimeout: Duration.seconds(30),
    });
    const apiBehavior: cloudfront.BehaviorOptions = {
      origin: apiOrigin,
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.HTTPS_ONLY,
      allowedMethods: cloudfront.AllowedMethods.ALLOW_ALL,
      // Nothing the API answers may be cached: every answer depends on the bearer token.
      cachePolicy: cloudfront.CachePolicy.CACHING_DISABLED,
      // Every viewer header (Authorization, Idempotency-Key, Content-Type, X-Request-Id) and the query string,
      // except Host, which must be the execute-api host for API Gateway to route the request.
      originRequestPolicy: cloudfront.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
      responseHeadersPolicy: this.apiHeaders,
      compress: true,
    };

    const spaRewrite = new cloudfront.Function(this, 'SpaRewrite', {
      comment: 'Pouch portal: client-side routes answer with /index.html',
      code: cloudfront.FunctionCode.fromInline(spaRewriteCode),
      runtime: cloudfront.FunctionRuntime.JS_2_0,
    });

    const certificate = props.customDomain
      ? acm.Certificate.fromCertificateArn(this, 'Certificate', props.customDomain.certificateArn)
      : undefined;
    this.distribution = new cloudfront.Distribution(this, 'Distribution', {
      comment: 'Pouch: portal and API on one origin, behind WAF',
      defaultRootObject: 'index.html',
      defaultBehavior: {
        origin: origins.S3BucketOrigin.withOriginAccessControl(this.portalBucket),
        viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
        allowedMethods: cloudfront.AllowedMethods.ALLOW_GET_HEAD,
        cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
        responseHeadersPolicy: this.portalHeaders,
        functionAssociations: [
          { function: spaRewrite, eventType: cloudfront.FunctionEventType.VIEWER_REQUEST },
        ],
        compress: true,
      },
      additionalBehaviors: Object.fromEntries(apiPathPatterns.map((path) => [path, apiBehavior])),
      webAclId: props.webAclArn,
      httpVersion: cloudfront.HttpVersion.HTTP2_AND_3,
      enableLogging: true,
      logBucket: props.accessLogs,
      logFilePrefix: 'cloudfront/',
      ...(props.customDomain && certificate
        ? {
            domainNames: [props.customDomain.domainName],
            certificate,
            minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          }
        : {}),
    });
    Validations.of(this.distribution).acknowledge({
      id: 'AwsSolutions-CFR1',
      reason:
        'Central authorities of any State party to the treaties may use the exchange, so no country can be ' +
        'excluded by geography; the WAF web ACL blocks known-bad addresses (Amazon IP reputation list) instead.',
    });
    if (!props.customDomain) {
      Validations.of(this.distribution).acknowledge({
        id: 'AwsSolutions-CFR4',
        reason:
          "Without a custom domain the distribution uses CloudFront's *.cloudfront.net certificate, whose " +
          'viewer security policy CloudFront fixes; with -c domainName and -c certificateArn the distribution ' +
          'requires TLSv1.2_2021 (docs/operations.md). Every client of Pouch (CLI, SDK, browsers) uses TLS 1.2+.',
      });
    }
    this.origin = `https://${props.customDomain?.domainName ?? this.distribution.distributionDomainName}`;

    const dist = join(projectRoot, props.portalDistDir);
    this.portalBuilt = existsSync(join(dist, 'index.html'));
    new s3deploy.BucketDeployment(this, 'Deploy', {
      sources: [
        this.portalBuilt
          ? s3deploy.Source.asset(dist)
          : s3deploy.Source.data('index.html', placeholderIndexHtml),
      ],
      destinationBucket: this.portalBucket,
      // index.html must be revalidated so a deploy takes effect; hashed assets could be cached for ever, but
      // one rule for all keeps the deployment simple and the invalidation below covers the rest.
      cacheControl: [s3deploy.CacheControl.fromString('no-cache')],
      distribution: this.distribution,
      distributionPaths: ['/*'],
      prune: true,
    });
    this.portalBucket.applyRemovalPolicy(RemovalPolicy.RETAIN);
    this.acknowledgeDeploymentProvider();
  }

  /** The BucketDeployment's provider function is CDK's (one per stack); what it is granted is fixed by CDK. */
  private acknowledgeDeploymentProvider(): void {
    const stack = Stack.of(this);
    const provider = stack.node.children.find((c) => c.node.id.startsWith('Custom::CDKBucketDeployment'));
    if (!provider) throw new Error('BucketDeployment provider not found; its acknowledgements need updating');
    const why =
      "CDK's BucketDeployment provider copies the portal build from the CDK asset bucket into the portal " +
      'bucket and invalidates the distribution, only during a deployment; its role and runtime are set by CDK.';
    acknowledgeRules(
      provider,
      [
        'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSLambdaBasicExecutionRole]',
        'AwsSolutions-IAM5[Action::s3:Abort*]',
        'AwsSolutions-IAM5[Action::s3:DeleteObject*]',
        'AwsSolutions-IAM5[Action::s3:GetBucket*]',
        'AwsSolutions-IAM5[Action::s3:GetObject*]',
        'AwsSolutions-IAM5[Action::s3:List*]',
        // cloudfront:CreateInvalidation and GetInvalidation, which CDK grants on every distribution.
        'AwsSolutions-IAM5[Resource::*]',
        'AwsSolutions-L1',
      ],
      `${why} The S3 action families are CDK's grantRead/grantWrite on exactly these two buckets.`,
    );
    acknowledgeWildcardResource(
      provider,
      `${this.portalBucket.bucketArn}/*`,
      `${why} Object keys are the build's files.`,
    );
    acknowledgeWildcardResource(
      provider,
      `arn:${stack.partition}:s3:::cdk-${DefaultStackSynthesizer.DEFAULT_QUALIFIER}-assets-${Aws.ACCOUNT_ID}-${stack.region}/*`,
      `${why} It reads the portal asset from the CDK bootstrap asset bucket.`,
    );
  }
}
