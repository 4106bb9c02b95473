// Drives Signet with the official Stytch Node SDK (npm "stytch"), unchanged,
// pointed at SIGNET_URL through the `env` option (stytch-api.md §3): users,
// passwords and sessions, including local JWT verification against Signet's
// JWKS. Exits non-zero on the first mismatch. Run by e2e/users_test.go.
import assert from "node:assert/strict";
import stytch from "stytch";

const baseURL = process.env.SIGNET_URL;
const project_id = process.env.SIGNET_PROJECT_ID;
const secret = process.env.SIGNET_SECRET;
if (!baseURL || !project_id || !secret) {
  console.error("SIGNET_URL, SIGNET_PROJECT_ID and SIGNET_SECRET are required");
  process.exit(2);
}

const client = new stytch.Client({ project_id, secret, env: baseURL });
const password = "v8#Lq2!mZr@9wTe4";
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}: ${err.stack || err}`);
    process.exit(1);
  }
}

let userID;
await step("users.create", async () => {
  const res = await client.users.create({
    email: "node-sdk@example.com",
    name: { first_name: "Node", last_name: "Client" },
    trusted_metadata: { external_source: "stytch-node" },
    external_id: "node-ext-1",
  });
  assert.equal(res.status_code, 200);
  assert.match(res.user_id, /^user-test-/);
  assert.match(res.email_id, /^email-test-/);
  assert.equal(res.status, "active");
  assert.equal(res.user.emails[0].email, "node-sdk@example.com");
  assert.deepEqual(res.user.providers, []);
  userID = res.user_id;
});

await step("users.create duplicate email is a StytchError", async () => {
  await assert.rejects(client.users.create({ email: "NODE-SDK@example.com" }), (err) => {
    assert.equal(err.status_code, 400);
    assert.equal(err.error_type, "duplicate_email");
    assert.ok(err.request_id);
    return true;
  });
});

await step("users.get by user_id and external_id", async () => {
  for (const id of [userID, "node-ext-1"]) {
    const res = await client.users.get({ user_id: id });
    assert.equal(res.user_id, userID);
    assert.equal(res.name.first_name, "Node");
    assert.equal(res.trusted_metadata.external_source, "stytch-node");
    assert.match(res.created_at, rfc3339);
  }
});

let created;
await step("passwords.create", async () => {
  created = await client.passwords.create({
    email: "node-pw@example.com",
    password,
    session_duration_minutes: 60,
    session_custom_claims: { app: "node" },
  });
  assert.match(created.user_id, /^user-test-/);
  assert.ok(created.session_token);
  assert.ok(created.session_jwt);
  assert.equal(created.session.authentication_factors[0].type, "password");
});

let authed;
await step("passwords.authenticate", async () => {
  authed = await client.passwords.authenticate({
    email: "node-pw@example.com",
    password,
    session_duration_minutes: 30,
  });
  assert.equal(authed.user_id, created.user_id);
  assert.equal(authed.session.user_id, created.user_id);
  const f = authed.session.authentication_factors[0];
  assert.equal(f.delivery_method, "knowledge");
  assert.equal(f.email_factor.email_address, "node-pw@example.com");
});

await step("passwords.authenticate wrong password", async () => {
  await assert.rejects(
    client.passwords.authenticate({ email: "node-pw@example.com", password: "wrong" }),
    (err) => err.status_code === 401 && err.error_type === "unauthorized_credentials",
  );
});

await step("sessions.authenticate with session_jwt", async () => {
  const res = await client.sessions.authenticate({ session_jwt: authed.session_jwt });
  assert.equal(res.session.session_id, authed.session.session_id);
  assert.equal(res.user.user_id, created.user_id);
  assert.ok(res.session_jwt);
});

await step("sessions.authenticate with session_token", async () => {
  const res = await client.sessions.authenticate({ session_token: created.session_token });
  assert.equal(res.session.session_id, created.session.session_id);
  assert.equal(res.session.custom_claims.app, "node");
});

await step("sessions.authenticateJwtLocal verifies against Signet's JWKS", async () => {
  const s = await client.sessions.authenticateJwtLocal({ session_jwt: created.session_jwt });
  assert.equal(s.session_id, created.session.session_id);
  assert.equal(s.user_id, created.user_id);
  assert.equal(s.custom_claims.app, "node");
  assert.equal(s.authentication_factors[0].type, "password");
  assert.equal(s.expires_at, new Date(created.session.expires_at).toISOString());
});

await step("sessions.authenticateJwt (local first)", async () => {
  const res = await client.sessions.authenticateJwt({ session_jwt: authed.session_jwt });
  assert.equal(res.session.session_id, authed.session.session_id);
  assert.equal(res.session_jwt, authed.session_jwt); // verified locally: no network round trip
});

await step("sessions.get and revoke", async () => {
  const list = await client.sessions.get({ user_id: created.user_id });
  assert.equal(list.sessions.length, 2);
  await client.sessions.revoke({ session_id: authed.session.session_id });
  await assert.rejects(
    client.sessions.authenticate({ session_token: authed.session_token }),
    (err) => err.status_code === 404 && err.error_type === "session_not_found",
  );
});

await step("users.delete", async () => {
  await client.users.delete({ user_id: created.user_id });
  await assert.rejects(
    client.users.get({ user_id: created.user_id }),
    (err) => err.status_code === 404 && err.error_type === "user_not_found",
  );
});

console.log("stytch node SDK: all users/passwords/sessions checks passed");
