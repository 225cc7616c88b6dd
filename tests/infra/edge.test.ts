// Template tests for the edge: the CloudFront distribution (portal from a private bucket through origin access
// control, API paths uncached to the HTTP API with the origin-verify header), the response-headers policies,
// the WAF web ACL in us-east-1 with its rate rules and managed groups, the evidence bucket's CORS rule for
// exactly the portal origin, the custom domain, and the portal build or its placeholder.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { projectRoot } from '../../infra/bundle.ts';
import { apiPathPatterns, placeholderIndexHtml } from '../../infra/constructs/edge-distribution.ts';
import { managedRuleGroups, tokenPath } from '../../infra/edge-stack.ts';
import { SettingsError } from '../../infra/settings.ts';
import { originVerifyHeader } from '../../server/config/environment.ts';
import { type CfnResource, resourcesOf, type SynthesizedPouch, synthPouch } from './synth-app.ts';

/** AWS managed CloudFront policies (their ids are fixed by AWS). */
const cachingDisabled = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const allViewerExceptHost = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

const customDomain = {
  domainName: 'pouch.example.gov',
  certificateArn: 'arn:aws:acm:us-east-1:123456789012:certificate/0b0b0b0b-1111-2222-3333-444444444444',
};

let pouch: SynthesizedPouch;
beforeAll(() => {
  pouch = synthPouch();
});

interface Behavior {
  PathPattern?: string;
  TargetOriginId: string;
  AllowedMethods: string[];
  CachePolicyId: string;
  OriginRequestPolicyId?: string;
  ResponseHeadersPolicyId: unknown;
  ViewerProtocolPolicy: string;
  FunctionAssociations?: unknown[];
}
interface Origin {
  Id: string;
  DomainName: unknown;
  OriginAccessControlId?: unknown;
  S3OriginConfig?: { OriginAccessIdentity: string };
  CustomOriginConfig?: { OriginProtocolPolicy: string; OriginSSLProtocols: string[] };
  OriginCustomHeaders?: { HeaderName: string; HeaderValue: unknown }[];
}
interface DistributionConfig {
  DefaultCacheBehavior: Behavior;
  CacheBehaviors: Behavior[];
  Origins: Origin[];
  WebACLId: unknown;
  Aliases?: string[];
  ViewerCertificate?: Record<string, unknown>;
  Logging?: Record<string, unknown>;
  DefaultRootObject?: string;
}

const one = (template: SynthesizedPouch['statelessTemplate'], type: string): [string, CfnResource] => {
  const all = Object.entries(resourcesOf(template, type));
  expect(all, type).toHaveLength(1);
  return all[0]!;
};
const distributionOf = (p: SynthesizedPouch): DistributionConfig =>
  one(p.statelessTemplate, 'AWS::CloudFront::Distribution')[1].Properties
    .DistributionConfig as DistributionConfig;

/** Render intrinsics as `<LogicalId.Attr>` / `<Ref:Id>` so strings built with Fn::Join can be compared. */
function render(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if ('Fn::Join' in v) {
    const [sep, parts] = v['Fn::Join'] as [string, unknown[]];
    return parts.map(render).join(sep);
  }
  if ('Fn::GetAtt' in v) return `<${(v['Fn::GetAtt'] as string[]).join('.')}>`;
  if ('Ref' in v) return `<Ref:${String(v.Ref)}>`;
  if ('Fn::GetStackOutput' in v) {
    const o = v['Fn::GetStackOutput'] as { StackName: string; Region: string; OutputName: string };
    return `<${o.StackName}@${o.Region}:${o.OutputName}>`;
  }
  return JSON.stringify(v);
}

function headerPolicies(p: SynthesizedPouch) {
  return Object.fromEntries(
    Object.entries(resourcesOf(p.statelessTemplate, 'AWS::CloudFront::ResponseHeadersPolicy')).map(
      ([id, r]) => [
        id,
        r.Properties.ResponseHeadersPolicyConfig as {
          SecurityHeadersConfig: {
            ContentSecurityPolicy: { ContentSecurityPolicy: unknown; Override: boolean };
            StrictTransportSecurity: {
              AccessControlMaxAgeSec: number;
              IncludeSubdomains: boolean;
              Override: boolean;
            };
            ContentTypeOptions: { Override: boolean };
            FrameOptions: { FrameOption: string };
            ReferrerPolicy: { ReferrerPolicy: string };
          };
        },
      ],
    ),
  );
}

describe('CloudFront distribution', () => {
  it('serves the portal from a private bucket through origin access control (no OAI, no public access)', () => {
    const config = distributionOf(pouch);
    const portalOrigin = config.Origins.find((o) => o.Id === config.DefaultCacheBehavior.TargetOriginId)!;
    expect(render(portalOrigin.DomainName)).toMatch(/^<EdgePortalBucket[0-9A-F]+\.RegionalDomainName>$/);
    expect(portalOrigin.S3OriginConfig).toEqual({ OriginAccessIdentity: '' });
    const [oacId, oac] = one(pouch.statelessTemplate, 'AWS::CloudFront::OriginAccessControl');
    expect(render(portalOrigin.OriginAccessControlId)).toBe(`<${oacId}.Id>`);
    expect(oac.Properties.OriginAccessControlConfig).toMatchObject({
      OriginAccessControlOriginType: 's3',
      SigningBehavior: 'always',
      SigningProtocol: 'sigv4',
    });
    // Only this distribution may read the bucket (the policy's condition names it).
    const portalPolicy = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::S3::BucketPolicy')).find(
      (p) => render(p.Properties.Bucket).includes('EdgePortalBucket'),
    )!;
    const statements = (portalPolicy.Properties.PolicyDocument as { Statement: Record<string, unknown>[] })
      .Statement;
    const read = statements.filter((s) => s.Effect === 'Allow');
    expect(read).toHaveLength(1);
    expect(read[0]!.Principal).toEqual({ Service: 'cloudfront.amazonaws.com' });
    expect(read[0]!.Action).toBe('s3:GetObject');
    expect(
      render((read[0]!.Condition as { StringEquals: Record<string, unknown> }).StringEquals['AWS:SourceArn']),
    ).toMatch(/:distribution\/<Ref:EdgeDistribution[0-9A-F]+>$/);
    const [, bucket] = Object.entries(resourcesOf(pouch.statelessTemplate, 'AWS::S3::Bucket')).find(([id]) =>
      id.startsWith('EdgePortalBucket'),
    )!;
    expect(bucket.Properties.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(config.DefaultRootObject).toBe('index.html');
    expect(config.DefaultCacheBehavior.ViewerProtocolPolicy).toBe('redirect-to-https');
    expect(config.DefaultCacheBehavior.FunctionAssociations).toHaveLength(1);
  });

  it('sends every API path to the HTTP API uncached, with all methods and every viewer header but Host', () => {
    const config = distributionOf(pouch);
    expect(config.CacheBehaviors.map((b) => b.PathPattern)).toEqual([...apiPathPatterns]);
    const apiOriginIds = new Set(config.CacheBehaviors.map((b) => b.TargetOriginId));
    expect(apiOriginIds.size).toBe(1);
    for (const b of config.CacheBehaviors) {
      expect(b.CachePolicyId, b.PathPattern).toBe(cachingDisabled);
      expect(b.OriginRequestPolicyId, b.PathPattern).toBe(allViewerExceptHost);
      expect([...b.AllowedMethods].sort()).toEqual([
        'DELETE',
        'GET',
        'HEAD',
        'OPTIONS',
        'PATCH',
        'POST',
        'PUT',
      ]);
      expect(b.ViewerProtocolPolicy).toBe('https-only');
    }
    const apiOrigin = config.Origins.find((o) => apiOriginIds.has(o.Id))!;
    expect(render(apiOrigin.DomainName)).toMatch(
      /^<Ref:HttpApi[0-9A-F]+>\.execute-api\.eu-central-1\.amazonaws\.com$/,
    );
    expect(apiOrigin.CustomOriginConfig).toMatchObject({
      OriginProtocolPolicy: 'https-only',
      OriginSSLProtocols: ['TLSv1.2'],
    });
  });

  it('adds the origin-verify secret to API requests as a deploy-time reference, the same the API checks', () => {
    const config = distributionOf(pouch);
    const apiOrigin = config.Origins.find((o) => o.CustomOriginConfig)!;
    expect(apiOrigin.OriginCustomHeaders).toHaveLength(1);
    const header = apiOrigin.OriginCustomHeaders![0]!;
    expect(header.HeaderName).toBe(originVerifyHeader);
    const [secretId, secret] = one(pouch.statelessTemplate, 'AWS::SecretsManager::Secret');
    expect(render(header.HeaderValue)).toBe(`{{resolve:secretsmanager:<Ref:${secretId}>:SecretString:::}}`);
    expect(secret.Properties.GenerateSecretString).toMatchObject({ PasswordLength: 48 });
    expect(secret.Properties.KmsKeyId).toBeDefined();
    const api = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::Lambda::Function')).find(
      (f) =>
        (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.POUCH_MODE &&
        !String(f.Properties.Description).includes('checkpoint'),
    )!;
    const env = (api.Properties.Environment as { Variables: Record<string, unknown> }).Variables;
    expect(render(env.POUCH_ORIGIN_VERIFY)).toBe(render(header.HeaderValue));
  });

  it('makes a new generation of the origin-verify secret a new secret (rotation by redeploy)', () => {
    const rotated = synthPouch({ context: { originVerifyGeneration: 2 } });
    const [id] = one(rotated.statelessTemplate, 'AWS::SecretsManager::Secret');
    const [firstId] = one(pouch.statelessTemplate, 'AWS::SecretsManager::Secret');
    expect(id).not.toBe(firstId);
  });

  it('is fronted by the WAF web ACL of the us-east-1 edge stack, read across regions', () => {
    const config = distributionOf(pouch);
    expect(render(config.WebACLId)).toMatch(/^<PouchEdge@us-east-1:.+>$/);
    const outputName = (config.WebACLId as { 'Fn::GetStackOutput': { OutputName: string } })[
      'Fn::GetStackOutput'
    ].OutputName;
    const outputs = pouch.edgeTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    const [aclId] = one(pouch.edgeTemplate, 'AWS::WAFv2::WebACL');
    expect(render(outputs[outputName]!.Value)).toBe(`<${aclId}.Arn>`);
    expect(pouch.edge.region).toBe('us-east-1');
    expect(pouch.stateless.region).toBe('eu-central-1');
  });

  it('writes standard logs to the edge log bucket and serves HTTP/2 and HTTP/3', () => {
    const config = distributionOf(pouch);
    expect(render(config.Logging?.Bucket)).toMatch(/^<EdgeLogsBucket[0-9A-F]+\.RegionalDomainName>$/);
    expect(config.Logging?.Prefix).toBe('cloudfront/');
    expect((config as unknown as { HttpVersion: string }).HttpVersion).toBe('http2and3');
  });
});

describe('security headers (response-headers policies)', () => {
  it('gives the portal a strict CSP: own origin only, no inline script, no third party but the evidence bucket', () => {
    const config = distributionOf(pouch);
    const policies = headerPolicies(pouch);
    const portalId = render(config.DefaultCacheBehavior.ResponseHeadersPolicyId).replace(/^<Ref:|>$/g, '');
    const portal = policies[portalId]!.SecurityHeadersConfig;
    const csp = render(portal.ContentSecurityPolicy.ContentSecurityPolicy);
    const directives = Object.fromEntries(
      csp.split(';').map((d) => {
        const [name, ...values] = d.trim().split(/\s+/);
        return [name!, values];
      }),
    );
    expect(directives['default-src']).toEqual(["'none'"]);
    expect(directives['form-action']).toEqual(["'none'"]);
    expect(directives).toHaveProperty('upgrade-insecure-requests');
    expect(directives['script-src']).toEqual(["'self'"]);
    expect(directives['style-src']).toEqual(["'self'"]);
    expect(directives['frame-ancestors']).toEqual(["'none'"]);
    expect(directives['object-src']).toEqual(["'none'"]);
    expect(directives['base-uri']).toEqual(["'none'"]);
    expect(directives['connect-src']).toEqual([
      "'self'",
      expect.stringMatching(/^https:\/\/<PouchStateful@eu-central-1:.*RegionalDomainName.*>$/),
    ]);
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*|http:/);
    // Every origin named anywhere in the CSP is the evidence bucket's.
    expect(csp.match(/https:\/\/\S+/g)).toHaveLength(1);
    expect(portal.ContentSecurityPolicy.Override).toBe(true);
    expect(portal.StrictTransportSecurity).toMatchObject({ IncludeSubdomains: true, Override: true });
    expect(portal.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(365 * 86400);
    expect(portal.ContentTypeOptions).toEqual({ Override: true });
    expect(portal.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
    expect(portal.ReferrerPolicy).toMatchObject({ ReferrerPolicy: 'no-referrer' });
  });

  it('gives the API paths HSTS, nosniff, no framing and a CSP without script', () => {
    const config = distributionOf(pouch);
    const apiId = render(config.CacheBehaviors[0]!.ResponseHeadersPolicyId).replace(/^<Ref:|>$/g, '');
    const api = headerPolicies(pouch)[apiId]!.SecurityHeadersConfig;
    const csp = render(api.ContentSecurityPolicy.ContentSecurityPolicy);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/script-src/);
    expect(api.StrictTransportSecurity.AccessControlMaxAgeSec).toBeGreaterThanOrEqual(365 * 86400);
    expect(api.ContentTypeOptions).toEqual({ Override: true });
    expect(api.FrameOptions).toMatchObject({ FrameOption: 'DENY' });
  });
});

describe('WAF web ACL (edge stack, us-east-1)', () => {
  const acl = () => one(pouch.edgeTemplate, 'AWS::WAFv2::WebACL')[1].Properties;
  type Rule = {
    Name: string;
    Priority: number;
    Action?: { Block?: { CustomResponse?: { ResponseCode: number } } };
    Statement: {
      RateBasedStatement?: {
        AggregateKeyType: string;
        Limit: number;
        ScopeDownStatement?: { ByteMatchStatement: { SearchString: string; PositionalConstraint: string } };
      };
      ManagedRuleGroupStatement?: { VendorName: string; Name: string };
    };
  };

  it('is CLOUDFRONT-scoped and allows by default', () => {
    expect(acl().Scope).toBe('CLOUDFRONT');
    expect(acl().DefaultAction).toEqual({ Allow: {} });
  });

  it('limits each client IP overall and, more tightly, on the token endpoint, answering 429', () => {
    const rules = acl().Rules as Rule[];
    const token = rules.find((r) => r.Name === 'rate-token-per-ip')!;
    const overall = rules.find((r) => r.Name === 'rate-per-ip')!;
    expect(token.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', Limit: 100 });
    expect(token.Statement.RateBasedStatement!.ScopeDownStatement!.ByteMatchStatement).toMatchObject({
      SearchString: tokenPath,
      PositionalConstraint: 'STARTS_WITH',
    });
    expect(overall.Statement.RateBasedStatement).toMatchObject({ AggregateKeyType: 'IP', Limit: 2000 });
    expect(overall.Statement.RateBasedStatement!.ScopeDownStatement).toBeUndefined();
    expect(token.Statement.RateBasedStatement!.Limit).toBeLessThan(
      overall.Statement.RateBasedStatement!.Limit,
    );
    for (const r of [token, overall]) expect(r.Action?.Block?.CustomResponse?.ResponseCode).toBe(429);
    expect(token.Priority).toBeLessThan(overall.Priority);
  });

  it('takes its limits from context', () => {
    const tuned = synthPouch({ context: { wafRateLimitPerIp: 5000, wafTokenRateLimitPerIp: 50 } });
    const rules = one(tuned.edgeTemplate, 'AWS::WAFv2::WebACL')[1].Properties.Rules as Rule[];
    expect(rules.map((r) => r.Statement.RateBasedStatement?.Limit).filter(Boolean)).toEqual([50, 5000]);
  });

  it('evaluates the AWS managed rule groups after the rate rules', () => {
    const rules = acl().Rules as Rule[];
    const managed = rules.filter((r) => r.Statement.ManagedRuleGroupStatement);
    expect(managed.map((r) => r.Statement.ManagedRuleGroupStatement!.Name)).toEqual(
      managedRuleGroups.map((g) => g.name),
    );
    for (const r of managed) expect(r.Statement.ManagedRuleGroupStatement!.VendorName).toBe('AWS');
    const lastRate = Math.max(...rules.filter((r) => r.Statement.RateBasedStatement).map((r) => r.Priority));
    for (const r of managed) expect(r.Priority).toBeGreaterThan(lastRate);
    expect(new Set(rules.map((r) => r.Priority)).size).toBe(rules.length);
  });

  it('logs to an aws-waf-logs- group with the Authorization header redacted', () => {
    const [, logging] = one(pouch.edgeTemplate, 'AWS::WAFv2::LoggingConfiguration');
    expect(logging.Properties.RedactedFields).toEqual([{ SingleHeader: { Name: 'authorization' } }]);
    const [, group] = one(pouch.edgeTemplate, 'AWS::Logs::LogGroup');
    expect(String(group.Properties.LogGroupName)).toMatch(/^aws-waf-logs-/);
  });
});

describe('CORS', () => {
  const corsCall = (p: SynthesizedPouch) => {
    const [, resource] = one(p.statelessTemplate, 'Custom::AWS');
    return JSON.parse(render(resource.Properties.Create)) as {
      action: string;
      parameters: { Bucket: string; CORSConfiguration: { CORSRules: Record<string, string[]>[] } };
    };
  };

  it('lets the evidence bucket answer exactly the portal origin (the distribution), for PUT and GET', () => {
    const call = corsCall(pouch);
    expect(call.action).toBe('putBucketCors');
    expect(call.parameters.Bucket).toMatch(/^<PouchStateful@eu-central-1:.*EvidenceBucket.*>$/);
    const rules = call.parameters.CORSConfiguration.CORSRules;
    expect(rules).toHaveLength(1);
    expect(rules[0]!.AllowedOrigins).toEqual([
      expect.stringMatching(/^https:\/\/<EdgeDistribution[0-9A-F]+\.DomainName>$/),
    ]);
    expect(rules[0]!.AllowedMethods).toEqual(['PUT', 'GET']);
    expect(rules[0]!.ExposeHeaders).toEqual(expect.arrayContaining(['ETag', 'x-amz-checksum-sha256']));
  });

  it('with a custom domain, allows exactly https://<domain>', () => {
    const rules = corsCall(synthPouch({ context: customDomain })).parameters.CORSConfiguration.CORSRules;
    expect(rules[0]!.AllowedOrigins).toEqual([`https://${customDomain.domainName}`]);
  });

  it('gives the HTTP API no CORS at all: portal and API share one origin, so browsers allow nothing else', () => {
    const [, api] = one(pouch.statelessTemplate, 'AWS::ApiGatewayV2::Api');
    expect(api.Properties.CorsConfiguration).toBeUndefined();
  });
});

describe('custom domain and certificate', () => {
  it('puts the domain and its us-east-1 certificate on the distribution with TLS 1.2 and uses it as issuer', () => {
    const withDomain = synthPouch({ context: customDomain });
    const config = distributionOf(withDomain);
    expect(config.Aliases).toEqual([customDomain.domainName]);
    expect(config.ViewerCertificate).toMatchObject({
      AcmCertificateArn: customDomain.certificateArn,
      MinimumProtocolVersion: 'TLSv1.2_2021',
      SslSupportMethod: 'sni-only',
    });
    const outputs = withDomain.statelessTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;
    expect(outputs.ApiUrl!.Value).toBe(`https://${customDomain.domainName}`);
    const fn = Object.values(resourcesOf(withDomain.statelessTemplate, 'AWS::Lambda::Function')).find(
      (f) => (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.POUCH_ISSUER,
    )!;
    expect((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POUCH_ISSUER).toBe(
      `https://${customDomain.domainName}`,
    );
  });

  it('without one, the issuer is the distribution origin', () => {
    const fn = Object.values(resourcesOf(pouch.statelessTemplate, 'AWS::Lambda::Function')).find(
      (f) => (f.Properties.Environment as { Variables?: Record<string, unknown> })?.Variables?.POUCH_ISSUER,
    )!;
    expect(
      render((fn.Properties.Environment as { Variables: Record<string, unknown> }).Variables.POUCH_ISSUER),
    ).toMatch(/^https:\/\/<EdgeDistribution[0-9A-F]+\.DomainName>$/);
  });

  it('refuses a domain without a certificate, a certificate outside us-east-1, and a bad region', () => {
    expect(() => synthPouch({ context: { domainName: customDomain.domainName } })).toThrow(SettingsError);
    expect(() =>
      synthPouch({
        context: {
          ...customDomain,
          certificateArn: customDomain.certificateArn.replace('us-east-1', 'eu-west-1'),
        },
      }),
    ).toThrow(/us-east-1/);
    expect(() => synthPouch({ context: { region: 'Frankfurt' } })).toThrow(/region/);
  });
});

describe('portal build', () => {
  const dist = mkdtempSync(join(tmpdir(), 'pouch-portal-dist-'));
  afterAll(() => rmSync(dist, { recursive: true, force: true }));

  /** The folder the BucketDeployment's source asset was read from (asset staging is off in tests). */
  const deployedFolders = (p: SynthesizedPouch): string[] => {
    const assembly = p.app.synth();
    const manifest = JSON.parse(
      readFileSync(join(assembly.directory, `${p.stateless.artifactId}.assets.json`), 'utf8'),
    ) as { files: Record<string, { source: { path: string; packaging: string } }> };
    return Object.values(manifest.files).map((f) => f.source.path);
  };

  it('deploys a placeholder page when portal/dist does not exist, and synth does not fail', () => {
    const placeholder = synthPouch({ context: { portalDistDir: 'portal/no-such-dist' } });
    expect(placeholder.stateless.edge.portalBuilt).toBe(false);
    expect(
      deployedFolders(placeholder).filter((f) => f.startsWith(projectRoot) && f.includes('portal')),
    ).toEqual([]);
    expect(placeholderIndexHtml).toContain('<h1>Pouch</h1>');
    expect(resourcesOf(placeholder.statelessTemplate, 'Custom::CDKBucketDeployment')).not.toEqual({});
  });

  it('deploys the Vite build output when it exists, and invalidates the distribution', () => {
    writeFileSync(join(dist, 'index.html'), '<!doctype html><title>built</title>');
    const built = synthPouch({ context: { portalDistDir: relative(projectRoot, dist) } });
    expect(built.stateless.edge.portalBuilt).toBe(true);
    expect(deployedFolders(built)).toContain(dist);
    const [, deployment] = one(built.statelessTemplate, 'Custom::CDKBucketDeployment');
    expect(deployment.Properties.DistributionPaths).toEqual(['/*']);
    expect(deployment.Properties.Prune).toBe(true);
  });
});
