package users_test

import (
	"errors"
	"go/parser"
	"go/token"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
)

// The Service used as other packages use it: built by NewService and
// called directly, with no Handler, no Mount and no HTTP request.

// bareService is a Service on e's store and keys, built from the required
// fields only (and cheap hashing and e's clock): every other default is
// NewService's own.
func bareService(e *env) *users.Service {
	return users.NewService(users.Config{
		Store: e.st, Keys: e.keys, Pepper: e.pepper, Issuer: issuer,
		Hasher: password.NewHasher(cheap, 0), Now: e.clock.Now,
	})
}

// wantNotEnvelope fails if err is an HTTP-shaped error: the service
// speaks its own domain errors, and only the handler makes envelopes.
func wantNotEnvelope(t *testing.T, what string, err error) {
	t.Helper()
	var e *api.Error
	if errors.As(err, &e) {
		t.Errorf("%s: %v is an *api.Error; want a domain error", what, err)
	}
}

// TestServiceSignInWithoutMount: a service nobody mounted signs in and
// throttles with the default policy. Before, the accounts other packages
// called were the Handler, whose clock, hasher and throttle Mount filled
// in: an unmounted one panicked on its nil clock, and a zero Throttle
// would have meant no limits at all.
func TestServiceSignInWithoutMount(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "ada@example.com")
	e.alignClock()
	svc := bareService(e)
	ctx := t.Context()
	addr := netip.MustParseAddr("198.51.100.1")

	u, in, err := svc.SignIn(ctx, e.projectID, "ada@example.com", strongPassword, addr, 0)
	if err != nil || in.Token == "" || in.JWT == "" || in.Session.UserID != u.ID {
		t.Fatalf("SignIn = %+v, %+v, %v", u, in, err)
	}
	if got := in.Session.ExpiresAt.Sub(in.Session.StartedAt); got != time.Hour {
		t.Errorf("session lasts %v, want the default hour", got)
	}
	for _, email := range []string{"ada@example.com", "nobody@example.com"} {
		_, _, err := svc.SignIn(ctx, e.projectID, email, "wrong", addr, 0)
		if !errors.Is(err, users.ErrBadCredentials) {
			t.Errorf("wrong password for %s: %v, want ErrBadCredentials", email, err)
		}
		wantNotEnvelope(t, "wrong password", err)
	}
	// DefaultThrottle: five free failures of a pair, the sixth delays it.
	var throttled error
	for i := 0; i < 10 && throttled == nil; i++ {
		if _, _, err := svc.SignIn(ctx, e.projectID, "ada@example.com", "wrong", addr, 0); errors.Is(err, users.ErrThrottled) {
			throttled = err
		}
	}
	if throttled == nil {
		t.Fatal("ten failures in a row were never throttled: the default throttle is not in force")
	}
	wantNotEnvelope(t, "throttled", throttled)
	if _, _, err := svc.SignIn(ctx, e.projectID, "ada@example.com", strongPassword, addr, 0); !errors.Is(err, users.ErrThrottled) {
		t.Errorf("right password during the delay: %v, want ErrThrottled (not checked)", err)
	}
}

// TestServiceSessions: a session started by SignIn is found by its token
// and its JWT, extended by AuthenticateSession, and gone once revoked.
func TestServiceSessions(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "ada@example.com")
	svc := bareService(e)
	ctx := t.Context()

	u, in, err := svc.SignIn(ctx, e.projectID, "ada@example.com", strongPassword, netip.MustParseAddr("192.0.2.1"), 2*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	for what, find := range map[string]func() (store.Session, error){
		"token": func() (store.Session, error) { return svc.SessionFromToken(ctx, e.projectID, in.Token) },
		"JWT":   func() (store.Session, error) { return svc.SessionFromJWT(ctx, e.projectID, in.JWT) },
	} {
		if s, err := find(); err != nil || s.ID != in.Session.ID {
			t.Errorf("by %s: %+v, %v", what, s, err)
		}
	}
	e.clock.Advance(time.Minute)
	got, ext, err := svc.AuthenticateSession(ctx, e.projectID, users.Credentials{SessionToken: in.Token},
		users.SessionOptions{Duration: 3 * time.Hour, CustomClaims: []byte(`{"team":"blue"}`)})
	if err != nil || got.ID != u.ID || ext.Session.ID != in.Session.ID || ext.Token != in.Token || ext.JWT == "" {
		t.Fatalf("AuthenticateSession = %+v, %+v, %v", got, ext, err)
	}
	if want := e.clock.Now().Add(3 * time.Hour); !ext.Session.ExpiresAt.Equal(store.Time(want)) {
		t.Errorf("extended to %v, want %v", ext.Session.ExpiresAt, want)
	}

	for _, tc := range []struct {
		name string
		opts users.SessionOptions
		code string
	}{
		{"too short", users.SessionOptions{Duration: time.Minute}, "invalid_session_duration"},
		{"reserved claim", users.SessionOptions{CustomClaims: []byte(`{"sub":"x"}`)}, "invalid_session_custom_claims"},
	} {
		_, _, err := svc.AuthenticateSession(ctx, e.projectID, users.Credentials{SessionToken: in.Token}, tc.opts)
		var inv *users.InvalidError
		if !errors.As(err, &inv) || inv.Code != tc.code {
			t.Errorf("%s: %v, want an InvalidError %s", tc.name, err, tc.code)
		}
	}

	if err := svc.RevokeSession(ctx, e.projectID, users.Credentials{SessionJWT: ext.JWT}); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"SessionFromToken": func() error { _, err := svc.SessionFromToken(ctx, e.projectID, in.Token); return err }(),
		"SessionFromJWT":   func() error { _, err := svc.SessionFromJWT(ctx, e.projectID, ext.JWT); return err }(),
		"RevokeSession":    svc.RevokeSession(ctx, e.projectID, users.Credentials{SessionID: in.Session.ID}),
		"empty token":      func() error { _, err := svc.SessionFromToken(ctx, e.projectID, ""); return err }(),
	} {
		if !errors.Is(err, users.ErrSessionNotFound) {
			t.Errorf("%s after revoke: %v, want ErrSessionNotFound", what, err)
		}
		wantNotEnvelope(t, what, err)
	}
}

// TestServiceUserErrors: the errors of the user operations are typed, and
// say which rule or field.
func TestServiceUserErrors(t *testing.T) {
	e := newEnv(t)
	svc := bareService(e)
	ctx := t.Context()

	u, err := svc.CreateUser(ctx, e.projectID, users.NewUser{Email: "ada@example.com", ExternalID: "crm-1"})
	if err != nil {
		t.Fatal(err)
	}
	var dup *users.DuplicateError
	if _, err := svc.CreateUser(ctx, e.projectID, users.NewUser{Email: "ADA@example.com"}); !errors.As(err, &dup) || dup.Field != "email" {
		t.Errorf("a taken email: %v, want DuplicateError email", err)
	}
	other, err := svc.CreateUser(ctx, e.projectID, users.NewUser{Email: "bob@example.com"})
	if err != nil {
		t.Fatal(err)
	}
	taken := "crm-1"
	if _, err := svc.UpdateUser(ctx, e.projectID, other.ID, users.UserUpdate{ExternalID: &taken}); !errors.As(err, &dup) || dup.Field != "external_id" {
		t.Errorf("a taken external ID: %v, want DuplicateError external_id", err)
	}
	var inv *users.InvalidError
	if _, err := svc.CreateUser(ctx, e.projectID, users.NewUser{Email: "not an address"}); !errors.As(err, &inv) || inv.Code != "invalid_email" {
		t.Errorf("a bad email: %v, want InvalidError invalid_email", err)
	}
	// The rules every Stytch record shares live in internal/api; the
	// service hands on their refusals as its own error, never *api.Error.
	var apiErr *api.Error
	tooMany := make([]string, api.MaxRoles+1)
	for i := range tooMany {
		tooMany[i] = "role"
	}
	for what, err := range map[string]error{
		"invalid_phone_number": func() error {
			_, err := svc.CreateUser(ctx, e.projectID, users.NewUser{PhoneNumber: "555"})
			return err
		}(),
		"invalid_metadata": func() error {
			_, err := svc.UpdateUser(ctx, e.projectID, other.ID, users.UserUpdate{TrustedMetadata: []byte(`[1]`)})
			return err
		}(),
		"invalid_roles": func() error {
			_, err := svc.UpdateUser(ctx, e.projectID, other.ID, users.UserUpdate{Roles: &tooMany})
			return err
		}(),
	} {
		if !errors.As(err, &inv) || inv.Code != what || errors.As(err, &apiErr) {
			t.Errorf("%s: %v, want only an InvalidError %s", what, err, what)
		}
	}
	if _, _, err := svc.CreatePasswordUser(ctx, e.projectID, users.NewUser{Email: "carol@example.com"}, "abc", users.SessionOptions{}); !errors.As(err, &inv) || inv.Code != "weak_password" {
		t.Errorf("a weak password: %v, want InvalidError weak_password", err)
	}
	if got, err := svc.User(ctx, e.projectID, "crm-1"); err != nil || got.ID != u.ID {
		t.Errorf("by external ID: %+v, %v", got, err)
	}
	if _, err := svc.DeleteUser(ctx, e.projectID, u.ID); err != nil {
		t.Fatal(err)
	}
	for what, err := range map[string]error{
		"User":       func() error { _, err := svc.User(ctx, e.projectID, u.ID); return err }(),
		"DeleteUser": func() error { _, err := svc.DeleteUser(ctx, e.projectID, u.ID); return err }(),
		"Sessions":   func() error { _, err := svc.Sessions(ctx, e.projectID, u.ID); return err }(),
		"UpdateUser": func() error { _, err := svc.UpdateUser(ctx, e.projectID, u.ID, users.UserUpdate{}); return err }(),
	} {
		if !errors.Is(err, users.ErrUserNotFound) {
			t.Errorf("%s of a deleted user: %v, want ErrUserNotFound", what, err)
		}
		wantNotEnvelope(t, what, err)
	}
}

// TestServiceBankVerificationErrors: what the bank flow tells apart, by
// errors.Is and errors.As rather than by HTTP status.
func TestServiceBankVerificationErrors(t *testing.T) {
	e := newEnv(t)
	svc := bareService(e)
	ctx := t.Context()
	if _, err := svc.CreateUser(ctx, e.projectID, users.NewUser{Email: "ada@example.com"}); err != nil {
		t.Fatal(err)
	}

	_, err := svc.RecordBankVerification(ctx, e.projectID, bankID("cust-1", map[string]any{"email": "ada@example.com", "email_verified": true}))
	if !errors.Is(err, users.ErrBankEmailConflict) {
		t.Errorf("an unverified address on both sides: %v, want ErrBankEmailConflict", err)
	}
	wantNotEnvelope(t, "email conflict", err)

	link := bankID("cust-2", nil)
	link.LinkUserID = "user-test-gone"
	if _, err := svc.RecordBankVerification(ctx, e.projectID, link); !errors.Is(err, users.ErrUserNotFound) {
		t.Errorf("a link to no user: %v, want ErrUserNotFound", err)
	}
	var inv *users.InvalidError
	if _, err := svc.RecordBankVerification(ctx, e.projectID, bankID("", nil)); !errors.As(err, &inv) || inv.Code != "invalid_bank_identity" {
		t.Errorf("no subject: %v, want InvalidError invalid_bank_identity", err)
	}

	res, err := svc.RecordBankVerification(ctx, e.projectID, bankID("cust-3", map[string]any{"given_name": "Grace"}))
	if err != nil || !res.Created {
		t.Fatalf("a new customer: %+v, %v", res, err)
	}
	in, err := svc.StartBankSession(ctx, e.projectID, res, 0)
	if err != nil || in.Token == "" || in.Session.Factors[0].DeliveryMethod != "oauth_bank" {
		t.Fatalf("StartBankSession = %+v, %v", in, err)
	}
	if s, err := svc.SessionFromToken(ctx, e.projectID, in.Token); err != nil || s.UserID != res.User.ID {
		t.Errorf("the bank session by its token: %+v, %v", s, err)
	}
	if _, err := svc.DeleteUser(ctx, e.projectID, res.User.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.StartBankSession(ctx, e.projectID, res, 0); !errors.Is(err, users.ErrUserNotFound) {
		t.Errorf("a session for a deleted user: %v, want ErrUserNotFound", err)
	}
}

// TestServiceFilesKnowNoHTTP is the package's own fence: only the
// handler*.go files (the management API's thin layer) import net/http or
// internal/api; the service's files speak domain errors. fields.go alone
// may import internal/api, for the field rules every Stytch record shares,
// whose refusals it turns into *InvalidError (never net/http).
func TestServiceFilesKnowNoHTTP(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasPrefix(name, "handler") || strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		f, err := parser.ParseFile(fset, name, src, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range f.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "net/http" || path == "github.com/signet-id/signet/internal/api" && name != "fields.go" {
				t.Errorf("%s imports %s: only handler*.go files may", name, path)
			}
		}
	}
}
