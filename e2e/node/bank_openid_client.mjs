// Drives a bank OP (Signet's sandbox bank) with openid-client 5.6, set up
// exactly as IDPartner's node client sets it up (reference
// idpartner-protocol.md §3.1–§3.9): PAR with a PS256 request object when
// the RP has a JWKS (plain parameters otherwise), response_mode=jwt,
// encrypted JARM and ID token when the RP has a JWKS, PKCE S256, nonce,
// then userinfo and payment details (on the mTLS aliases for
// tls_client_auth). The person's part, signing in and consenting at the
// bank, is done over plain HTTP with the bank's own forms.
//
// Run by ../bank_test.go with one JSON argument:
//
//   {"issuer", "ca", "scope", "claims", "prompt", "login": {"email", "password"},
//    "client": {"client_id", "client_secret", "token_endpoint_auth_method",
//               "redirect_uri", "jwks", "tls_client_cert", "tls_client_key"}}
//
// With "issuer_audience": true client assertions name the issuer alone, as
// FAPI 2.0 SP §5.3.2.1-8 wants (openid-client's default is [issuer,
// token_endpoint], what the bank network's clients send).
// With "dpop": true every token request, userinfo and payment details call
// carries a DPoP proof by a fresh P-256 key (RFC 9449, openid-client's own
// DPoP support, its use_dpop_nonce retry included).
//
// It prints one JSON line: {"idToken", "userinfo", "paymentDetails",
// "refreshed", "tokenType", "accessToken", "scope", "jarmEncrypted"}. With encryption
// configured openid-client itself refuses a JARM or ID token that is not
// a JWE of RSA-OAEP/A256CBC-HS512 (its decryptJWE checks the header).
// Any failure exits non-zero with the reason on stderr.
import { Issuer, custom, generators } from 'openid-client';
import { randomUUID, generateKeyPairSync } from 'node:crypto';

const cfg = JSON.parse(process.argv[2]);
const c = cfg.client;
custom.setHttpOptionsDefaults({ timeout: 3500 });

// The node client's metadata (§3.1, "the unit tests assert exactly this set").
const metadata = {
  client_id: c.client_id,
  token_endpoint_auth_method: c.token_endpoint_auth_method,
  redirect_uris: [c.redirect_uri],
  authorization_signed_response_alg: 'PS256',
  id_token_signed_response_alg: 'PS256',
};
if (c.token_endpoint_auth_method === 'client_secret_basic') metadata.client_secret = c.client_secret;
if (c.token_endpoint_auth_method === 'tls_client_auth') metadata.tls_client_certificate_bound_access_tokens = true;
if (c.jwks) {
  Object.assign(metadata, {
    authorization_encrypted_response_alg: 'RSA-OAEP',
    authorization_encrypted_response_enc: 'A256CBC-HS512',
    id_token_encrypted_response_alg: 'RSA-OAEP',
    id_token_encrypted_response_enc: 'A256CBC-HS512',
    request_object_signing_alg: 'PS256',
  });
}

const issuer = await Issuer.discover(cfg.issuer);
const client = new issuer.Client(metadata, c.jwks || undefined);
// tls_client_auth: the certificate goes on every call of the client (§3.1),
// and the mTLS listener's self-signed certificate is trusted through ca.
client[custom.http_options] = (url, options) => {
  const o = { ...options };
  if (cfg.ca) o.ca = cfg.ca;
  if (c.token_endpoint_auth_method === 'tls_client_auth') {
    o.cert = c.tls_client_cert;
    o.key = c.tls_client_key;
  }
  return o;
};

// §3.2 proofs, §3.3 parameters (names exact).
const proofs = { state: generators.state(), nonce: generators.nonce(), codeVerifier: generators.codeVerifier() };
const params = {
  redirect_uri: c.redirect_uri,
  code_challenge_method: 'S256',
  code_challenge: generators.codeChallenge(proofs.codeVerifier),
  state: proofs.state,
  nonce: proofs.nonce,
  scope: cfg.scope,
  response_type: 'code',
  client_id: c.client_id,
  nbf: Math.floor(Date.now() / 1000),
  'x-fapi-interaction-id': randomUUID(),
  identity_provider_id: 'sandbox',
  response_mode: 'jwt',
};
if (cfg.claims) params.claims = JSON.stringify(cfg.claims);
if (cfg.prompt) params.prompt = cfg.prompt;

const clientAssertionPayload = cfg.issuer_audience ? { aud: issuer.issuer } : undefined;
const pushed = c.jwks
  ? await client.pushedAuthorizationRequest({ request: await client.requestObject(params) }, { clientAssertionPayload })
  : await client.pushedAuthorizationRequest(params, { clientAssertionPayload });
const authURL = `${issuer.authorization_endpoint}?request_uri=${encodeURIComponent(pushed.request_uri)}`;

// RFC 9449: the client's DPoP key, if it uses DPoP.
const DPoP = cfg.dpop ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey : undefined;

const callbackURL = await signInAndConsent(authURL, c.redirect_uri, cfg.login);
const cbParams = client.callbackParams(callbackURL);
const jarmEncrypted = (cbParams.response || '').split('.').length === 5;
const tokenSet = await client.callback(c.redirect_uri, cbParams, {
  state: proofs.state,
  nonce: proofs.nonce,
  code_verifier: proofs.codeVerifier,
  response_type: 'code',
}, { DPoP, clientAssertionPayload });
const userinfo = await client.userinfo(tokenSet, { DPoP });
if (userinfo.sub !== tokenSet.claims().sub) throw new Error('userinfo sub differs from the ID token');

// §3.9: GET payment_details_info_endpoint, the mTLS alias for bound tokens.
let paymentDetails = null;
if (cfg.scope.split(' ').includes('payment_details')) {
  const endpoint = client.tls_client_certificate_bound_access_tokens && issuer.mtls_endpoint_aliases?.payment_details_info_endpoint
    ? issuer.mtls_endpoint_aliases.payment_details_info_endpoint
    : issuer.payment_details_info_endpoint;
  if (!endpoint) throw new Error('payment_details_info_endpoint missing from discovery');
  // method given: openid-client 5 leaves a proof's htm out without it.
  const res = await client.requestResource(endpoint, tokenSet, { method: 'GET', DPoP });
  if (res.statusCode >= 400) throw new Error(`payment details: status ${res.statusCode}: ${res.body}`);
  paymentDetails = JSON.parse(res.body.toString());
}

// §3.6: a refresh keeps the subject.
let refreshed = null;
if (tokenSet.refresh_token) {
  const next = await client.refresh(tokenSet, { DPoP, clientAssertionPayload });
  if (next.id_token && next.claims().sub !== tokenSet.claims().sub) throw new Error('refresh changed sub');
  refreshed = { scope: next.scope, hasRefreshToken: !!next.refresh_token, rotated: next.refresh_token !== tokenSet.refresh_token };
}

console.log(JSON.stringify({
  idToken: tokenSet.claims(),
  userinfo,
  paymentDetails,
  refreshed,
  tokenType: tokenSet.token_type,
  accessToken: tokenSet.access_token,
  scope: tokenSet.scope,
  jarmEncrypted,
}));

// signInAndConsent plays the person at the bank: it follows redirects,
// fills in the sign-in form and allows on the consent page, keeping the
// bank's cookies, until the bank redirects to redirectURI.
async function signInAndConsent(url, redirectURI, login) {
  const jar = new Map();
  let method = 'GET';
  let body;
  for (let step = 0; step < 10; step++) {
    const res = await fetch(url, {
      method,
      body,
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
    });
    for (const sc of res.headers.getSetCookie()) {
      const [pair] = sc.split(';');
      const i = pair.indexOf('=');
      jar.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
    }
    if (res.status >= 300 && res.status < 400) {
      const next = new URL(res.headers.get('location'), url).href;
      if (next.startsWith(redirectURI)) return next;
      url = next; method = 'GET'; body = undefined;
      continue;
    }
    const html = await res.text();
    if (res.status !== 200) throw new Error(`bank page ${url}: status ${res.status}: ${html.slice(0, 300)}`);
    const form = parseForm(html);
    if (!form) throw new Error(`bank page ${url} has no form: ${html.slice(0, 300)}`);
    const fields = new URLSearchParams(form.hidden);
    if (html.includes('name="password"')) {
      fields.set('email', login.email);
      fields.set('password', login.password);
    } else {
      fields.set('decision', 'allow');
    }
    url = new URL(form.action, url).href;
    method = 'POST';
    body = fields.toString();
  }
  throw new Error('too many steps at the bank');
}

function parseForm(html) {
  const m = html.match(/<form[^>]*method="post"[^>]*action="([^"]*)"/);
  if (!m) return null;
  const hidden = [];
  for (const h of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) {
    hidden.push([h[1], unescapeHTML(h[2])]);
  }
  return { action: unescapeHTML(m[1]), hidden };
}

function unescapeHTML(s) {
  return s.replace(/&(#x?[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, (_, e) => {
    switch (e) {
      case 'amp': return '&';
      case 'lt': return '<';
      case 'gt': return '>';
      case 'quot': return '"';
      case 'apos': return "'";
      default: return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    }
  });
}
