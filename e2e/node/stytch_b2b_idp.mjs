// Drives Signet's B2B Connected Apps with the official Stytch Node SDK's
// B2BClient (npm "stytch"), unchanged, pointed at SIGNET_URL: a member
// who belongs to two organizations signs in to one, the application's
// own authorization page calls idp.oauth.authorizeStart and authorize
// (by organization_id + member_id, and by session_jwt, as the Connected
// Apps guide's page does), the code is exchanged at the token endpoint,
// the access token is checked with idp.introspectTokenLocal and
// introspectTokenNetwork (which read the https://stytch.com/organization
// claim), UserInfo answers with the member's claims, and
// sessions.exchange moves the member's session to its other
// organization. Exits non-zero on the first mismatch. Run by
// e2e/b2b_test.go.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import stytch from "stytch";

const baseURL = process.env.SIGNET_URL;
const project_id = process.env.SIGNET_B2B_PROJECT_ID;
const secret = process.env.SIGNET_B2B_SECRET;
if (!baseURL || !project_id || !secret) {
  console.error("SIGNET_URL, SIGNET_B2B_PROJECT_ID and SIGNET_B2B_SECRET are required");
  process.exit(2);
}

const client = new stytch.B2BClient({ project_id, secret, env: baseURL });
const password = "Correct-Horse-9";
const redirect_uri = "https://app.example/callback";

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}: ${err.stack || err}`);
    process.exit(1);
  }
}

async function rejects(promise, status, errorType) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status_code, status, `${err.error_type}: ${err.error_message}`);
    assert.equal(err.error_type, errorType);
    return true;
  });
}

let acme, beta, ada, adaBeta, session, app;
await step("two organizations, one email a member of both", async () => {
  acme = (await client.organizations.create({ organization_name: "Acme", organization_slug: "acme" })).organization;
  beta = (await client.organizations.create({ organization_name: "Beta", organization_slug: "beta" })).organization;
  const hash = crypto.createHash("md5").update(password).digest("hex");
  ada = (await client.passwords.migrate({ organization_id: acme.organization_id, email_address: "ada@acme.example",
    hash_type: "md_5", hash, name: "Ada Lovelace" })).member;
  adaBeta = (await client.passwords.migrate({ organization_id: beta.organization_id, email_address: "ada@acme.example",
    hash_type: "md_5", hash, name: "Ada Lovelace" })).member;
  session = await client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "ada@acme.example", password });
  app = (await client.connectedApp.clients.create({ client_type: "third_party", client_name: "Docs app", redirect_urls: [redirect_uri] })).connected_app;
});

const scopes = ["openid", "profile", "email", "offline_access"];
await step("idp.oauth.authorizeStart (organization_id + member_id)", async () => {
  const start = await client.idp.oauth.authorizeStart({ client_id: app.client_id, redirect_uri, response_type: "code", scopes,
    organization_id: acme.organization_id, member_id: ada.member_id });
  assert.equal(start.member_id, ada.member_id);
  assert.equal(start.member.member_id, ada.member_id);
  assert.equal(start.organization.organization_id, acme.organization_id);
  assert.equal(start.client.client_id, app.client_id);
  assert.equal(start.consent_required, true);
  assert.deepEqual(start.scope_results.map((r) => r.is_grantable), [true, true, true, true]);
});

let tok;
const verifier = crypto.randomBytes(32).toString("base64url");
await step("idp.oauth.authorize (session_jwt) and the code exchanged", async () => {
  const code_challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  const done = await client.idp.oauth.authorize({ client_id: app.client_id, redirect_uri, response_type: "code", scopes,
    session_jwt: session.session_jwt, consent_granted: true, state: "st", nonce: "n-1", code_challenge });
  const to = new URL(done.redirect_uri);
  assert.equal(to.searchParams.get("code"), done.authorization_code);
  assert.equal(to.searchParams.get("state"), "st");
  const res = await fetch(`${baseURL}/v1/public/${project_id}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ grant_type: "authorization_code", code: done.authorization_code, redirect_uri,
      client_id: app.client_id, client_secret: app.client_secret, code_verifier: verifier }),
  });
  tok = await res.json();
  assert.equal(res.status, 200, JSON.stringify(tok));
  const idt = JSON.parse(Buffer.from(tok.id_token.split(".")[1], "base64url"));
  assert.equal(idt.sub, ada.member_id);
  assert.equal(idt.email, "ada@acme.example");
  assert.equal(idt.name, "Ada Lovelace");
  assert.deepEqual(idt["https://stytch.com/organization"], { organization_id: acme.organization_id, slug: "acme" });
  // Remembered for this member, not for the same email in beta.
  const again = await client.idp.oauth.authorizeStart({ client_id: app.client_id, redirect_uri, response_type: "code", scopes,
    session_token: session.session_token });
  assert.equal(again.consent_required, false);
  const other = await client.idp.oauth.authorizeStart({ client_id: app.client_id, redirect_uri, response_type: "code", scopes,
    organization_id: beta.organization_id, member_id: adaBeta.member_id });
  assert.equal(other.consent_required, true);
});

await step("idp.introspectTokenLocal", async () => {
  const out = await client.idp.introspectTokenLocal(tok.access_token);
  assert.equal(out.subject, ada.member_id);
  assert.equal(out.scope, scopes.join(" "));
  assert.deepEqual(out.organization, { organization_id: acme.organization_id, slug: "acme" });
  assert.equal(out.token_type, "access_token");
});

await step("idp.introspectTokenNetwork", async () => {
  const out = await client.idp.introspectTokenNetwork({ token: tok.access_token, client_id: app.client_id, client_secret: app.client_secret });
  assert.equal(out.subject, ada.member_id);
  assert.deepEqual(out.organization, { organization_id: acme.organization_id, slug: "acme" });
  assert.equal(out.custom_claims["https://stytch.com/organization"], undefined);
});

await step("UserInfo: the member's claims", async () => {
  const res = await fetch(`${baseURL}/v1/oauth2/userinfo`, { headers: { Authorization: `Bearer ${tok.access_token}` } });
  const info = await res.json();
  assert.equal(res.status, 200, JSON.stringify(info));
  assert.equal(info.sub, ada.member_id);
  assert.equal(info.email, "ada@acme.example");
  assert.deepEqual(info["https://stytch.com/organization"], { organization_id: acme.organization_id, slug: "acme" });
});

await step("idp.oauth errors", async () => {
  const base = { client_id: app.client_id, redirect_uri, response_type: "code", scopes };
  await rejects(client.idp.oauth.authorizeStart({ ...base }), 400, "invalid_member_arguments");
  await rejects(client.idp.oauth.authorizeStart({ ...base, organization_id: beta.organization_id, member_id: ada.member_id }), 404, "member_not_found");
  await rejects(client.idp.oauth.authorizeStart({ ...base, session_jwt: session.session_jwt, organization_id: beta.organization_id }), 403, "tenancy_mismatch");
});

await step("sessions.exchange into the other organization", async () => {
  const out = await client.sessions.exchange({ organization_id: beta.organization_id, session_token: session.session_token });
  assert.equal(out.member_id, adaBeta.member_id);
  assert.equal(out.organization.organization_id, beta.organization_id);
  assert.equal(out.member_authenticated, true);
  const local = await client.sessions.authenticateJwtLocal({ session_jwt: out.session_jwt });
  assert.equal(local.member_id, adaBeta.member_id);
  assert.equal(local.organization_id, beta.organization_id);
  await rejects(client.sessions.exchange({ organization_id: "nowhere", session_token: session.session_token }), 404, "organization_not_found");
});
