// Drives Signet's B2B discovery with the official Stytch Node SDK's
// B2BClient (npm "stytch"), unchanged, pointed at SIGNET_URL through the
// `env` option: passwords.discovery.authenticate (an intermediate session
// and the organizations its email can enter: memberships and JIT by email
// domain), discovery.organizations.list (by intermediate session and by
// member session), discovery.intermediateSessions.exchange (into a
// membership and by JIT, the session then verified locally with
// authenticateJwtLocal), discovery.organizations.create, and the
// refusals: a reused or unknown intermediate session, a suspended
// organization, an organization the email may not join. Exits non-zero on
// the first mismatch. Run by e2e/b2b_test.go.
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
const email = "ada@acme.example";

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
    assert.ok(err.request_id && err.error_message && err.error_url);
    return true;
  });
}

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

function migrate(organization_id) {
  const salt = crypto.randomBytes(16);
  const key = crypto.pbkdf2Sync(password, salt, 1000, 32, "sha256");
  return client.passwords.migrate({
    organization_id,
    email_address: email,
    hash_type: "pbkdf_2",
    hash: key.toString("base64"),
    pbkdf_2_config: { salt: salt.toString("base64"), iteration_amount: 1000, key_length: 32, algorithm: "sha256" },
  });
}

let acme, initech, umbrella, hooli;
await step("setup: organizations and ada's memberships", async () => {
  acme = (await client.organizations.create({ organization_name: "Acme", organization_slug: "acme" })).organization;
  initech = (
    await client.organizations.create({
      organization_name: "Initech",
      organization_slug: "initech",
      email_jit_provisioning: "RESTRICTED",
      email_allowed_domains: ["acme.example"],
    })
  ).organization;
  umbrella = (await client.organizations.create({ organization_name: "Umbrella", organization_slug: "umbrella" })).organization;
  hooli = (await client.organizations.create({ organization_name: "Hooli", organization_slug: "hooli" })).organization;
  await migrate(acme.organization_id);
  await migrate(umbrella.organization_id);
  await setStatus(umbrella.organization_id, "suspended");
});

const byOrg = (list) => Object.fromEntries(list.map((d) => [d.organization.organization_id, d]));

let ist;
await step("passwords.discovery.authenticate", async () => {
  const res = await client.passwords.discovery.authenticate({ email_address: email, password });
  assert.equal(res.status_code, 200);
  assert.equal(res.email_address, email);
  assert.ok(res.intermediate_session_token);
  assert.match(res.intermediate_session_token_expires_at, rfc3339);
  ist = res.intermediate_session_token;
  const found = byOrg(res.discovered_organizations);
  assert.deepEqual(Object.keys(found).sort(), [acme.organization_id, initech.organization_id].sort());
  assert.equal(found[acme.organization_id].membership.type, "active_member");
  assert.equal(found[acme.organization_id].membership.member.email_address, email);
  assert.equal(found[acme.organization_id].member_authenticated, true);
  assert.equal(found[initech.organization_id].membership.type, "eligible_to_join_by_email_domain");
  assert.deepEqual(found[initech.organization_id].membership.details, { domain: "acme.example" });
  await rejects(client.passwords.discovery.authenticate({ email_address: email, password: password + "!" }), 401, "unauthorized_credentials");
});

await step("discovery.organizations.list (intermediate session)", async () => {
  const res = await client.discovery.organizations.list({ intermediate_session_token: ist });
  assert.equal(res.email_address, email);
  assert.equal(res.discovered_organizations.length, 2);
});

await step("discovery.intermediateSessions.exchange refusals", async () => {
  await rejects(
    client.discovery.intermediateSessions.exchange({ intermediate_session_token: ist, organization_id: umbrella.organization_id }),
    403,
    "organization_suspended",
  );
  await rejects(
    client.discovery.intermediateSessions.exchange({ intermediate_session_token: ist, organization_id: hooli.organization_id }),
    403,
    "email_jit_provisioning_not_allowed",
  );
  await rejects(
    client.discovery.intermediateSessions.exchange({ intermediate_session_token: "nope", organization_id: acme.organization_id }),
    404,
    "intermediate_session_not_found",
  );
});

let session;
await step("discovery.intermediateSessions.exchange (membership), then reuse", async () => {
  const res = await client.discovery.intermediateSessions.exchange({
    intermediate_session_token: ist,
    organization_id: acme.organization_id,
    session_duration_minutes: 30,
  });
  assert.equal(res.member_authenticated, true);
  assert.equal(res.organization.organization_id, acme.organization_id);
  assert.equal(res.member_session.organization_id, acme.organization_id);
  assert.ok(res.session_token && res.session_jwt);
  session = res;
  const local = await client.sessions.authenticateJwtLocal({ session_jwt: res.session_jwt });
  assert.equal(local.member_id, res.member_id);
  assert.equal(local.organization_id, acme.organization_id);
  await rejects(
    client.discovery.intermediateSessions.exchange({ intermediate_session_token: ist, organization_id: acme.organization_id }),
    404,
    "intermediate_session_not_found",
  );
});

await step("discovery.organizations.list (member session)", async () => {
  const res = await client.discovery.organizations.list({ session_token: session.session_token });
  assert.deepEqual(
    res.discovered_organizations.map((d) => d.organization.organization_id),
    [acme.organization_id],
  );
});

await step("discovery.intermediateSessions.exchange (JIT by email domain)", async () => {
  const { intermediate_session_token } = await client.passwords.discovery.authenticate({ email_address: email, password });
  const res = await client.discovery.intermediateSessions.exchange({
    intermediate_session_token,
    organization_id: initech.organization_id,
  });
  assert.equal(res.member.organization_id, initech.organization_id);
  assert.equal(res.member.email_address, email);
  assert.equal(res.member.email_address_verified, true);
  await client.sessions.authenticate({ session_token: res.session_token });
});

await step("discovery.organizations.create", async () => {
  const { intermediate_session_token } = await client.passwords.discovery.authenticate({ email_address: email, password });
  await rejects(
    client.discovery.organizations.create({ intermediate_session_token, organization_name: "Acme 2", organization_slug: "acme" }),
    400,
    "organization_slug_already_used",
  );
  const res = await client.discovery.organizations.create({
    intermediate_session_token,
    organization_name: "Ada Labs",
    organization_slug: "ada-labs",
  });
  assert.equal(res.organization.organization_slug, "ada-labs");
  assert.equal(res.member.email_address, email);
  assert.deepEqual(res.member.roles.map((r) => r.role_id), ["stytch_member", "stytch_admin"]);
  assert.equal(res.member_session.organization_id, res.organization.organization_id);
  await rejects(
    client.discovery.organizations.create({ intermediate_session_token, organization_name: "Twice", organization_slug: "twice" }),
    404,
    "intermediate_session_not_found",
  );
});
