/** The generic OAuth provider (RFC 7009 / RFC 7662) passes the conformance suite against oidc-provider. */
import { OAuthProviderConfig } from '../../schemas/providers/oauth.js';
import { createOAuthProvider } from '../../src/providers/oauth.js';
import { startOAuthServer } from '../support/oauth-server.js';
import { oauthProviderConfig } from '../support/runtime.js';
import { providerConformance } from './provider-suite.js';

providerConformance('oauth (oidc-provider)', async ({ logger }) => {
  const server = await startOAuthServer();
  let n = 0;
  return {
    provider: createOAuthProvider(
      OAuthProviderConfig.parse({ ...oauthProviderConfig(server), propagationMs: 0 }),
      { logger },
    ),
    async makeLiveCredential() {
      const token = await server.mint();
      return {
        taskId: `t${n++}`,
        action: 'revoke',
        credentialKind: 'oauth.access_token',
        credentialId: `c${n}`,
        secret: token,
      };
    },
    injectRetriable() {
      server.failNextRevocations(1, 503, '3');
      return { retryAfterMs: 3000 };
    },
    injectPermanent() {
      server.failNextRevocations(1, 401);
    },
    plantedSecret: server.client.secret,
    revokeCallCount: () => server.revocationCalls(),
    close: () => server.close(),
  };
});
