// Signs in to Signet with openid-client 5.6 (code flow, PKCE, nonce), then
// signs out twice through Signet's end_session_endpoint (OpenID Connect
// RP-Initiated Logout 1.0) built by the client's own endSessionUrl:
//
//   1. with id_token_hint: Signet ends the session at once and redirects
//      to post_logout_redirect_uri with state;
//   2. after a second sign-in, without a hint (client_id only): Signet
//      asks, the person confirms on the page, then the same redirect.
//
// Meanwhile it is the client's backchannel_logout_uri (OpenID Connect
// Back-Channel Logout 1.0): a loopback HTTP server that verifies each
// logout token as §2.6 says, with jose (present in node_modules through
// oidc-provider) against Signet's published JWKS: signature, typ
// logout+jwt, iss, aud, iat/exp, the events member, sid, and no nonce.
//
// Run by ../logout_test.go with one JSON argument:
//   {"issuer", "backchannel_addr", "login": {"email", "password"},
//    "client": {"client_id", "client_secret", "redirect_uri", "post_logout_redirect_uri"}}
//
// It prints one JSON line: {"sessions": [{"sid", "sub", "redirectedTo",
// "asked", "logoutToken": {claims}}, ...]}. Any failure exits non-zero
// with the reason on stderr.
import http from 'node:http';
import { Issuer, generators } from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';

const cfg = JSON.parse(process.argv[2]);
const c = cfg.client;
const EVENT = 'http://schemas.openid.net/event/backchannel-logout';

const issuer = await Issuer.discover(cfg.issuer);
for (const k of ['end_session_endpoint', 'backchannel_logout_supported', 'backchannel_logout_session_supported']) {
  if (!issuer.metadata[k]) throw new Error(`discovery lacks ${k}`);
}
const client = new issuer.Client({
  client_id: c.client_id,
  client_secret: c.client_secret,
  redirect_uris: [c.redirect_uri],
  post_logout_redirect_uris: [c.post_logout_redirect_uri],
  response_types: ['code'],
});
const JWKS = createRemoteJWKSet(new URL(issuer.metadata.jwks_uri));

// The back-channel receiver: each verified logout token resolves the
// next waiter.
const tokens = [];
const waiters = [];
const receiver = http.createServer((req, res) => {
  let body = '';
  req.on('data', (d) => { body += d; });
  req.on('end', async () => {
    try {
      if (req.method !== 'POST' || !req.headers['content-type']?.startsWith('application/x-www-form-urlencoded')) {
        throw new Error(`${req.method} ${req.headers['content-type']}`);
      }
      const token = new URLSearchParams(body).get('logout_token');
      const { payload, protectedHeader } = await jwtVerify(token, JWKS, {
        issuer: issuer.issuer, audience: c.client_id, typ: 'logout+jwt', maxTokenAge: '2m',
      });
      if (!payload.events || typeof payload.events[EVENT] !== 'object') throw new Error('no backchannel-logout event');
      if ('nonce' in payload) throw new Error('a logout token with a nonce');
      if (!payload.sid || !payload.sub || !payload.jti) throw new Error('sid, sub or jti missing');
      payload.alg = protectedHeader.alg;
      res.writeHead(200).end();
      tokens.push(payload);
      while (waiters.length && tokens.length) waiters.shift()(tokens.shift());
    } catch (err) {
      process.stderr.write(`logout token refused: ${err.message}\n`);
      res.writeHead(400).end();
    }
  });
});
const [host, port] = cfg.backchannel_addr.split(':');
await new Promise((resolve) => receiver.listen(Number(port), host, resolve));
const nextLogoutToken = () => new Promise((resolve, reject) => {
  if (tokens.length) return resolve(tokens.shift());
  const timer = setTimeout(() => reject(new Error('no logout token within 30 s')), 30000);
  waiters.push((t) => { clearTimeout(timer); resolve(t); });
});

// A browser: a cookie jar over fetch, redirects by hand.
const jar = new Map();
async function visit(url, method = 'GET', body) {
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
    const [pair, ...attrs] = sc.split(';');
    const i = pair.indexOf('=');
    const name = pair.slice(0, i).trim();
    if (attrs.some((a) => /^\s*max-age=(0|-)/i.test(a))) jar.delete(name);
    else jar.set(name, pair.slice(i + 1).trim());
  }
  const location = res.headers.get('location');
  return { status: res.status, location: location && new URL(location, url).href, html: await res.text() };
}

function parseForm(html) {
  const m = html.match(/<form[^>]*method="post"[^>]*action="([^"]*)"/);
  if (!m) return null;
  const fields = new URLSearchParams();
  for (const h of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"/g)) fields.set(h[1], unescapeHTML(h[2]));
  return { action: unescapeHTML(m[1]), fields };
}

function unescapeHTML(s) {
  return s.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n)))
    .replace(/&#x([0-9a-f]+);/gi, (_, n) => String.fromCharCode(parseInt(n, 16)))
    .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

// Follows redirects and fills forms (sign-in, consent, the sign-out
// question) until the browser is sent to a URL starting with stop.
async function browse(url, stop) {
  let method = 'GET';
  let body;
  const seen = [];
  for (let step = 0; step < 10; step++) {
    const r = await visit(url, method, body);
    if (r.status >= 300 && r.status < 400) {
      if (r.location.startsWith(stop)) return { to: r.location, seen };
      url = r.location; method = 'GET'; body = undefined;
      continue;
    }
    if (r.status !== 200) throw new Error(`${url}: status ${r.status}: ${r.html.slice(0, 300)}`);
    const form = parseForm(r.html);
    if (!form) throw new Error(`${url} has no form: ${r.html.slice(0, 300)}`);
    if (r.html.includes('name="password"')) {
      seen.push('login');
      form.fields.set('email', cfg.login.email);
      form.fields.set('password', cfg.login.password);
    } else if (form.action.includes('/logout/confirm')) {
      seen.push('logout_confirm');
      form.fields.set('decision', 'logout');
    } else {
      seen.push('consent');
      form.fields.set('decision', 'allow');
    }
    url = new URL(form.action, url).href;
    method = 'POST';
    body = form.fields.toString();
  }
  throw new Error('too many steps');
}

async function signIn() {
  const state = generators.state();
  const nonce = generators.nonce();
  const verifier = generators.codeVerifier();
  const url = client.authorizationUrl({
    scope: 'openid email', state, nonce, code_challenge: generators.codeChallenge(verifier), code_challenge_method: 'S256',
  });
  const { to } = await browse(url, c.redirect_uri);
  const tokenSet = await client.callback(c.redirect_uri, client.callbackParams(to), { state, nonce, code_verifier: verifier });
  const claims = tokenSet.claims();
  if (!claims.sid) throw new Error('the ID token has no sid');
  return { tokenSet, claims };
}

const sessions = [];
try {
  for (const withHint of [true, false]) {
    const { tokenSet, claims } = await signIn();
    const state = generators.state();
    const url = withHint
      ? client.endSessionUrl({ id_token_hint: tokenSet, post_logout_redirect_uri: c.post_logout_redirect_uri, state })
      : client.endSessionUrl({ id_token_hint: null, post_logout_redirect_uri: c.post_logout_redirect_uri, state });
    if (!withHint && !new URL(url).searchParams.get('client_id')) throw new Error('endSessionUrl without client_id');
    const { to, seen } = await browse(url, c.post_logout_redirect_uri);
    if (new URL(to).searchParams.get('state') !== state) throw new Error(`state not returned: ${to}`);
    const logoutToken = await nextLogoutToken();
    if (logoutToken.sid !== claims.sid || logoutToken.sub !== claims.sub) {
      throw new Error(`logout token sid/sub ${logoutToken.sid}/${logoutToken.sub}, ID token ${claims.sid}/${claims.sub}`);
    }
    sessions.push({ sid: claims.sid, sub: claims.sub, redirectedTo: to, asked: seen.includes('logout_confirm'), logoutToken });
  }
} finally {
  receiver.close();
}
process.stdout.write(JSON.stringify({ sessions }) + '\n');
