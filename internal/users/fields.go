package users

import (
	"encoding/json"
	"errors"

	"github.com/signet-id/signet/internal/api"
)

// The fields every Stytch record shares (email, phone number, external
// ID, metadata, roles) have one rule each, in internal/api, which users,
// organizations and members all apply. This file is the service's one
// bridge to them: the checks are pure functions of their input, and each
// refusal, a 400 *api.Error, comes back as an *InvalidError with the same
// code and message, so the service speaks only domain errors and the
// management API sends what it would have sent had it called the check
// itself.

// maxNamePart bounds each part of a name (the shared limit).
const maxNamePart = api.MaxNamePart

func checkEmail(s string) error       { return fromAPI(api.CheckEmail(s)) }
func checkPhone(s string) error       { return fromAPI(api.CheckPhone(s)) }
func checkExternalID(s string) error  { return fromAPI(api.CheckExternalID(s)) }
func checkRoles(roles []string) error { return fromAPI(api.CheckRoles(roles)) }
func truncate(s string) string        { return api.Truncate(s) }

// metadataObject checks a metadata document and returns it compacted; an
// absent or null document is nil. field names it in the error.
func metadataObject(field string, raw json.RawMessage) (json.RawMessage, error) {
	m, err := api.MetadataObject(field, raw)
	return m, fromAPI(err)
}

// mergeMetadata applies an update to stored metadata the Stytch way
// (api.MergeMetadata: top-level keys replace, null deletes).
func mergeMetadata(field string, stored, update json.RawMessage) (json.RawMessage, error) {
	m, err := api.MergeMetadata(field, stored, update)
	return m, fromAPI(err)
}

// fromAPI turns a refusal of a shared check into an *InvalidError. An
// *api.Error with a cause is a fault, not a rule (api.Internal), and
// becomes that cause again.
func fromAPI(err error) error {
	var e *api.Error
	if !errors.As(err, &e) {
		return err
	}
	if cause := e.Unwrap(); cause != nil {
		return cause
	}
	return &InvalidError{Code: e.Type, Message: e.Message}
}
