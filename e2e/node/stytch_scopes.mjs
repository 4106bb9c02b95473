// The official Stytch Node SDK, pointed at a running Signet, drives RBAC
// policy scopes for Connected Apps (issue 17): a policy with scopes, a
// Connected App asking for them through the consent API
// (idp.oauth.authorizeStart / authorize), granted to a user whose role
// holds the permissions and dropped for one without it, and the access
// tokens checked with idp.introspectTokenLocal / introspectTokenNetwork
// and an authorization_check (the SDK fetches the policy itself, GET
// /v1/rbac/policy). M2M clients given policy scopes keep working with
// m2m.authenticateToken and required_scopes. Run by e2e/scopes_test.go
// with SIGNET_URL, SIGNET_PROJECT_ID and SIGNET_SECRET; exits non-zero on
// any mismatch.
import crypto from "node:crypto";
import stytch from "stytch";

const { SIGNET_URL: baseURL, SIGNET_PROJECT_ID: project_id, SIGNET_SECRET: secret } = process.env;
if (!baseURL || !project_id || !secret) {
  console.error("need SIGNET_URL, SIGNET_PROJECT_ID and SIGNET_SECRET");
  process.exit(2);
}
const client = new stytch.Client({ project_id, secret, env: baseURL });
const basic = "Basic " + Buffer.from(`${project_id}:${secret}`).toString("base64");

function check(cond, what, got) {
  if (!cond) {
    console.error(`MISMATCH: ${what}: ${JSON.stringify(got)}`);
    process.exit(1);
  }
  console.log(`ok: ${what}`);
}

async function rejects(promise, what) {
  try {
    await promise;
  } catch (err) {
    console.log(`ok: ${what} (${err.error_type || err.error || err.code || err.message})`);
    return err;
  }
  console.error(`MISMATCH: ${what}: did not fail`);
  process.exit(1);
}

// The policy: Stytch edits it in its dashboard, Signet through PUT.
const docs = (...actions) => [{ resource_id: "documents", actions }];
const policy = {
  resources: [{ resource_id: "documents", description: "Documents", actions: ["read", "write", "delete"] }],
  roles: [
    { role_id: "stytch_user", description: "Every user", permissions: [] },
    { role_id: "editor", description: "Editors", permissions: docs("read", "write") },
  ],
  scopes: [
    { scope: "read:docs", description: "Read your documents", permissions: docs("read") },
    { scope: "write:docs", description: "Edit your documents", permissions: docs("read", "write") },
    { scope: "admin:docs", description: "Delete your documents", permissions: docs("*") },
  ],
};
const put = await fetch(`${baseURL}/v1/rbac/policy`, {
  method: "PUT",
  headers: { Authorization: basic, "Content-Type": "application/json" },
  body: JSON.stringify({ policy }),
});
check(put.status === 200, "PUT /v1/rbac/policy", await put.text());
const fetched = await client.rbac.policy();
check(fetched.policy.scopes.map((s) => s.scope).join(" ") === "read:docs write:docs admin:docs", "rbac.policy has the scopes", fetched.policy);

const redirect_uri = "https://app.example/callback";
const app = (
  await client.connectedApp.clients.create({ client_type: "third_party", client_name: "Docs app", redirect_urls: [redirect_uri] })
).connected_app;
const editor = (await client.users.create({ email: "editor@example.com", roles: ["editor"] })).user;
const plain = (await client.users.create({ email: "plain@example.com" })).user;
check(editor.roles.includes("editor"), "users.create with roles", editor.roles);

const scopes = ["openid", "read:docs", "write:docs", "admin:docs"];

// authorize runs the consent API for user and exchanges the code; it
// returns start's scope_results and the token response.
async function authorize(user) {
  const start = await client.idp.oauth.authorizeStart({ client_id: app.client_id, redirect_uri, response_type: "code", scopes, user_id: user.user_id });
  const verifier = crypto.randomBytes(32).toString("base64url");
  const code_challenge = crypto.createHash("sha256").update(verifier).digest("base64url");
  const done = await client.idp.oauth.authorize({
    client_id: app.client_id, redirect_uri, response_type: "code", scopes, user_id: user.user_id,
    consent_granted: true, state: "st", code_challenge,
  });
  const res = await fetch(`${baseURL}/v1/public/${project_id}/oauth2/token`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: done.authorization_code, redirect_uri,
      client_id: app.client_id, client_secret: app.client_secret, code_verifier: verifier,
    }),
  });
  const tok = await res.json();
  check(res.status === 200 && typeof tok.access_token === "string", "code exchanged", tok);
  return { start, tok };
}

const grantable = (start) => Object.fromEntries(start.scope_results.map((r) => [r.scope, r.is_grantable]));
const described = (start) => Object.fromEntries(start.scope_results.map((r) => [r.scope, r.description]));

// The editor: read:docs and write:docs granted, admin:docs dropped.
const ed = await authorize(editor);
check(JSON.stringify(grantable(ed.start)) === JSON.stringify({ openid: true, "read:docs": true, "write:docs": true, "admin:docs": false }),
  "start: editor may be granted read:docs and write:docs", ed.start.scope_results);
check(described(ed.start)["write:docs"] === "Edit your documents" && described(ed.start)["admin:docs"] === "Delete your documents",
  "start: the policy's descriptions", ed.start.scope_results);
check(ed.tok.scope === "openid read:docs write:docs", "editor's grant", ed.tok);

// The user without the role: only openid.
const pl = await authorize(plain);
check(Object.values(grantable(pl.start)).join() === "true,false,false,false", "start: no policy scope grantable without the role", pl.start.scope_results);
check(pl.tok.scope === "openid", "plain user's grant has no policy scope", pl.tok);

// Local introspection: the JWT's scope claim against the policy's scopes.
const local = await client.idp.introspectTokenLocal(ed.tok.access_token, { authorization_check: { resource_id: "documents", action: "write" } });
check(local.scope === "openid read:docs write:docs" && local.subject === editor.user_id, "introspectTokenLocal allowed (documents.write)", local);
const deniedLocal = await rejects(
  client.idp.introspectTokenLocal(ed.tok.access_token, { authorization_check: { resource_id: "documents", action: "delete" } }),
  "introspectTokenLocal denied (documents.delete)",
);
check(deniedLocal.code === "invalid_permissions", "local denial is invalid_permissions", deniedLocal);
await rejects(
  client.idp.introspectTokenLocal(pl.tok.access_token, { authorization_check: { resource_id: "documents", action: "read" } }),
  "introspectTokenLocal denied for the user without the role",
);

// Network introspection (RFC 7662 at Stytch's path), then the same check.
const creds = { client_id: app.client_id, client_secret: app.client_secret };
const net = await client.idp.introspectTokenNetwork(
  { token: ed.tok.access_token, ...creds },
  { authorization_check: { resource_id: "documents", action: "read" } },
);
check(net.scope === "openid read:docs write:docs" && net.subject === editor.user_id, "introspectTokenNetwork allowed (documents.read)", net);
const deniedNet = await rejects(
  client.idp.introspectTokenNetwork({ token: ed.tok.access_token, ...creds }, { authorization_check: { resource_id: "documents", action: "delete" } }),
  "introspectTokenNetwork denied (documents.delete)",
);
check(deniedNet.code === "invalid_permissions", "network denial is invalid_permissions", deniedNet);
await rejects(
  client.idp.introspectTokenNetwork({ token: pl.tok.access_token, ...creds }, { authorization_check: { resource_id: "documents", action: "read" } }),
  "introspectTokenNetwork denied for the user without the role",
);

// M2M clients may be given policy scopes; required_scopes keeps working.
const m2m = (await client.m2m.clients.create({ client_name: "docs-worker", scopes: ["read:docs", "write:docs"] })).m2m_client;
const mtok = await client.m2m.token({ client_id: m2m.client_id, client_secret: m2m.client_secret });
const mauth = await client.m2m.authenticateToken({ access_token: mtok.access_token, required_scopes: ["write:docs"] });
check(mauth.scopes.join(" ") === "read:docs write:docs", "m2m token carries the policy scopes", mauth);
await rejects(
  client.m2m.authenticateToken({ access_token: mtok.access_token, required_scopes: ["admin:docs"] }),
  "m2m authenticateToken refuses a policy scope the client lacks",
);
console.log("all scope checks passed");
