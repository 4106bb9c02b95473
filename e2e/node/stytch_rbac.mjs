// Drives Signet's RBAC with the official Stytch Node SDK (npm "stytch"),
// unchanged, pointed at SIGNET_URL through the `env` option: policies set
// with a plain PUT (Signet's; Stytch edits them in its dashboard), then
// rbac.policy(), sessions.authenticate with an authorization_check over
// the network (verdict; 403 invalid_permissions) and the SDK's local
// checks in authenticateJwtLocal / authenticateJwt (which fetch the
// policy from Signet and read the JWT's roles): allowed, denied, the "*"
// wildcard; for the B2BClient also tenancy_mismatch (local and network),
// an organization's custom roles (rbac.organizations.setOrgPolicy /
// getOrgPolicy, which the local check fetches), roles implied by an
// organization's rbac_email_implicit_role_assignments and members' roles
// with their sources. The two paths must agree.
// Exits non-zero on the first mismatch. Run by e2e/rbac_test.go.
import assert from "node:assert/strict";
import crypto from "node:crypto";
import stytch from "stytch";

const baseURL = process.env.SIGNET_URL;
const env = {
  consumer: { project_id: process.env.SIGNET_PROJECT_ID, secret: process.env.SIGNET_SECRET },
  b2b: { project_id: process.env.SIGNET_B2B_PROJECT_ID, secret: process.env.SIGNET_B2B_SECRET },
};
if (!baseURL || !env.consumer.project_id || !env.b2b.project_id) {
  console.error("SIGNET_URL, SIGNET_PROJECT_ID, SIGNET_SECRET, SIGNET_B2B_PROJECT_ID and SIGNET_B2B_SECRET are required");
  process.exit(2);
}
const password = "Correct-Horse-9-rbac";

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (err) {
    console.error(`FAIL ${name}: ${err.stack || err}`);
    process.exit(1);
  }
}

// rejects asserts a StytchError (the network answer) with this status and error_type.
async function rejects(promise, status, errorType) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status_code, status, `${err.error_type}: ${err.error_message}`);
    assert.equal(err.error_type, errorType);
    return true;
  });
}

// rejectsLocally asserts the SDK's own ClientError (a local check).
async function rejectsLocally(promise, code) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status_code, undefined, `a network error, not a local one: ${err.error_type}`);
    assert.equal(err.code, code, String(err));
    return true;
  });
}

async function put(who, path, body) {
  const { project_id, secret } = env[who];
  const res = await fetch(`${baseURL}${path}`, {
    method: "PUT",
    headers: {
      "Content-Type": "application/json",
      Authorization: "Basic " + Buffer.from(`${project_id}:${secret}`).toString("base64"),
    },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text);
}

// ---- Consumer ----
const client = new stytch.Client({ ...env.consumer, env: baseURL });
const consumerPolicy = {
  roles: [
    { role_id: "stytch_user", description: "Everyone", permissions: [{ resource_id: "documents", actions: ["read"] }] },
    { role_id: "editor", description: "Editors", permissions: [{ resource_id: "documents", actions: ["read", "write"] }] },
    { role_id: "owner", description: "Owners", permissions: [{ resource_id: "documents", actions: ["*"] }] },
  ],
  resources: [{ resource_id: "documents", description: "Documents", actions: ["read", "write", "delete"] }],
  scopes: [{ scope: "read:documents", description: "Read documents", permissions: [{ resource_id: "documents", actions: ["read"] }] }],
};

await step("consumer: policy set (PUT) and read back through rbac.policy()", async () => {
  await put("consumer", "/v1/rbac/policy", { policy: consumerPolicy });
  const res = await client.rbac.policy();
  assert.deepEqual(res.policy, consumerPolicy);
});

let alice, bob;
await step("consumer: users with and without roles", async () => {
  alice = await client.passwords.create({ email: "alice-rbac@example.com", password, session_duration_minutes: 60 });
  const created = await client.passwords.create({ email: "bob-rbac@example.com", password });
  await client.users.update({ user_id: created.user_id, roles: ["owner"] });
  // A session started now carries the roles in its JWT.
  bob = await client.passwords.authenticate({ email: "bob-rbac@example.com", password, session_duration_minutes: 60 });
  assert.deepEqual(bob.session.roles, ["stytch_user", "owner"]);
  assert.deepEqual(bob.user.roles, ["stytch_user", "owner"]);
  await rejects(client.users.update({ user_id: created.user_id, roles: ["janitor"] }), 400, "role_not_found");
});

const docs = (action) => ({ resource_id: "documents", action });

await step("consumer: sessions.authenticate with an allowed check answers a verdict", async () => {
  const res = await client.sessions.authenticate({ session_token: alice.session_token, authorization_check: docs("read") });
  assert.deepEqual(res.verdict, { authorized: true, granting_roles: ["stytch_user"] });
  const owner = await client.sessions.authenticate({ session_token: bob.session_token, authorization_check: docs("delete") });
  assert.deepEqual(owner.verdict, { authorized: true, granting_roles: ["owner"] });
});

await step("consumer: sessions.authenticate with a denied check is 403 invalid_permissions", async () => {
  await rejects(client.sessions.authenticate({ session_token: alice.session_token, authorization_check: docs("write") }), 403, "invalid_permissions");
  await rejects(client.sessions.authenticate({ session_jwt: alice.session_jwt, authorization_check: docs("delete") }), 403, "invalid_permissions");
  await rejects(client.sessions.authenticate({ session_token: alice.session_token, authorization_check: docs("share") }), 400, "invalid_action");
  await rejects(client.sessions.authenticate({ session_token: alice.session_token, authorization_check: { resource_id: "videos", action: "read" } }),
    400, "invalid_resource_id");
});

await step("consumer: authenticateJwtLocal checks locally (allowed, denied, wildcard)", async () => {
  const ok = await client.sessions.authenticateJwtLocal({ session_jwt: alice.session_jwt, authorization_check: docs("read") });
  assert.equal(ok.user_id, alice.user_id);
  assert.deepEqual(ok.roles, ["stytch_user"]);
  await rejectsLocally(client.sessions.authenticateJwtLocal({ session_jwt: alice.session_jwt, authorization_check: docs("write") }), "invalid_permissions");
  await rejectsLocally(client.sessions.authenticateJwtLocal({ session_jwt: alice.session_jwt, authorization_check: docs("delete") }), "invalid_permissions");
  // "*" grants every action of the resource.
  for (const action of ["read", "write", "delete"]) {
    await client.sessions.authenticateJwtLocal({ session_jwt: bob.session_jwt, authorization_check: docs(action) });
  }
});

await step("consumer: authenticateJwt agrees (local allow; a local deny asks Signet, which denies too)", async () => {
  const ok = await client.sessions.authenticateJwt({ session_jwt: bob.session_jwt, authorization_check: docs("delete") });
  assert.equal(ok.session.user_id, bob.user_id);
  await rejects(client.sessions.authenticateJwt({ session_jwt: alice.session_jwt, authorization_check: docs("write") }), 403, "invalid_permissions");
  // Forced to the network, the same verdicts.
  const net = await client.sessions.authenticateJwt({ session_jwt: bob.session_jwt, authorization_check: docs("write"), max_token_age_seconds: 0 });
  assert.deepEqual(net.verdict, { authorized: true, granting_roles: ["owner"] });
  await rejects(client.sessions.authenticateJwt({ session_jwt: alice.session_jwt, authorization_check: docs("write"), max_token_age_seconds: 0 }),
    403, "invalid_permissions");
});

// ---- B2B ----
const b2b = new stytch.B2BClient({ ...env.b2b, env: baseURL });
const b2bPolicy = {
  roles: [
    { role_id: "stytch_admin", description: "Admins", permissions: [{ resource_id: "stytch.member", actions: ["*"] }, { resource_id: "documents", actions: ["*"] }] },
    { role_id: "stytch_member", description: "Members", permissions: [{ resource_id: "documents", actions: ["read"] }] },
    { role_id: "editor", description: "Editors", permissions: [{ resource_id: "documents", actions: ["read", "write"] }] },
  ],
  resources: [
    { resource_id: "stytch.member", description: "Members", actions: ["create", "delete"] },
    { resource_id: "documents", description: "Documents", actions: ["read", "write", "delete"] },
  ],
  scopes: [],
};

let acme, beta;
await step("b2b: policy set (PUT) and read back through rbac.policy()", async () => {
  await put("b2b", "/v1/b2b/rbac/policy", { policy: b2bPolicy });
  const res = await b2b.rbac.policy();
  assert.deepEqual(res.policy, b2bPolicy);
  acme = (await b2b.organizations.create({ organization_name: "Acme RBAC", organization_slug: "acme-rbac" })).organization;
  beta = (await b2b.organizations.create({ organization_name: "Beta RBAC", organization_slug: "beta-rbac" })).organization;
});

await step("b2b: organization custom roles through rbac.organizations.setOrgPolicy / getOrgPolicy", async () => {
  const none = await b2b.rbac.organizations.getOrgPolicy({ organization_id: beta.organization_id });
  assert.deepEqual(none.org_policy, { roles: [] });
  const org_policy = { roles: [{ role_id: "auditor", description: "Acme's auditors", permissions: [{ resource_id: "documents", actions: ["read", "delete"] }] }] };
  const set = await b2b.rbac.organizations.setOrgPolicy({ organization_id: acme.organization_id, org_policy });
  assert.deepEqual(set.org_policy, org_policy);
  assert.deepEqual((await b2b.rbac.organizations.getOrgPolicy({ organization_id: acme.organization_id })).org_policy, org_policy);
  await rejects(b2b.rbac.organizations.setOrgPolicy({ organization_id: acme.organization_id,
    org_policy: { roles: [{ role_id: "x", description: "", permissions: [{ resource_id: "videos", actions: ["read"] }] }] } }), 400, "invalid_rbac_policy");
});

// member signs a member in with a migrated scrypt hash and gives it roles.
async function member(org, email, roles) {
  const salt = crypto.randomBytes(16);
  const key = crypto.scryptSync(password, salt, 32, { N: 16384, r: 8, p: 1 });
  const m = await b2b.passwords.migrate({
    organization_id: org.organization_id, email_address: email, hash_type: "scrypt", hash: key.toString("base64"),
    scrypt_config: { salt: salt.toString("base64"), n_parameter: 16384, r_parameter: 8, p_parameter: 1, key_length: 32 },
  });
  if (roles) {
    await b2b.organizations.members.update({ organization_id: org.organization_id, member_id: m.member_id, roles });
  }
  return b2b.passwords.authenticate({ organization_id: org.organization_id, email_address: email, password, session_duration_minutes: 60 });
}

let ada, eve, zed;
await step("b2b: members with explicit and organization roles", async () => {
  ada = await member(acme, "ada@acme.example");
  eve = await member(acme, "eve@acme.example", ["editor", "auditor"]);
  zed = await member(beta, "zed@beta.example", ["stytch_admin"]);
  assert.deepEqual(eve.member_session.roles, ["stytch_member", "editor", "auditor"]);
});

const bdocs = (org, action) => ({ organization_id: org.organization_id, resource_id: "documents", action });

await step("b2b: sessions.authenticate over the network (verdict, denied, tenancy mismatch, organization role)", async () => {
  const res = await b2b.sessions.authenticate({ session_token: ada.session_token, authorization_check: bdocs(acme, "read") });
  assert.deepEqual(res.verdict, { authorized: true, granting_roles: ["stytch_member"] });
  await rejects(b2b.sessions.authenticate({ session_token: ada.session_token, authorization_check: bdocs(acme, "write") }), 403, "invalid_permissions");
  await rejects(b2b.sessions.authenticate({ session_token: ada.session_token, authorization_check: bdocs(beta, "read") }), 403, "tenancy_mismatch");
  const eveDel = await b2b.sessions.authenticate({ session_jwt: eve.session_jwt, authorization_check: bdocs(acme, "delete") });
  assert.deepEqual(eveDel.verdict, { authorized: true, granting_roles: ["auditor"] });
  const zedDel = await b2b.sessions.authenticate({ session_token: zed.session_token, authorization_check: bdocs(beta, "delete") });
  assert.deepEqual(zedDel.verdict, { authorized: true, granting_roles: ["stytch_admin"] });
});

await step("b2b: authenticateJwtLocal checks locally (allowed, denied, wildcard, organization role, tenancy mismatch)", async () => {
  const ok = await b2b.sessions.authenticateJwtLocal({ session_jwt: ada.session_jwt, authorization_check: bdocs(acme, "read") });
  assert.equal(ok.organization_id, acme.organization_id);
  await rejectsLocally(b2b.sessions.authenticateJwtLocal({ session_jwt: ada.session_jwt, authorization_check: bdocs(acme, "write") }), "invalid_permissions");
  await rejectsLocally(b2b.sessions.authenticateJwtLocal({ session_jwt: ada.session_jwt, authorization_check: bdocs(beta, "read") }), "tenancy_mismatch");
  // eve's "auditor" is Acme's own role: the SDK adds Acme's org policy to the project's.
  await b2b.sessions.authenticateJwtLocal({ session_jwt: eve.session_jwt, authorization_check: bdocs(acme, "delete") });
  await b2b.sessions.authenticateJwtLocal({ session_jwt: eve.session_jwt, authorization_check: bdocs(acme, "write") });
  for (const action of ["read", "write", "delete"]) {
    await b2b.sessions.authenticateJwtLocal({ session_jwt: zed.session_jwt, authorization_check: bdocs(beta, action) });
  }
  await rejectsLocally(b2b.sessions.authenticateJwtLocal({ session_jwt: zed.session_jwt, authorization_check: bdocs(acme, "read") }), "tenancy_mismatch");
});

await step("b2b: authenticateJwt agrees with the network", async () => {
  const ok = await b2b.sessions.authenticateJwt({ session_jwt: eve.session_jwt, authorization_check: bdocs(acme, "delete") });
  assert.equal(ok.member_session.member_id, eve.member_id);
  await rejects(b2b.sessions.authenticateJwt({ session_jwt: ada.session_jwt, authorization_check: bdocs(acme, "delete") }), 403, "invalid_permissions");
  await rejects(b2b.sessions.authenticateJwt({ session_jwt: ada.session_jwt, authorization_check: bdocs(beta, "read") }), 403, "tenancy_mismatch");
  const net = await b2b.sessions.authenticateJwt({ session_jwt: eve.session_jwt, authorization_check: bdocs(acme, "delete"), max_token_age_seconds: 0 });
  assert.deepEqual(net.verdict, { authorized: true, granting_roles: ["auditor"] });
});

await step("b2b: rbac_email_implicit_role_assignments on organizations.create, update and get", async () => {
  await rejects(b2b.organizations.update({ organization_id: beta.organization_id,
    rbac_email_implicit_role_assignments: [{ domain: "beta.example", role_id: "janitor" }] }), 400, "role_not_found");
  await rejects(b2b.organizations.update({ organization_id: beta.organization_id,
    rbac_email_implicit_role_assignments: [{ domain: "beta.example" }] }), 400, "invalid_rbac_role_assignment");
  // Acme's own role may be given by email domain in Acme only.
  await rejects(b2b.organizations.update({ organization_id: beta.organization_id,
    rbac_email_implicit_role_assignments: [{ domain: "beta.example", role_id: "auditor" }] }), 400, "role_not_found");
  const res = await b2b.organizations.update({ organization_id: acme.organization_id,
    rbac_email_implicit_role_assignments: [{ domain: "Acme.example", role_id: "editor" }] });
  assert.deepEqual(res.organization.rbac_email_implicit_role_assignments, [{ domain: "acme.example", role_id: "editor" }]);
  const got = await b2b.organizations.get({ organization_id: acme.organization_id });
  assert.deepEqual(got.organization.rbac_email_implicit_role_assignments, [{ domain: "acme.example", role_id: "editor" }]);
  const gamma = await b2b.organizations.create({ organization_name: "Gamma RBAC", organization_slug: "gamma-rbac",
    rbac_email_implicit_role_assignments: [{ domain: "gamma.example", role_id: "stytch_admin" }] });
  assert.deepEqual(gamma.organization.rbac_email_implicit_role_assignments, [{ domain: "gamma.example", role_id: "stytch_admin" }]);
});

const direct = { type: "direct_assignment", details: {} };
const byEmail = (domain) => ({ type: "email_assignment", details: { email_domain: domain } });

await step("b2b: members' roles with their sources (members.get, members.search, sessions)", async () => {
  const m = await b2b.organizations.members.get({ organization_id: acme.organization_id, member_id: eve.member_id });
  assert.deepEqual(m.member.roles, [
    { role_id: "stytch_member", sources: [direct] },
    { role_id: "editor", sources: [direct, byEmail("acme.example")] },
    { role_id: "auditor", sources: [direct] },
  ]);
  const found = await b2b.organizations.members.search({ organization_ids: [acme.organization_id],
    query: { operator: "AND", operands: [{ filter_name: "member_ids", filter_value: [ada.member_id] }] } });
  assert.deepEqual(found.members[0].roles, [{ role_id: "stytch_member", sources: [direct] }, { role_id: "editor", sources: [byEmail("acme.example")] }]);
  // ada's session (started before the assignment) carries editor from the next authenticate on.
  const res = await b2b.sessions.authenticate({ session_token: ada.session_token });
  assert.deepEqual(res.member_session.roles, ["stytch_member", "editor"]);
  assert.deepEqual(res.member.roles.map((r) => r.role_id), ["stytch_member", "editor"]);
  ada = { ...ada, session_jwt: res.session_jwt };
});

await step("b2b: a role implied by the email domain grants over the network and locally", async () => {
  const res = await b2b.sessions.authenticate({ session_token: ada.session_token, authorization_check: bdocs(acme, "write") });
  assert.deepEqual(res.verdict, { authorized: true, granting_roles: ["editor"] });
  await b2b.sessions.authenticateJwtLocal({ session_jwt: ada.session_jwt, authorization_check: bdocs(acme, "write") });
  await rejectsLocally(b2b.sessions.authenticateJwtLocal({ session_jwt: ada.session_jwt, authorization_check: bdocs(acme, "delete") }), "invalid_permissions");
  // A new member at the domain holds it from its first session.
  const kim = await member(acme, "kim@ACME.example");
  assert.deepEqual(kim.member_session.roles, ["stytch_member", "editor"]);
  await b2b.sessions.authenticateJwtLocal({ session_jwt: kim.session_jwt, authorization_check: bdocs(acme, "write") });
  // Withdrawn: the network check counts the roles now.
  await b2b.organizations.update({ organization_id: acme.organization_id, rbac_email_implicit_role_assignments: [] });
  await rejects(b2b.sessions.authenticate({ session_token: kim.session_token, authorization_check: bdocs(acme, "write") }), 403, "invalid_permissions");
  const after = await b2b.sessions.authenticate({ session_token: kim.session_token });
  assert.deepEqual(after.member_session.roles, ["stytch_member"]);
  await rejectsLocally(b2b.sessions.authenticateJwtLocal({ session_jwt: after.session_jwt, authorization_check: bdocs(acme, "write") }), "invalid_permissions");
});
