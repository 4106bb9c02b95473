// Drives Signet's B2B passwords and member sessions with the official
// Stytch Node SDK's B2BClient (npm "stytch"), unchanged, pointed at
// SIGNET_URL through the `env` option: organizations and members created,
// passwords migrated (hashes made here with node:crypto) and
// authenticated, sessions authenticated by token, by JWT through the
// SDK's local verification (authenticateJwt / authenticateJwtLocal, which
// read the https://stytch.com/organization claim and the JWKS at
// /v1/b2b/sessions/jwks/{project_id}), listed and revoked, and the
// errors (wrong password, suspended organization, authorization_check,
// revoked sessions), existingPassword.reset and getJWKS. Exits non-zero on the first mismatch. Run by
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
const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;
const password = "Correct-Horse-9";

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}: ${err.stack || err}`);
    process.exit(1);
  }
}

// rejects asserts a StytchError with this status and error_type.
async function rejects(promise, status, errorType) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status_code, status, `${err.error_type}: ${err.error_message}`);
    assert.equal(err.error_type, errorType);
    assert.ok(err.request_id && err.error_message && err.error_url);
    return true;
  });
}

// setStatus suspends or reactivates an organization: status is a Signet
// extension the SDK's organizations.update does not send.
async function setStatus(orgID, status) {
  const res = await fetch(`${baseURL}/v1/b2b/organizations/${orgID}`, {
    method: "PUT",
    headers: {
      "Content-Type": "application/json",
      Authorization: "Basic " + Buffer.from(`${project_id}:${secret}`).toString("base64"),
    },
    body: JSON.stringify({ status }),
  });
  assert.equal(res.status, 200, await res.text());
}

let acme, beta;
await step("organizations.create", async () => {
  acme = (await client.organizations.create({ organization_name: "Acme", organization_slug: "acme" })).organization;
  beta = (await client.organizations.create({ organization_name: "Beta", organization_slug: "beta" })).organization;
  assert.match(acme.organization_id, /^organization-test-/);
});

let bob;
await step("organizations.members.create", async () => {
  const res = await client.organizations.members.create({
    organization_id: acme.organization_id,
    email_address: "bob@acme.example",
    name: "Bob",
  });
  bob = res.member;
  assert.equal(bob.email_address_verified, false);
  assert.equal(bob.member_password_id, "");
});

await step("passwords.strengthCheck", async () => {
  const weak = await client.passwords.strengthCheck({ password: "abc", email_address: "ada@acme.example" });
  assert.equal(weak.valid_password, false);
  assert.equal(weak.strength_policy, "luds");
  assert.equal(weak.luds_feedback.has_lower_case, true);
  const strong = await client.passwords.strengthCheck({ password });
  assert.equal(strong.valid_password, true);
});

let ada;
await step("passwords.migrate (scrypt, new member)", async () => {
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
  const res = await client.passwords.migrate({
    organization_id: acme.organization_id,
    email_address: "ada@acme.example",
    hash_type: "scrypt",
    hash: key.toString("base64"),
    scrypt_config: { salt: salt.toString("base64"), n_parameter: 16384, r_parameter: 8, p_parameter: 1, key_length: 32 },
    name: "Ada",
    trusted_metadata: { tier: "gold" },
  });
  assert.equal(res.member_created, true);
  ada = res.member;
  assert.equal(res.member_id, ada.member_id);
  assert.equal(ada.email_address_verified, true);
  assert.match(ada.member_password_id, /^member-password-test-/);
  assert.equal(res.organization.organization_id, acme.organization_id);
});

await step("passwords.migrate (pbkdf2 and md5, existing member and another organization)", async () => {
  const salt = crypto.randomBytes(16);
  const key = crypto.pbkdf2Sync(password, salt, 1000, 32, "sha256");
  const res = await client.passwords.migrate({
    organization_id: acme.organization_id,
    email_address: "bob@acme.example",
    hash_type: "pbkdf_2",
    hash: key.toString("base64"),
    pbkdf_2_config: { salt: salt.toString("base64"), iteration_amount: 1000, key_length: 32, algorithm: "sha256" },
  });
  assert.equal(res.member_created, false);
  assert.equal(res.member.member_id, bob.member_id);
  await client.passwords.migrate({
    organization_id: beta.organization_id,
    email_address: "ada@acme.example",
    hash_type: "md_5",
    hash: crypto.createHash("md5").update(password).digest("hex"),
  });
  await rejects(
    client.passwords.migrate({ organization_id: acme.organization_id, email_address: "ada@acme.example", hash_type: "phpass", hash: "$P$x" }),
    400, "invalid_hash_type");
});

let signed;
await step("passwords.authenticate", async () => {
  signed = await client.passwords.authenticate({
    organization_id: acme.organization_id,
    email_address: "ada@acme.example",
    password,
    session_duration_minutes: 60,
    session_custom_claims: { plan: "pro" },
  });
  assert.equal(signed.status_code, 200);
  assert.equal(signed.member_id, ada.member_id);
  assert.equal(signed.organization_id, acme.organization_id);
  assert.equal(signed.member_authenticated, true);
  assert.equal(signed.intermediate_session_token, "");
  assert.ok(signed.session_token.length >= 40);
  const s = signed.member_session;
  assert.match(s.member_session_id, /^member-session-test-/);
  assert.equal(s.member_id, ada.member_id);
  assert.equal(s.organization_id, acme.organization_id);
  assert.equal(s.organization_slug, "acme");
  assert.deepEqual(s.custom_claims, { plan: "pro" });
  assert.equal(s.roles[0], "stytch_member");
  for (const t of [s.started_at, s.last_accessed_at, s.expires_at]) assert.match(t, rfc3339);
  assert.equal(s.authentication_factors[0].type, "password");
  assert.equal(s.authentication_factors[0].delivery_method, "knowledge");
  assert.equal(signed.member.trusted_metadata.tier, "gold");
  // Bob's pbkdf2 password works too, and the same email in another organization is another member.
  await client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "bob@acme.example", password });
  const other = await client.passwords.authenticate({ organization_id: "beta", email_address: "ada@acme.example", password });
  assert.notEqual(other.member_id, ada.member_id);
  assert.equal(other.member_session.organization_slug, "beta");
});

await step("passwords.authenticate errors", async () => {
  await rejects(client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "ada@acme.example", password: "wrong" }),
    401, "unauthorized_credentials");
  await rejects(client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "nobody@acme.example", password }),
    401, "unauthorized_credentials");
  await rejects(client.passwords.authenticate({ organization_id: "no-such-org", email_address: "ada@acme.example", password }),
    404, "organization_not_found");
});

await step("sessions.authenticate (token)", async () => {
  const res = await client.sessions.authenticate({ session_token: signed.session_token, session_custom_claims: { seat: 7 } });
  assert.equal(res.status_code, 200);
  assert.equal(res.session_token, signed.session_token);
  assert.equal(res.member_session.member_session_id, signed.member_session.member_session_id);
  assert.deepEqual(res.member_session.custom_claims, { plan: "pro", seat: 7 });
  assert.equal(res.member.member_id, ada.member_id);
  assert.equal(res.organization.organization_slug, "acme");
  assert.ok(res.session_jwt);
  signed.session_jwt = res.session_jwt;
});

await step("sessions.authenticateJwtLocal", async () => {
  const s = await client.sessions.authenticateJwtLocal({ session_jwt: signed.session_jwt });
  assert.equal(s.member_session_id, signed.member_session.member_session_id);
  assert.equal(s.member_id, ada.member_id);
  assert.equal(s.organization_id, acme.organization_id);
  assert.equal(s.organization_slug, "acme");
  assert.deepEqual(s.custom_claims, { plan: "pro", seat: 7 });
  assert.equal(s.roles[0], "stytch_member");
  assert.equal(s.authentication_factors[0].type, "password");
  // A JWT with a broken signature does not verify.
  await assert.rejects(client.sessions.authenticateJwtLocal({ session_jwt: signed.session_jwt.slice(0, -4) + "AAAA" }));
});

await step("sessions.authenticateJwt (local verification, then the network)", async () => {
  const local = await client.sessions.authenticateJwt({ session_jwt: signed.session_jwt });
  assert.equal(local.request_id, undefined, "verified locally, without a call");
  assert.equal(local.member_session.organization_id, acme.organization_id);
  const remote = await client.sessions.authenticateJwt({ session_jwt: signed.session_jwt, max_token_age_seconds: 0 });
  assert.ok(remote.request_id, "max_token_age_seconds 0 goes to the API");
  assert.equal(remote.member_session.member_id, ada.member_id);
  assert.equal(remote.session_token, "");
});

await step("sessions.authenticate errors", async () => {
  await rejects(client.sessions.authenticate({
    session_token: signed.session_token,
    authorization_check: { organization_id: acme.organization_id, resource_id: "documents", action: "read" },
  }), 400, "invalid_resource_id"); // the default B2B policy has no "documents"
  await rejects(client.sessions.authenticate({ session_token: "not-a-session" }), 404, "session_not_found");
  await rejects(client.sessions.authenticate({ session_token: signed.session_token, session_jwt: signed.session_jwt }),
    400, "too_many_session_arguments");
});

await step("sessions.get", async () => {
  await client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "ada@acme.example", password });
  const res = await client.sessions.get({ organization_id: acme.organization_id, member_id: ada.member_id });
  assert.equal(res.member_sessions.length, 2);
  assert.ok(res.member_sessions.some((s) => s.member_session_id === signed.member_session.member_session_id));
  for (const s of res.member_sessions) assert.equal(s.organization_slug, "acme");
});

await step("organization suspended", async () => {
  await setStatus(acme.organization_id, "suspended");
  await rejects(client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "ada@acme.example", password }),
    403, "organization_suspended");
  await rejects(client.sessions.authenticate({ session_token: signed.session_token }), 403, "organization_suspended");
  await setStatus(acme.organization_id, "active");
  await client.sessions.authenticate({ session_token: signed.session_token });
});

await step("sessions.getJWKS", async () => {
  const res = await client.sessions.getJWKS({ project_id });
  assert.ok(res.keys.length >= 1);
  const header = JSON.parse(Buffer.from(signed.session_jwt.split(".")[0], "base64url").toString());
  assert.ok(res.keys.some((k) => k.kid === header.kid && k.alg === "RS256"), "the JWT's key is in the B2B JWKS");
});

await step("passwords.existingPassword.reset", async () => {
  const bobSession = await client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "bob@acme.example", password });
  await rejects(client.passwords.existingPassword.reset({
    organization_id: acme.organization_id, email_address: "bob@acme.example", existing_password: password, new_password: "short",
  }), 400, "weak_password");
  const res = await client.passwords.existingPassword.reset({
    organization_id: acme.organization_id,
    email_address: "bob@acme.example",
    existing_password: password,
    new_password: "Another-Horse-10",
    session_token: bobSession.session_token,
  });
  assert.equal(res.member_id, bob.member_id);
  assert.equal(res.member_authenticated, true);
  assert.notEqual(res.session_token, bobSession.session_token);
  // Every earlier session of Bob ended; the old password is refused, the new one works.
  await rejects(client.sessions.authenticate({ session_token: bobSession.session_token }), 404, "session_not_found");
  await rejects(client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "bob@acme.example", password }),
    401, "unauthorized_credentials");
  await client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "bob@acme.example", password: "Another-Horse-10" });
});

await step("sessions.revoke", async () => {
  const extra = await client.passwords.authenticate({ organization_id: acme.organization_id, email_address: "ada@acme.example", password });
  await client.sessions.revoke({ member_session_id: extra.member_session.member_session_id });
  await rejects(client.sessions.authenticate({ session_token: extra.session_token }), 404, "session_not_found");
  await client.sessions.revoke({ session_token: signed.session_token });
  await rejects(client.sessions.authenticate({ session_token: signed.session_token }), 404, "session_not_found");
  // The JWT still verifies locally until it expires (as at Stytch); the API knows it is revoked.
  await rejects(client.sessions.authenticateJwt({ session_jwt: signed.session_jwt, max_token_age_seconds: 0 }), 404, "session_not_found");
  await client.sessions.revoke({ member_id: ada.member_id });
  const res = await client.sessions.get({ organization_id: acme.organization_id, member_id: ada.member_id });
  assert.equal(res.member_sessions.length, 0);
  await rejects(client.sessions.revoke({ member_session_id: extra.member_session.member_session_id }), 404, "session_not_found");
});
