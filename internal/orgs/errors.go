package orgs

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/signet-id/signet/internal/api"
)

// Kind is what sort of refusal an Error is; the management API maps it
// to an HTTP status, other callers may not need one.
type Kind int

const (
	// Invalid is wrong input (400).
	Invalid Kind = iota
	// NotFound is no such organization or member here (404). Records of
	// another project, or members of another organization, are not found
	// either: nothing says whether they exist.
	NotFound
	// Conflict is a value that must be unique and is taken. Stytch
	// answers 400.
	Conflict
	// Refused is what the organization's policy or state forbids (403).
	Refused
)

// Error is a refusal of this package, named by the Stytch error_type the
// API answers with, so that sign-in, discovery and session code built on
// the service can pass it on as it is or test for it with errors.Is.
type Error struct {
	Kind Kind
	Code string // Stytch error_type, e.g. "organization_not_found"
	Msg  string // safe to show the caller
}

func (e *Error) Error() string { return "orgs: " + e.Code + ": " + e.Msg }

// Is matches any *Error with the same Code, so errors.Is(err,
// ErrMemberNotFound) holds whatever the message.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

func refuse(kind Kind, code, format string, args ...any) *Error {
	return &Error{Kind: kind, Code: code, Msg: fmt.Sprintf(format, args...)}
}

func invalid(code, format string, args ...any) *Error {
	return refuse(Invalid, code, format, args...)
}

// Errors the service returns (others are made where they arise).
var (
	ErrOrganizationNotFound   = refuse(NotFound, "organization_not_found", "Organization could not be found.")
	ErrMemberNotFound         = refuse(NotFound, "member_not_found", "Member could not be found.")
	ErrMemberPasswordNotFound = refuse(NotFound, "member_password_not_found",
		"No member of this organization has a password with that member_password_id.")
	// ErrOrganizationSuspended refuses every sign-in to a suspended
	// organization (CanSignIn, JITEligible).
	ErrOrganizationSuspended = refuse(Refused, "organization_suspended",
		"This organization is suspended; its members cannot sign in.")
	// ErrTenancyMismatch: a member of one organization presented for
	// another (the error type of the Stytch SDK's local checks).
	ErrTenancyMismatch = refuse(Refused, "tenancy_mismatch", "The member belongs to a different organization.")
	// ErrJITNotAllowed: the organization does not provision members by
	// email domain (email_jit_provisioning is not RESTRICTED).
	ErrJITNotAllowed = refuse(Refused, "email_jit_provisioning_not_allowed",
		"This organization does not provision members by email domain.")
	// ErrEmailNotAllowed: the email's domain is not one the organization
	// allows.
	ErrEmailNotAllowed = refuse(Refused, "invalid_email_for_jit_provisioning",
		"The email address's domain is not one of the organization's email_allowed_domains.")
	// ErrAuthMethodRestricted: the organization restricts its members to
	// other authentication methods.
	// ErrConnectedAppRestricted: the organization's Connected Apps
	// settings do not let its members authorize this client.
	ErrConnectedAppRestricted = refuse(Refused, "connected_app_restricted_by_organization",
		"The organization's Connected Apps settings do not allow its members to authorize this application.")
	ErrAuthMethodRestricted = refuse(Refused, "operation_restricted_by_organization_auth_methods",
		"This organization does not allow this authentication method.")
	ErrNoDeletedMember = refuse(NotFound, "no_deleted_member_found_for_reactivation",
		"The member is not deleted; only deleted members can be reactivated.")
	ErrEmailUnverifiedForReactivation = refuse(Invalid, "email_unverified_for_reactivation",
		"Only a member whose email address was verified can be reactivated.")
	ErrReactivationEmailTaken = refuse(Conflict, "reactivation_email_belongs_to_another_member",
		"Another member of the organization has this member's email address now.")
)

// duplicate maps a store duplicate to the Stytch error for the field.
func duplicate(field string) *Error {
	switch field {
	case "organization_slug":
		return refuse(Conflict, "organization_slug_already_used", "An organization with this organization_slug already exists in the project.")
	case "organization_external_id":
		return refuse(Conflict, "duplicate_organization_external_id", "An organization with this organization_external_id already exists in the project.")
	case "member_email":
		return refuse(Conflict, "duplicate_member_email", "A member with this email address already exists in the organization.")
	case "member_external_id":
		return refuse(Conflict, "duplicate_member_external_id", "A member with this external_id already exists in the organization.")
	case "member_phone_number":
		return refuse(Conflict, "duplicate_member_phone_number", "A member with this mfa_phone_number already exists in the organization.")
	}
	return nil
}

// fromAPI turns a check of internal/api (a 400 *api.Error) into an
// Error, so the service speaks one error type.
func fromAPI(err error) error {
	var e *api.Error
	if errors.As(err, &e) && e.Status == http.StatusBadRequest {
		return invalid(e.Type, "%s", e.Message)
	}
	return err
}

// APIError is err in the Stytch envelope: an *Error with the status of its
// Kind, an *api.Error as it is, anything else a 500 whose cause is logged.
func APIError(err error) error {
	var e *Error
	var ae *api.Error
	switch {
	case errors.As(err, &e):
		status := map[Kind]int{
			Invalid:  http.StatusBadRequest,
			NotFound: http.StatusNotFound,
			Conflict: http.StatusBadRequest,
			Refused:  http.StatusForbidden,
		}[e.Kind]
		return api.Errorf(status, e.Code, "%s", e.Msg)
	case errors.As(err, &ae):
		return ae
	}
	return api.Internal(err)
}
