// Dynamic client registration with openid-client 5.6 (RFC 7591, RFC
// 7592): discovery from the project's own document, Client.register with
// an initial access token, then a full authorization code flow with the
// registered client (PKCE S256, nonce, the hosted sign-in and consent
// pages), UserInfo and a refresh, and Client.fromUri reading the
// registration back with its registration access token.
//
// Run by ../registration_test.go with one JSON argument:
//
//   {"discovery", "token", "redirect_uri", "login": {"email", "password"}}
//
// It prints one JSON line: {"clientId", "hasSecret", "registrationClientUri",
// "registrationAccessToken", "idToken", "userinfo", "refreshed", "readBack"}.
// Any failure exits non-zero with the reason on stderr.
import { Issuer, custom, generators } from 'openid-client';

const cfg = JSON.parse(process.argv[2]);
custom.setHttpOptionsDefaults({ timeout: 3500 });

const issuer = await Issuer.discover(cfg.discovery);
if (!issuer.registration_endpoint) throw new Error('no registration_endpoint in discovery');

const client = await issuer.Client.register({
  client_name: 'Registered by openid-client',
  redirect_uris: [cfg.redirect_uri],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  scope: 'openid email offline_access',
}, { initialAccessToken: cfg.token });
if (!client.client_secret) throw new Error('no client_secret for a confidential client');

const proofs = { state: generators.state(), nonce: generators.nonce(), codeVerifier: generators.codeVerifier() };
const authURL = client.authorizationUrl({
  redirect_uri: cfg.redirect_uri,
  scope: 'openid email offline_access',
  state: proofs.state,
  nonce: proofs.nonce,
  code_challenge: generators.codeChallenge(proofs.codeVerifier),
  code_challenge_method: 'S256',
  prompt: 'consent',
});
const callbackURL = await signInAndConsent(authURL, cfg.redirect_uri, cfg.login);
const tokenSet = await client.callback(cfg.redirect_uri, client.callbackParams(callbackURL), {
  state: proofs.state,
  nonce: proofs.nonce,
  code_verifier: proofs.codeVerifier,
  response_type: 'code',
});
const userinfo = await client.userinfo(tokenSet);
if (userinfo.sub !== tokenSet.claims().sub) throw new Error('userinfo sub differs from the ID token');
let refreshed = null;
if (tokenSet.refresh_token) {
  const next = await client.refresh(tokenSet);
  refreshed = { hasAccessToken: !!next.access_token };
}

const readBack = await issuer.Client.fromUri(client.registration_client_uri, client.registration_access_token);

console.log(JSON.stringify({
  clientId: client.client_id,
  hasSecret: !!client.client_secret,
  registrationClientUri: client.registration_client_uri,
  registrationAccessToken: client.registration_access_token,
  idToken: tokenSet.claims(),
  userinfo,
  refreshed,
  readBack: readBack.metadata,
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
