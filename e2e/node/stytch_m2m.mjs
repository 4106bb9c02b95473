// The official Stytch Node SDK, pointed at a running Signet, drives the M2M
// surface: client management, the client_credentials token, and local
// verification of that token against the project's JWKS. Run by
// e2e/m2m_test.go (TestStytchNodeSDKM2M) with SIGNET_URL,
// SIGNET_PROJECT_ID and SIGNET_SECRET; exits non-zero on any mismatch.
import stytch from "stytch";

const { SIGNET_URL: baseURL, SIGNET_PROJECT_ID: project_id, SIGNET_SECRET: secret } = process.env;
if (!baseURL || !project_id || !secret) {
  console.error("need SIGNET_URL, SIGNET_PROJECT_ID and SIGNET_SECRET");
  process.exit(2);
}

// env accepts any URL (custom_base_url insists on https); stytch-api.md §3.
const client = new stytch.Client({ project_id, secret, env: baseURL });

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

const created = await client.m2m.clients.create({
  scopes: ["read:users", "write:users"],
  client_name: "node-sdk",
  trusted_metadata: { team: "e2e" },
});
const c = created.m2m_client;
check(created.status_code === 200 && typeof created.request_id === "string", "create envelope", created);
check(c.client_id.startsWith("m2m-client-test-") && c.client_secret.length >= 43, "create returns id and secret once", c);
check(c.client_secret_last_four === c.client_secret.slice(-4) && c.status === "active", "create fields", c);

const got = await client.m2m.clients.get({ client_id: c.client_id });
check(got.m2m_client.client_id === c.client_id && got.m2m_client.client_secret === undefined, "get hides the secret", got.m2m_client);

const found = await client.m2m.clients.search({
  limit: 10,
  query: { operator: "AND", operands: [{ filter_name: "client_id", filter_value: [c.client_id] }] },
});
check(found.m2m_clients.length === 1 && found.results_metadata.total === 1, "search by client_id", found);

// The SDK sends form-encoded client_secret_post (stytch-api.md §5.5).
const tok = await client.m2m.token({ client_id: c.client_id, client_secret: c.client_secret });
check(tok.token_type === "bearer" && tok.expires_in === 3600 && tok.access_token.split(".").length === 3, "token response", tok);

// Local verification: JWKS from /v1/sessions/jwks/{project_id}, typ JWT,
// iss = the base URL, aud = project_id (stytch-api.md §4.2).
const auth = await client.m2m.authenticateToken({ access_token: tok.access_token, required_scopes: ["read:users"] });
check(auth.client_id === c.client_id, "authenticateToken client_id", auth);
check(auth.scopes.join(" ") === "read:users write:users", "authenticateToken scopes", auth);
await rejects(
  client.m2m.authenticateToken({ access_token: tok.access_token, required_scopes: ["delete:users"] }),
  "authenticateToken refuses a scope the token lacks",
);

const narrow = await client.m2m.token({ client_id: c.client_id, client_secret: c.client_secret, scopes: ["read:users"] });
const narrowAuth = await client.m2m.authenticateToken({ access_token: narrow.access_token });
check(narrowAuth.scopes.join(" ") === "read:users", "requested scopes narrow the token", narrowAuth);

const badScope = await rejects(
  client.m2m.token({ client_id: c.client_id, client_secret: c.client_secret, scopes: ["admin"] }),
  "token with a scope the client lacks",
);
check(badScope.error_type === "invalid_scope" && badScope.status_code === 400, "invalid_scope error", badScope);
const badSecret = await rejects(client.m2m.token({ client_id: c.client_id, client_secret: "wrong-secret" }), "token with a wrong secret");
check(badSecret.error_type === "invalid_client" && badSecret.status_code === 401, "invalid_client error", badSecret);

// Two-phase rotation through the SDK.
const started = await client.m2m.clients.secrets.rotateStart({ client_id: c.client_id });
const next = started.m2m_client.next_client_secret;
check(typeof next === "string" && started.m2m_client.next_client_secret_last_four === next.slice(-4), "rotateStart", started.m2m_client);
await client.m2m.token({ client_id: c.client_id, client_secret: c.client_secret });
await client.m2m.token({ client_id: c.client_id, client_secret: next });
console.log("ok: both secrets work during rotation");
await client.m2m.clients.secrets.rotate({ client_id: c.client_id });
await rejects(client.m2m.token({ client_id: c.client_id, client_secret: c.client_secret }), "old secret after rotate");
await client.m2m.token({ client_id: c.client_id, client_secret: next });

const updated = await client.m2m.clients.update({ client_id: c.client_id, status: "inactive", client_name: "renamed" });
check(updated.m2m_client.status === "inactive" && updated.m2m_client.client_name === "renamed", "update", updated.m2m_client);
await rejects(client.m2m.token({ client_id: c.client_id, client_secret: next }), "inactive client gets no token");

const deleted = await client.m2m.clients.delete({ client_id: c.client_id });
check(deleted.client_id === c.client_id, "delete", deleted);
console.log("stytch node SDK M2M: all checks passed");
