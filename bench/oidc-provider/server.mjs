// The node-oidc-provider anchor of docs/benchmarks.md, configured as in
// perf-baseline.md §4: one process, client_credentials, one static client
// (client_secret_basic, secret compared in plaintext by the provider), the
// default in-memory adapter, and JWT access tokens through resource
// indicators (the provider issues opaque tokens otherwise).
//
//   ALG=ES256 PORT=18082 node bench/oidc-provider/server.mjs
//   POST /token  Authorization: Basic base64(bench:bench-secret-0123456789abcdef)
//                body grant_type=client_credentials
import http from 'node:http';
import { generateKeyPairSync } from 'node:crypto';
import Provider from 'oidc-provider';

const alg = process.env.ALG || 'ES256';
const port = Number(process.env.PORT || 18082);

function jwk(type, options, keyAlg) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), alg: keyAlg, use: 'sig' };
}

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [{
    client_id: 'bench',
    client_secret: 'bench-secret-0123456789abcdef',
    grant_types: ['client_credentials'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'client_secret_basic',
    scope: 'api',
  }],
  jwks: {
    keys: [
      jwk('rsa', { modulusLength: 2048 }, 'RS256'),
      jwk('ec', { namedCurve: 'P-256' }, 'ES256'),
      jwk('ed25519', {}, 'EdDSA'),
    ],
  },
  scopes: ['openid', 'offline_access', 'api'],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => 'urn:bench:api',
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api',
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg } },
      }),
    },
  },
});

http.createServer(provider.callback()).listen(port, '127.0.0.1', () => {
  console.log(`oidc-provider ${alg} listening on 127.0.0.1:${port}`);
});
