// Drives Signet's B2B organizations and members with the official Stytch
// Node SDK's B2BClient (npm "stytch"), unchanged, pointed at SIGNET_URL
// through the `env` option: every organizations and organizations.members
// route Signet serves, their errors, and the project vertical rule (a
// consumer project's Client on B2B routes and the reverse). Exits non-zero
// on the first mismatch. Run by e2e/b2b_test.go.
import assert from "node:assert/strict";
import stytch from "stytch";

const baseURL = process.env.SIGNET_URL;
const project_id = process.env.SIGNET_B2B_PROJECT_ID;
const secret = process.env.SIGNET_B2B_SECRET;
const consumer = { project_id: process.env.SIGNET_PROJECT_ID, secret: process.env.SIGNET_SECRET };
if (!baseURL || !project_id || !secret || !consumer.project_id || !consumer.secret) {
  console.error("SIGNET_URL, SIGNET_B2B_PROJECT_ID, SIGNET_B2B_SECRET, SIGNET_PROJECT_ID and SIGNET_SECRET are required");
  process.exit(2);
}

const client = new stytch.B2BClient({ project_id, secret, env: baseURL });
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

// rejects asserts a StytchError with this status and error_type.
async function rejects(promise, status, errorType) {
  await assert.rejects(promise, (err) => {
    assert.equal(err.status_code, status, `${err.error_type}: ${err.error_message}`);
    assert.equal(err.error_type, errorType);
    assert.ok(err.request_id && err.error_message && err.error_url);
    return true;
  });
}

let orgID;
await step("organizations.create", async () => {
  const res = await client.organizations.create({
    organization_name: "Acme Corp",
    organization_slug: "acme",
    organization_logo_url: "https://acme.example/logo.png",
    organization_external_id: "crm-42",
    trusted_metadata: { plan: "enterprise" },
    email_allowed_domains: ["acme.example"],
    email_jit_provisioning: "RESTRICTED",
    email_invites: "RESTRICTED",
    auth_methods: "RESTRICTED",
    allowed_auth_methods: ["password", "magic_link"],
    mfa_policy: "OPTIONAL",
  });
  assert.equal(res.status_code, 200);
  const o = res.organization;
  assert.match(o.organization_id, /^organization-test-[0-9a-f-]{36}$/);
  assert.equal(o.organization_slug, "acme");
  assert.equal(o.organization_external_id, "crm-42");
  assert.deepEqual(o.email_allowed_domains, ["acme.example"]);
  assert.deepEqual(o.allowed_auth_methods, ["password", "magic_link"]);
  assert.equal(o.email_jit_provisioning, "RESTRICTED");
  assert.equal(o.sso_jit_provisioning, "ALL_ALLOWED");
  assert.deepEqual(o.sso_active_connections, []);
  assert.deepEqual(o.trusted_metadata, { plan: "enterprise" });
  assert.match(o.created_at, rfc3339);
  orgID = o.organization_id;
});

await step("organizations.create refusals", async () => {
  await rejects(client.organizations.create({ organization_name: "Again", organization_slug: "acme" }), 400, "organization_slug_already_used");
  await rejects(client.organizations.create({ organization_name: "Bad", organization_slug: "a" }), 400, "invalid_organization_slug");
  await rejects(client.organizations.create({ organization_name: "Mail", email_allowed_domains: ["gmail.com"] }), 400,
    "organization_settings_domain_too_common");
});

let otherID;
await step("organizations.create with a derived slug", async () => {
  const res = await client.organizations.create({ organization_name: "Globex Inc" });
  assert.equal(res.organization.organization_slug, "globex-inc");
  assert.equal(res.organization.email_jit_provisioning, "NOT_ALLOWED");
  otherID = res.organization.organization_id;
});

await step("organizations.get by ID, slug and external ID", async () => {
  for (const id of [orgID, "acme", "crm-42"]) {
    const res = await client.organizations.get({ organization_id: id });
    assert.equal(res.organization.organization_id, orgID);
  }
  await rejects(client.organizations.get({ organization_id: "organization-test-missing" }), 404, "organization_not_found");
});

await step("organizations.update", async () => {
  const res = await client.organizations.update({
    organization_id: orgID,
    organization_name: "Acme Inc",
    trusted_metadata: { region: "eu" },
    mfa_policy: "REQUIRED_FOR_ALL",
  });
  assert.equal(res.organization.organization_name, "Acme Inc");
  assert.equal(res.organization.mfa_policy, "REQUIRED_FOR_ALL");
  assert.deepEqual(res.organization.trusted_metadata, { plan: "enterprise", region: "eu" });
  await rejects(client.organizations.update({ organization_id: otherID, organization_slug: "acme" }), 400, "organization_slug_already_used");
});

await step("organizations.search with a cursor", async () => {
  const first = await client.organizations.search({ limit: 1 });
  assert.equal(first.results_metadata.total, 2);
  assert.equal(first.organizations[0].organization_id, orgID);
  assert.ok(first.results_metadata.next_cursor);
  const second = await client.organizations.search({ limit: 1, cursor: first.results_metadata.next_cursor });
  assert.equal(second.organizations[0].organization_id, otherID);
  assert.equal(second.results_metadata.next_cursor, null);
  const found = await client.organizations.search({
    query: { operator: "OR", operands: [
      { filter_name: "allowed_domains", filter_value: ["ACME.example"] },
      { filter_name: "organization_slug_fuzzy", filter_value: "nothing" },
    ] },
  });
  assert.deepEqual(found.organizations.map((o) => o.organization_id), [orgID]);
  await rejects(client.organizations.search({ query: { operator: "XOR", operands: [] } }), 400, "invalid_search_query");
});

let memberID;
await step("organizations.members.create", async () => {
  const res = await client.organizations.members.create({
    organization_id: orgID,
    email_address: "Ada@Acme.example",
    name: "Ada Lovelace",
    trusted_metadata: { tier: "gold" },
    untrusted_metadata: { theme: "dark" },
    is_breakglass: true,
    roles: ["stytch_admin"],
    external_id: "hr-7",
  });
  assert.match(res.member_id, /^member-test-[0-9a-f-]{36}$/);
  assert.equal(res.member.member_id, res.member_id);
  assert.equal(res.member.organization_id, orgID);
  assert.equal(res.member.status, "active");
  assert.equal(res.member.is_breakglass, true);
  assert.equal(res.member.email_address_verified, false);
  assert.equal(res.member.member_password_id, "");
  // stytch_member is every member's role; roles must exist in the project's policy.
  assert.deepEqual(res.member.roles.map((r) => r.role_id), ["stytch_member", "stytch_admin"]);
  assert.equal(res.member.is_admin, true);
  await rejects(client.organizations.members.create({ organization_id: orgID, email_address: "bob@acme.example", roles: ["billing"] }),
    400, "role_not_found");
  assert.equal(res.organization.organization_id, orgID);
  memberID = res.member_id;
  await rejects(client.organizations.members.create({ organization_id: orgID, email_address: "ADA@acme.example" }), 400,
    "duplicate_member_email");
});

let otherMemberID;
await step("the same email in another organization is another member", async () => {
  const res = await client.organizations.members.create({ organization_id: otherID, email_address: "ada@acme.example",
    create_member_as_pending: true });
  assert.equal(res.member.status, "pending");
  otherMemberID = res.member_id;
});

await step("organizations.members.get by member_id, external ID and email", async () => {
  for (const params of [{ member_id: memberID }, { member_id: "hr-7" }, { email_address: "ada@ACME.example" }]) {
    const res = await client.organizations.members.get({ organization_id: "acme", ...params });
    assert.equal(res.member_id, memberID);
    assert.equal(res.organization.organization_slug, "acme");
  }
});

await step("a member of one organization is not found under another", async () => {
  await rejects(client.organizations.members.get({ organization_id: otherID, member_id: memberID }), 404, "member_not_found");
  await rejects(client.organizations.members.update({ organization_id: otherID, member_id: memberID, name: "Mallory" }), 404,
    "member_not_found");
  await rejects(client.organizations.members.delete({ organization_id: otherID, member_id: memberID }), 404, "member_not_found");
});

await step("organizations.members.dangerouslyGet", async () => {
  const res = await client.organizations.members.dangerouslyGet({ member_id: otherMemberID });
  assert.equal(res.organization.organization_id, otherID);
});

await step("organizations.members.update", async () => {
  const res = await client.organizations.members.update({
    organization_id: orgID,
    member_id: "hr-7",
    name: "Ada King",
    untrusted_metadata: { theme: null, lang: "en" },
    mfa_phone_number: "+12025550123",
    mfa_enrolled: true,
    default_mfa_method: "totp",
  });
  assert.equal(res.member.name, "Ada King");
  assert.deepEqual(res.member.untrusted_metadata, { lang: "en" });
  assert.equal(res.member.mfa_phone_number, "+12025550123");
  assert.equal(res.member.default_mfa_method, "totp");
});

await step("organizations.members.search across organizations", async () => {
  const res = await client.organizations.members.search({
    organization_ids: [orgID, otherID],
    query: { operator: "AND", operands: [{ filter_name: "member_emails", filter_value: ["ada@acme.example"] }] },
  });
  assert.deepEqual(res.members.map((m) => m.member_id), [memberID, otherMemberID]);
  assert.equal(res.results_metadata.total, 2);
  assert.deepEqual(Object.keys(res.organizations).sort(), [orgID, otherID].sort());
  const glass = await client.organizations.members.search({
    organization_ids: [orgID, otherID],
    query: { operator: "AND", operands: [{ filter_name: "member_is_breakglass", filter_value: true }] },
  });
  assert.deepEqual(glass.members.map((m) => m.member_id), [memberID]);
  await rejects(client.organizations.members.search({ organization_ids: [] }), 400, "member_search_organization_ids_empty");
});

await step("organizations.metrics", async () => {
  const res = await client.organizations.metrics({ organization_id: orgID });
  assert.equal(res.member_count, 1);
});

await step("organizations.members.deletePassword", async () => {
  // No route sets a member's password yet (B2B passwords come later), so
  // the route answers for a password no member has.
  await rejects(client.organizations.members.deletePassword({ organization_id: orgID, member_password_id: "member-password-test-none" }),
    404, "member_password_not_found");
});

await step("organizations.members.deleteExternalId", async () => {
  const res = await client.organizations.members.deleteExternalId({ organization_id: orgID, member_id: memberID });
  assert.equal(res.member.external_id, "");
  await rejects(client.organizations.members.get({ organization_id: orgID, member_id: "hr-7" }), 404, "member_not_found");
});

await step("organizations.members.delete and reactivate", async () => {
  await rejects(client.organizations.members.reactivate({ organization_id: orgID, member_id: memberID }), 404,
    "no_deleted_member_found_for_reactivation");
  const res = await client.organizations.members.delete({ organization_id: orgID, member_id: memberID });
  assert.equal(res.member_id, memberID);
  await rejects(client.organizations.members.get({ organization_id: orgID, member_id: memberID }), 404, "member_not_found");
  await rejects(client.organizations.members.dangerouslyGet({ member_id: memberID }), 404, "member_not_found");
  const kept = await client.organizations.members.dangerouslyGet({ member_id: memberID, include_deleted: true });
  assert.equal(kept.member.status, "deleted");
  // Its email never was verified, so it cannot come back (Stytch's rule).
  await rejects(client.organizations.members.reactivate({ organization_id: orgID, member_id: memberID }), 400,
    "email_unverified_for_reactivation");
  // Deleted, it gave up its email: a new member may have it.
  await client.organizations.members.create({ organization_id: orgID, email_address: "ada@acme.example" });
});

await step("a suspended organization (Signet's status) is still managed", async () => {
  const resp = await fetch(new URL(`/v1/b2b/organizations/${otherID}`, baseURL), {
    method: "PUT",
    headers: { "Content-Type": "application/json", Authorization: "Basic " + Buffer.from(`${project_id}:${secret}`).toString("base64") },
    body: JSON.stringify({ status: "suspended" }),
  });
  assert.equal(resp.status, 200);
  const res = await client.organizations.get({ organization_id: otherID });
  assert.equal(res.organization.status, "suspended");
});

await step("organizations.deleteExternalId", async () => {
  const res = await client.organizations.deleteExternalId({ organization_id: orgID });
  assert.equal(res.organization.organization_external_id, "");
  await rejects(client.organizations.get({ organization_id: "crm-42" }), 404, "organization_not_found");
});

await step("organizations.delete takes its members", async () => {
  const res = await client.organizations.delete({ organization_id: otherID });
  assert.equal(res.organization_id, otherID);
  await rejects(client.organizations.get({ organization_id: otherID }), 404, "organization_not_found");
  await rejects(client.organizations.members.dangerouslyGet({ member_id: otherMemberID, include_deleted: true }), 404, "member_not_found");
});

await step("each vertical's routes refuse the other's projects", async () => {
  const b2bAsConsumer = new stytch.Client({ project_id, secret, env: baseURL });
  await rejects(b2bAsConsumer.users.create({ email: "x@acme.example" }), 400, "invalid_consumer_endpoint");
  const consumerAsB2B = new stytch.B2BClient({ ...consumer, env: baseURL });
  await rejects(consumerAsB2B.organizations.create({ organization_name: "Nope" }), 400, "invalid_b2b_endpoint");
  await rejects(consumerAsB2B.organizations.get({ organization_id: orgID }), 400, "invalid_b2b_endpoint");
});
