// Package orgs is Stytch B2B's organizations and members: a Service that
// works without HTTP (validation, defaults, the organization's policy, the
// store operations; errors are *Error named by Stytch error types) and a
// thin Handler serving it on the management API, for B2B projects only
// (a consumer project gets invalid_b2b_endpoint, see internal/api). The
// wire reference is the stytch npm SDK 14.2.0 (dist/b2b/organizations*.js,
// types/lib/b2b/organizations*.d.ts).
//
//	POST   /v1/b2b/organizations                                  create
//	POST   /v1/b2b/organizations/search                           search (users search's operators and cursors)
//	GET    /v1/b2b/organizations/{organization_id}                get by ID, slug or external ID
//	PUT    /v1/b2b/organizations/{organization_id}                update settings, merge trusted_metadata
//	DELETE /v1/b2b/organizations/{organization_id}                delete with every member
//	GET    /v1/b2b/organizations/{organization_id}/metrics        member_count
//	DELETE /v1/b2b/organizations/{organization_id}/external_id    remove the external ID
//	POST   /v1/b2b/organizations/{organization_id}/members        create a member
//	GET    /v1/b2b/organizations/{organization_id}/member         get by ?member_id= or ?email_address=
//	PUT    /v1/b2b/organizations/{organization_id}/members/{member_id}              update
//	DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}              delete (status deleted)
//	PUT    /v1/b2b/organizations/{organization_id}/members/{member_id}/reactivate   undelete
//	DELETE /v1/b2b/organizations/{organization_id}/members/{member_id}/external_id  remove the external ID
//	DELETE /v1/b2b/organizations/{organization_id}/members/passwords/{member_password_id}
//	POST   /v1/b2b/organizations/members/search                   search across organizations
//	GET    /v1/b2b/organizations/members/dangerously_get/{member_id}  by member ID alone
//
// Wherever a route takes {organization_id} it also takes the slug or the
// external ID; {member_id} also takes the member's external ID (except
// reactivate, as Stytch's). A member is only ever found under its own
// organization: a member of organization A addressed under organization B
// is member_not_found, like an unknown ID, and so is every record of
// another project.
//
// Where Stytch is undocumented, this is what Signet does:
//
//   - Deleting a member keeps its record with status "deleted" (Stytch's
//     reactivate and dangerously_get?include_deleted imply it) and removes
//     its password; the member gives up its email address and external ID,
//     which another member may take ("A Member's email address can only be
//     useable again by other Members if the Member is deleted"). Deleted
//     members are left out of get, update and search unless a search's
//     statuses names "deleted". Reactivating needs a verified email
//     (email_unverified_for_reactivation) that nobody took meanwhile
//     (reactivation_email_belongs_to_another_member). Deleting an
//     organization deletes its members outright, in one transaction.
//   - An organization without organization_slug gets one made from its
//     name (lower case, other characters as '-'), with a random suffix if
//     that is taken.
//   - An organization's status ("active" or "suspended") is a Signet
//     extension on the Organization object and in update's body; members
//     of a suspended organization cannot sign in (CanSignIn, JITEligible:
//     organization_suspended, 403), while the management API still
//     manages it.
//   - A RESTRICTED email_jit_provisioning or email_invites with no
//     email_allowed_domains, or a RESTRICTED auth_methods or mfa_methods
//     with an empty list, is refused rather than stored: it would shut
//     everyone out. Domains are folded to lower case; public mail
//     providers (gmail.com, ...) are refused, as Stytch refuses its
//     "common email domains". JIT provisioning matches the email's domain
//     exactly.
//   - Settings of features Signet lacks (SSO, SCIM, OAuth tenants, claimed
//     domains) are not stored and show the values of an organization that
//     uses none; custom_roles shows none (an organization's roles are served
//     by /v1/b2b/rbac/organizations/{organization_id}, package rbac).
//   - rbac_email_implicit_role_assignments ([{domain, role_id}], on create
//     and update, replaced whole) gives every member whose email address
//     is at domain (exactly, case-insensitively: a subdomain is another
//     domain) the role. A member's roles (roles on members.create/update,
//     passwords.migrate) and the assigned roles must be roles of the
//     project's policy or of the organization's own (400 role_not_found,
//     Signet's type); an assignment without a domain or role_id, or whose
//     domain is not a domain name, is invalid_rbac_role_assignment
//     (Stytch's). A policy change may remove a role still assigned: the
//     assignment stays, is reported, and grants nothing.
//   - A member's roles are reported as Stytch's Member.roles
//     (rbac.MemberRoles): stytch_member, which every member holds, then
//     those assigned, then those its email domain is given, each once with
//     every source ({type: direct_assignment, details: {}} or {type:
//     email_assignment, details: {email_domain}}); stytch_member's source
//     is direct_assignment. is_admin says whether one of them is
//     stytch_admin. These effective roles are what authorization checks
//     count (internal/memberauth).
//   - The authorization option (a member session acting as caller) is
//     ignored: the project secret already allows everything.
//   - Duplicates are 400 (organization_slug_already_used,
//     duplicate_organization_external_id, duplicate_member_email,
//     duplicate_member_external_id, duplicate_member_phone_number).
//
// Sign-in code (B2B passwords, discovery, sessions, the hosted pages)
// asks the organization's policy through CanSignIn, JITEligible and
// Service.ProvisionJIT rather than reading the settings itself.
package orgs
