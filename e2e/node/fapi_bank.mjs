// A bank OP of the IDPartner network (reference idpartner-protocol.md §5,
// §7): node-oidc-provider 9 configured as a FAPI 1.0 Final bank — PAR
// required, PS256 request objects, JARM (signed, and encrypted
// RSA-OAEP/A256CBC-HS512 for clients with an enc key), encrypted ID
// tokens, PKCE S256, tls_client_auth with certificate-bound access tokens,
// the built-in login/consent pages, and a payment details endpoint.
//
// Run by ../fapibank_test.go with one JSON argument:
//
//   {"port", "host", "serverCert", "serverKey", "clients": [client metadata],
//    "accounts": {"<login>": {claims, "payment_details": [...]}}}
//
// Prints `READY <issuer>` once listening; exits on SIGTERM.
import * as crypto from 'node:crypto';
import * as https from 'node:https';
import Provider from 'oidc-provider';

const cfg = JSON.parse(process.argv[2]);
const issuer = `https://${cfg.host}:${cfg.port}`;

// The bank's signing key: RSA-2048, PS256 only.
const { privateKey } = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
const sigJWK = { ...privateKey.export({ format: 'jwk' }), use: 'sig', alg: 'PS256' };
sigJWK.kid = crypto.hash('sha256', JSON.stringify({ e: sigJWK.e, kty: 'RSA', n: sigJWK.n }), 'base64url');

// Stable subject per login (64 hex characters, like the 2023 fixtures).
const subOf = (login) => crypto.hash('sha256', `fapi-bank:${login}`, 'hex');

// The peer certificate of this request's TLS connection, if any.
const peerCert = (req) => req.socket.getPeerX509Certificate?.();

// tls_client_auth_subject_dn is an RFC 4514 string (most significant RDN
// last, as Go's pkix.Name.String writes it); node prints X509Certificate
// subjects one RDN a line in certificate order. Compare the RDN lists in
// either order. Escaped commas inside values are not handled (test peer).
const rdns = (dn, sep) => dn.split(sep).map((s) => s.trim()).filter(Boolean);
function subjectMatches(cert, expected) {
  const got = rdns(cert.subject, '\n').join(',');
  const want = rdns(expected, /,(?=\s*[A-Za-z0-9.]+=)/);
  return got === want.join(',') || got === [...want].reverse().join(',');
}

const provider = new Provider(issuer, {
  clients: cfg.clients,
  jwks: { keys: [sigJWK] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  async findAccount(ctx, id) {
    const account = cfg.accounts[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() { return { ...account, sub: subOf(id) }; },
    };
  },
  // §4.2: profile carries only these three claims.
  claims: {
    openid: ['sub'],
    email: ['email'],
    profile: ['given_name', 'family_name', 'birthdate'],
    address: ['address'],
    payment_details: ['payment_details'],
  },
  scopes: ['openid', 'offline_access', 'email', 'profile', 'address', 'payment_details'],
  // The captured ID tokens carry the consented claims (basicUserInfo, §3.8).
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  clientAuthMethods: ['client_secret_basic', 'tls_client_auth', 'private_key_jwt'],
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 supports
  enabledJWA: {
    idTokenSigningAlgValues: ['PS256'],
    authorizationSigningAlgValues: ['PS256'],
    requestObjectSigningAlgValues: ['PS256'],
    clientAuthSigningAlgValues: ['PS256'],
    userinfoSigningAlgValues: ['PS256'],
    idTokenEncryptionAlgValues: ['RSA-OAEP'],
    idTokenEncryptionEncValues: ['A256CBC-HS512'],
    authorizationEncryptionAlgValues: ['RSA-OAEP'],
    authorizationEncryptionEncValues: ['A256CBC-HS512'],
    userinfoEncryptionAlgValues: ['RSA-OAEP'],
    userinfoEncryptionEncValues: ['A256CBC-HS512'],
  },
  features: {
    // FAPI 1.0 Final (IDPartner's node client sends response_mode=jwt "due
    // to FAPI 1.0 AF"): jwt response modes enforced for code, request
    // objects need exp/aud/nbf with exp-nbf <= 3600, nonce required for
    // openid, s_hash in ID tokens, no access tokens in query strings.
    fapi: { enabled: true, profile: '1.0 Final' },
    devInteractions: { enabled: true }, // any password; login must be in cfg.accounts
    claimsParameter: { enabled: true },
    pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true },
    requestObjects: { enabled: true, requireSignedRequestObject: false },
    jwtResponseModes: { enabled: true },
    encryption: { enabled: true },
    revocation: { enabled: true },
    introspection: { enabled: true },
    mTLS: {
      enabled: true,
      tlsClientAuth: true,
      certificateBoundAccessTokens: true,
      getCertificate: (ctx) => peerCert(ctx.req),
      // tls_client_auth here trusts the registered subject DN, not a CA.
      certificateAuthorized: () => true,
      certificateSubjectMatches(ctx, property, expected) {
        const cert = peerCert(ctx.req);
        return property === 'tls_client_auth_subject_dn' && !!cert && subjectMatches(cert, expected);
      },
    },
  },
  ttl: {
    AccessToken: 600,
    AuthorizationCode: 60,
    IdToken: 600,
    Interaction: 600,
    Grant: 3600,
    Session: 3600,
    PushedAuthorizationRequest: 60,
    RefreshToken: 86400,
  },
  // No mtls_endpoint_aliases: everything, mTLS included, is on this one
  // listener and clients fall back to the plain endpoints.
  discovery: {
    payment_details_info_endpoint: `${issuer}/payment_details`,
  },
});

function send(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

// GET /payment_details (§4.3): Bearer access token with scope
// payment_details; a certificate-bound token only over a TLS connection
// presenting that certificate.
async function paymentDetails(req, res) {
  const unauthorized = (desc) => send(res, 401, { error: 'invalid_token', error_description: desc }, {
    'www-authenticate': `Bearer realm="${issuer}", error="invalid_token", error_description="${desc}"`,
  });
  if (req.method !== 'GET') return send(res, 405, { error: 'invalid_request' }, { allow: 'GET' });
  const m = /^Bearer ([\w.~+/-]+=*)$/.exec(req.headers.authorization || '');
  if (!m) return unauthorized('no access token provided');
  const token = await provider.AccessToken.find(m[1]);
  if (!token) return unauthorized('invalid access token');
  if (token['x5t#S256']) {
    const cert = peerCert(req);
    if (!cert || crypto.hash('sha256', cert.raw, 'base64url') !== token['x5t#S256']) {
      return unauthorized('failed x5t#S256 verification');
    }
  }
  if (!token.scopes.has('payment_details')) {
    return send(res, 403, { error: 'insufficient_scope', error_description: 'payment_details scope required' });
  }
  return send(res, 200, cfg.accounts[token.accountId]?.payment_details ?? []);
}

const callback = provider.callback();
const server = https.createServer({
  cert: cfg.serverCert,
  key: cfg.serverKey,
  requestCert: true,
  rejectUnauthorized: false,
}, (req, res) => {
  if (new URL(req.url, issuer).pathname === '/payment_details') {
    paymentDetails(req, res).catch((err) => {
      console.error(err);
      send(res, 500, { error: 'server_error' });
    });
    return;
  }
  callback(req, res);
});

provider.on('server_error', (ctx, err) => console.error('server_error', err));

server.listen(cfg.port, cfg.host, () => {
  process.stdout.write(`READY ${issuer}\n`);
});

process.on('SIGTERM', () => {
  server.close();
  server.closeAllConnections();
  process.exit(0);
});
