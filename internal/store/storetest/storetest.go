// Package storetest is the conformance suite every store backend passes,
// with no skips: the same behaviour, tested the same way, whichever
// database is underneath. A backend's test calls Run with a function that
// opens a fresh, empty, migrated store, and RunNodes with one that opens
// two stores on one such database, for what nodes sharing it must get
// right together (concurrent redemption of one code or refresh token,
// concurrent sign-in attempts counted against one budget).
//
// Every subtest opens its own store and runs in parallel with the others;
// none depends on what another left behind. Times are truncated to
// microseconds, the precision stores keep.
package storetest

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// Run runs the suite. open returns a fresh, empty store and arranges for
// it to be closed when t ends.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name  string
		tests []test
	}{
		{"Projects", projectTests},
		{"Keys", keyTests},
		{"Users", userTests},
		{"UserSearch", searchTests},
		{"Organizations", orgTests},
		{"Members", memberTests},
		{"OrganizationSearch", orgSearchTests},
		{"Sessions", sessionTests},
		{"MemberSessions", memberSessionTests},
		{"IntermediateSessions", intermediateTests},
		{"M2MClients", m2mTests},
		{"ConnectedApps", connectedTests},
		{"Consents", consentTests},
		{"AuthCodes", codeTests},
		{"Grants", grantTests},
		{"MemberGrants", memberGrantTests},
		{"RefreshTokens", refreshTests},
		{"PushedRequests", pushedTests},
		{"Banks", bankTests},
		{"BankSubjects", bankSubjectTests},
		{"BankVerifications", verifyTests},
		{"AnonymousSources", sourceTests},
		{"LoginThrottles", throttleTests},
		{"MasterKey", masterKeyTests},
		{"AuditEvents", auditTests},
		{"RBACPolicies", rbacTests},
		{"Registrations", registrationTests},
		{"Text", textTests},
		{"LogoutDeliveries", logoutTests},
		{"Changes", changeTests},
		{"Store", storeTests},
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) {
			for _, tc := range g.tests {
				t.Run(tc.name, func(t *testing.T) {
					t.Parallel()
					tc.run(t, open(t))
				})
			}
		})
	}
}

// test is one behaviour, checked on a fresh store.
type test struct {
	name string
	run  func(t *testing.T, s store.Store)
}

var storeTests = []test{
	{"Ping", func(t *testing.T, s store.Store) {
		must(t, s.Ping(t.Context()))
	}},
	sweepTest,
	probeWriteTest,
	deadlineTest,
}

// now is the current time as a store keeps it.
func now() time.Time { return store.Now(nil) }

func newID(prefix string) string { return prefix + "-test-" + uuid.NewString() }

func ptr[T any](v T) *T { return &v }

// newProject creates a project, which every other record belongs to.
func newProject(t *testing.T, s store.Store) store.Project {
	t.Helper()
	p := store.Project{
		ID:         newID("project"),
		Name:       "Test project",
		SecretHash: []byte("secret-hash"),
		TokenAlg:   "RS256",
		Vertical:   store.VerticalConsumer,
		CreatedAt:  now(),
	}
	must(t, s.CreateProject(t.Context(), p))
	return p
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// wantErr checks that err matches target (errors.Is).
func wantErr(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("got error %v, want %v", err, target)
	}
}

// wantDup checks for a *store.DuplicateError naming field, which must
// also be errors.Is store.ErrAlreadyExists.
func wantDup(t *testing.T, err error, field string) {
	t.Helper()
	var dup *store.DuplicateError
	if !errors.As(err, &dup) {
		t.Fatalf("got error %v, want *store.DuplicateError{Field: %q}", err, field)
	}
	if dup.Field != field {
		t.Fatalf("duplicate field = %q, want %q", dup.Field, field)
	}
	if !errors.Is(err, store.ErrAlreadyExists) {
		t.Fatalf("errors.Is(%v, ErrAlreadyExists) = false", err)
	}
}

// equal compares with reflect.DeepEqual and shows both sides as JSON,
// which prints pointed-to values rather than addresses.
func equal[T any](t *testing.T, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Fatalf("got:\n%s\nwant:\n%s", g, w)
	}
}

// ctx is shorthand for the test's context.
func ctx(t *testing.T) context.Context { return t.Context() }
