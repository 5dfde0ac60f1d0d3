import assert from 'node:assert/strict';
import type {
  OAuthClientMetadata,
  OAuthClientProvider,
  OAuthDiscoveryState,
  StoredOAuthClientInformation,
  StoredOAuthTokens,
} from '@modelcontextprotocol/client';

export interface AppOAuthProviderOptions {
  metadata: OAuthClientMetadata;
  /** The loopback redirect URI the app registered (RFC 8252). */
  redirectUri: string;
  /** The app's HTTP client for the "browser" step (one that trusts a test CA when https). */
  userAgentFetch?: typeof fetch;
  /** A Client ID Metadata Document URL the app uses as its client id (no registration). */
  clientMetadataUrl?: string;
  /** A client id registered beforehand (Entra: no dynamic registration); never forgotten. */
  preRegistered?: StoredOAuthClientInformation;
}

/**
 * A client app's OAuth client provider for the v2 SDK client (`OAuthClientProvider` of
 * `@modelcontextprotocol/client`), as an app implements it: all state in memory, and a "browser"
 * that opens the authorization URL without following redirects and lands on the app's callback
 * (the test authorization servers approve at once). The app checks `state`, which the SDK leaves to it.
 */
export class AppOAuthProvider implements OAuthClientProvider {
  private info?: StoredOAuthClientInformation;
  private stored?: StoredOAuthTokens;
  private verifier?: string;
  private discovery?: OAuthDiscoveryState;
  private sentState?: string;
  /** The callback URL the user agent was sent to (code, state, iss), until the app takes it. */
  private callback?: URL;
  readonly clientMetadataUrl?: string;

  constructor(private readonly options: AppOAuthProviderOptions) {
    this.clientMetadataUrl = options.clientMetadataUrl;
    this.info = options.preRegistered;
  }

  get redirectUrl(): string {
    return this.options.redirectUri;
  }
  get clientMetadata(): OAuthClientMetadata {
    return this.options.metadata;
  }
  state(): string {
    this.sentState = crypto.randomUUID();
    return this.sentState;
  }
  clientInformation(): StoredOAuthClientInformation | undefined {
    return this.info;
  }
  saveClientInformation(info: StoredOAuthClientInformation): void {
    this.info = info;
  }
  tokens(): StoredOAuthTokens | undefined {
    return this.stored;
  }
  saveTokens(tokens: StoredOAuthTokens): void {
    this.stored = tokens;
  }
  saveCodeVerifier(verifier: string): void {
    this.verifier = verifier;
  }
  codeVerifier(): string {
    if (!this.verifier) throw new Error('no code verifier saved');
    return this.verifier;
  }
  saveDiscoveryState(state: OAuthDiscoveryState): void {
    this.discovery = state;
  }
  discoveryState(): OAuthDiscoveryState | undefined {
    return this.discovery;
  }
  invalidateCredentials(scope: 'all' | 'client' | 'tokens' | 'verifier' | 'discovery'): void {
    // A pre-registered client id stays: there is nothing to forget about the client.
    if ((scope === 'all' || scope === 'client') && !this.options.preRegistered) this.info = undefined;
    if (scope === 'all' || scope === 'tokens') this.stored = undefined;
    if (scope === 'all' || scope === 'verifier') this.verifier = undefined;
    if (scope === 'all' || scope === 'discovery') this.discovery = undefined;
  }
  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const response = await (this.options.userAgentFetch ?? fetch)(authorizationUrl, { redirect: 'manual' });
    const text = await response.text();
    const location = response.headers.get('location');
    if (response.status !== 302 || !location)
      throw new Error(`the authorization endpoint answered ${response.status}: ${text}`);
    this.callback = new URL(location);
  }
  /**
   * The callback's parameters, after the `state` check; with `expectCode`, also that the
   * authorization server sent a code, not an error.
   */
  takeCallback(expectCode = true): URLSearchParams {
    const callback = this.callback;
    this.callback = undefined;
    assert.ok(callback, 'the SDK sent the user agent to the authorization endpoint');
    assert.equal(callback.origin + callback.pathname, this.options.redirectUri);
    assert.equal(callback.searchParams.get('state'), this.sentState, 'state comes back unchanged');
    if (expectCode) assert.ok(callback.searchParams.get('code'), `a code, not an error: ${callback.search}`);
    return callback.searchParams;
  }
}
