// s3.credentials.provider.class=io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider:
// STS AssumeRole with Confluent's sts.* keys, as the AWS SDK's fromTemporaryCredentials.
// Source credentials as Confluent's: aws.access.key.id/aws.secret.access.key when both are
// set, else the SDK's default chain. The S3 client refreshes the temporary credentials
// before they expire (the SDK memoizes a provider by its expiration).
import { ConfigError, SluiceError } from '../../errors.js';

export const ASSUME_ROLE_CLASS = 'io.confluent.connect.s3.auth.AwsAssumeRoleCredentialsProvider';
/** Where the provider's failures come from, in every error it raises. */
const WHO = `s3.credentials.provider.class=${ASSUME_ROLE_CLASS}`;

export interface AssumeRoleSource {
  kind: 'assume-role';
  roleArn: string;
  /** Absent: the SDK's generated session name (Confluent's StsClient would refuse the request). */
  sessionName?: string;
  externalId?: string;
  /** Absent: s3.region (the S3 client's), where Confluent takes the SDK's default region chain. */
  region?: string;
  /** Absent: the region's AWS STS endpoint. */
  endpoint?: string;
}

export interface AssumeRoleKeys {
  'sts.role.arn'?: string;
  'sts.role.session.name'?: string;
  'sts.role.external.id'?: string;
  'sts.region'?: string;
  'sts.endpoint'?: string;
}

/** The sts.* keys, checked at startup against STS's own limits: a bad value is a config error naming its key. */
export function assumeRoleSource(c: AssumeRoleKeys): AssumeRoleSource {
  const problems: string[] = [];
  const roleArn = c['sts.role.arn'];
  if (!roleArn) problems.push(`sts.role.arn: required with ${WHO}`);
  else if (!/^arn:[^:\s]+:[^\s]{14,2040}$/.test(roleArn)) problems.push(`sts.role.arn: "${roleArn}" is not a role ARN (arn:aws:iam::<account>:role/<name>)`);
  const sessionName = c['sts.role.session.name'] || undefined;
  if (sessionName !== undefined && !/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    problems.push(`sts.role.session.name: "${sessionName}" must be 2 to 64 of letters, digits and _+=,.@-`);
  }
  const externalId = c['sts.role.external.id'] || undefined;
  // Not echoed: an external id is often handed out like a shared secret.
  if (externalId !== undefined && !/^[\w+=,.@:/-]{2,1224}$/.test(externalId)) {
    problems.push('sts.role.external.id: must be 2 to 1224 of letters, digits and _+=,.@:/-');
  }
  const endpoint = c['sts.endpoint'] || undefined;
  if (endpoint !== undefined && !/^https?:\/\/[^\s/]+/.test(endpoint)) problems.push(`sts.endpoint: "${endpoint}" is not an http(s) URL`);
  if (problems.length > 0) throw new ConfigError(problems);
  const source: AssumeRoleSource = { kind: 'assume-role', roleArn: roleArn! };
  if (sessionName) source.sessionName = sessionName;
  if (externalId) source.externalId = externalId;
  if (c['sts.region']) source.region = c['sts.region'];
  if (endpoint) source.endpoint = endpoint;
  return source;
}

interface AwsError { name?: string; message?: string; $metadata?: { httpStatusCode?: number } }

/**
 * The credential provider for the S3 client. A refusal by STS (wrong source secret, a role
 * the source may not assume) becomes an error naming the provider and the role; outages
 * (5xx, network) pass through unchanged so that the S3 retry loop retries them.
 */
export async function assumeRoleProvider(
  source: AssumeRoleSource,
  keys: { accessKeyId?: string; secretAccessKey?: string },
): Promise<(props?: Record<string, unknown>) => Promise<{ accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }>> {
  const { fromTemporaryCredentials } = await import('@aws-sdk/credential-providers');
  const clientConfig: { region?: string; endpoint?: string } = {};
  if (source.region) clientConfig.region = source.region;
  if (source.endpoint) clientConfig.endpoint = source.endpoint;
  const provider = fromTemporaryCredentials({
    params: { RoleArn: source.roleArn, RoleSessionName: source.sessionName, ExternalId: source.externalId },
    // Undefined: the STS client's default chain (env, profile, web identity, container, instance).
    masterCredentials: keys.accessKeyId && keys.secretAccessKey ? { accessKeyId: keys.accessKeyId, secretAccessKey: keys.secretAccessKey } : undefined,
    clientConfig,
  });
  return async (props) => {
    try {
      return await provider(props);
    } catch (err) {
      const e = (err ?? {}) as AwsError;
      const status = e.$metadata?.httpStatusCode;
      // No source credentials found by the default chain: no HTTP status, and nothing to retry.
      const noSource = status === undefined && e.name === 'CredentialsProviderError';
      if (!noSource && (status === undefined || status >= 500 || status === 429)) throw err;
      // STS's message names the problem (signature mismatch, unknown key id, not authorized), never a secret.
      const what = noSource ? 'no source credentials' : 'refused';
      throw new SluiceError(`${WHO}: AssumeRole of ${source.roleArn} ${what}: ${e.name ?? 'Error'}${status ? ` (HTTP ${status})` : ''}: ${e.message ?? String(err)}`, { cause: err });
    }
  };
}
