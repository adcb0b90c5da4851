// OAuth 2 client credentials for a schema registry, as Apicurio Registry's
// serdes get them (apicurio.auth.service.token.endpoint, or the Keycloak
// realm's endpoint under apicurio.auth.service.url; client id and secret): a
// form POST with grant_type=client_credentials, the access token kept until
// one second before expires_in runs out, then asked again. Concurrent
// requests share one token request. The endpoint is reached with the
// system's CAs (as the serdes reach it with the JVM's defaults).
import { RetriableError, SluiceError } from '../../errors.js';

export interface OAuthClientCredentials {
  readonly tokenEndpoint: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly scope?: string;
}

/** Apicurio's OidcAuth: the token is used until this long before it expires. */
const EXPIRY_MARGIN_MS = 1000;

export class OAuthTokenSource {
  private token: { value: string; until: number } | undefined;
  private pending: Promise<string> | undefined;

  constructor(private readonly creds: OAuthClientCredentials) {}

  /** The Authorization header value: a cached token, or a new one. */
  async authorization(): Promise<string> {
    if (this.token && Date.now() < this.token.until) return `Bearer ${this.token.value}`;
    this.pending ??= this.request().finally(() => (this.pending = undefined));
    return `Bearer ${await this.pending}`;
  }

  private async request(): Promise<string> {
    const { tokenEndpoint, clientId, clientSecret, scope } = this.creds;
    const what = `the OAuth token endpoint ${tokenEndpoint} (client ${clientId})`;
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: clientId, client_secret: clientSecret, ...(scope ? { scope } : {}) });
    let res: Response;
    let body: string;
    try {
      res = await fetch(tokenEndpoint, {
        method: 'POST', body: form, signal: AbortSignal.timeout(30_000),
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      });
      body = await res.text();
    } catch (err) {
      throw new RetriableError(`${what} unreachable (${(err as Error).message})`, { cause: err });
    }
    if (!res.ok) {
      const err = `${what} answered HTTP ${res.status}: ${body.slice(0, 200)}`;
      if (res.status >= 500 || res.status === 429 || res.status === 408) throw new RetriableError(err);
      // A refused client id or secret: every request would be refused the same way.
      throw new SluiceError(`${err} (check apicurio.auth.client.id / apicurio.auth.client.secret)`);
    }
    let json: { access_token?: unknown; expires_in?: unknown };
    try {
      json = JSON.parse(body) as typeof json;
    } catch {
      throw new SluiceError(`${what} answered with something that is not JSON: ${body.slice(0, 200)}`);
    }
    if (typeof json.access_token !== 'string' || json.access_token === '') throw new SluiceError(`${what} answered without an access_token`);
    const expiresMs = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in * 1000 : 0;
    this.token = { value: json.access_token, until: Date.now() + (expiresMs > EXPIRY_MARGIN_MS ? expiresMs - EXPIRY_MARGIN_MS : expiresMs) };
    return json.access_token;
  }
}
