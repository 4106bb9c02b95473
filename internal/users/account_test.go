package users_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/users"
)

// TestServiceAccountSessions: a person ends one of their own sessions, or
// every one but the session in use, and never another user's.
func TestServiceAccountSessions(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "ada@example.com")
	e.signup(t, "bob@example.com")
	svc := bareService(e)
	ctx := t.Context()
	addr := netip.MustParseAddr("192.0.2.1")
	signIn := func(email string) users.Issued {
		t.Helper()
		_, in, err := svc.SignIn(ctx, e.projectID, email, strongPassword, addr, time.Hour)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	a1, a2, a3, b := signIn("ada@example.com"), signIn("ada@example.com"), signIn("ada@example.com"), signIn("bob@example.com")
	ada := a1.Session.UserID

	e.clock.Advance(time.Minute)
	used, err := svc.UseSession(ctx, e.projectID, a1.Token)
	if err != nil || used.ID != a1.Session.ID || !used.LastAccessedAt.After(a1.Session.LastAccessedAt) {
		t.Errorf("UseSession = %+v, %v: want the session, last used now", used, err)
	}
	if err := svc.EndUserSession(ctx, e.projectID, ada, b.Session.ID); !errors.Is(err, users.ErrSessionNotFound) {
		t.Errorf("ending another user's session: %v, want ErrSessionNotFound", err)
	}
	if _, err := svc.SessionFromToken(ctx, e.projectID, b.Token); err != nil {
		t.Errorf("the other user's session ended: %v", err)
	}
	if err := svc.EndUserSession(ctx, e.projectID, ada, a2.Session.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SessionFromToken(ctx, e.projectID, a2.Token); !errors.Is(err, users.ErrSessionNotFound) {
		t.Errorf("ended session still live: %v", err)
	}
	if n, err := svc.EndOtherSessions(ctx, e.projectID, ada, a1.Session.ID); err != nil || n != 2 {
		t.Errorf("EndOtherSessions = %d, %v; want 2 (the sign-up's and a3)", n, err)
	}
	for tok, live := range map[string]bool{a1.Token: true, a3.Token: false, b.Token: true} {
		_, err := svc.SessionFromToken(ctx, e.projectID, tok)
		if (err == nil) != live {
			t.Errorf("session live = %v, want %v", err == nil, live)
		}
	}
	if left, err := svc.UserSessions(ctx, e.projectID, ada); err != nil || len(left) != 1 || left[0].ID != a1.Session.ID {
		t.Errorf("UserSessions = %+v, %v", left, err)
	}
}

// TestServiceChangePassword: the current password is checked under the
// sign-in throttles, the new one against the policy; success ends the
// other sessions.
func TestServiceChangePassword(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "ada@example.com")
	e.alignClock()
	svc := bareService(e)
	ctx := t.Context()
	addr := netip.MustParseAddr("198.51.100.7")
	_, in, err := svc.SignIn(ctx, e.projectID, "ada@example.com", strongPassword, addr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	_, other, err := svc.SignIn(ctx, e.projectID, "ada@example.com", strongPassword, addr, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	ada, keep := in.Session.UserID, in.Session.ID
	const next = "Quiet-Harbour-Lantern-42"

	var inv *users.InvalidError
	if err := svc.ChangePassword(ctx, e.projectID, ada, strongPassword, "password", addr, keep); !errors.As(err, &inv) || inv.Code != "weak_password" {
		t.Errorf("weak new password: %v, want weak_password", err)
	}
	if err := svc.ChangePassword(ctx, e.projectID, ada, "wrong", next, addr, keep); !errors.Is(err, users.ErrBadCredentials) {
		t.Errorf("wrong current password: %v, want ErrBadCredentials", err)
	}
	if err := svc.ChangePassword(ctx, e.projectID, "user-test-nope", strongPassword, next, addr, keep); !errors.Is(err, users.ErrUserNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	if err := svc.ChangePassword(ctx, e.projectID, ada, strongPassword, next, addr, keep); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.SignIn(ctx, e.projectID, "ada@example.com", next, addr, 0); err != nil {
		t.Errorf("sign-in with the new password: %v", err)
	}
	if _, _, err := svc.SignIn(ctx, e.projectID, "ada@example.com", strongPassword, addr, 0); !errors.Is(err, users.ErrBadCredentials) {
		t.Errorf("sign-in with the old password: %v", err)
	}
	if _, err := svc.SessionFromToken(ctx, e.projectID, in.Token); err != nil {
		t.Errorf("the session in use ended: %v", err)
	}
	if _, err := svc.SessionFromToken(ctx, e.projectID, other.Token); !errors.Is(err, users.ErrSessionNotFound) {
		t.Errorf("another session survived the change: %v", err)
	}

	// Guessing the current password is throttled as sign-ins are: the
	// right one is refused unchecked once the pair is delayed.
	var throttled bool
	for i := 0; i < 10 && !throttled; i++ {
		throttled = errors.Is(svc.ChangePassword(ctx, e.projectID, ada, "wrong", strongPassword, addr, keep), users.ErrThrottled)
	}
	if !throttled {
		t.Fatal("ten wrong current passwords were never throttled")
	}
	if err := svc.ChangePassword(ctx, e.projectID, ada, next, strongPassword, addr, keep); !errors.Is(err, users.ErrThrottled) {
		t.Errorf("right current password while throttled: %v, want ErrThrottled", err)
	}
}

// TestServiceSignInFrom: the browser's User-Agent is recorded on the new
// session as text, at most MaxUserAgent bytes.
func TestServiceSignInFrom(t *testing.T) {
	e := newEnv(t)
	e.signup(t, "ada@example.com")
	svc := bareService(e)
	ctx := t.Context()
	addr := netip.MustParseAddr("192.0.2.1")
	for _, tt := range []struct{ ua, want string }{
		{"Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0", "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0"},
		{"", ""},
		{"a\x00b\xffc", "abc"},
		{strings.Repeat("é", 300), strings.Repeat("é", users.MaxUserAgent/2)},
	} {
		_, in, err := svc.SignInFrom(ctx, e.projectID, "ada@example.com", strongPassword, addr, time.Hour, tt.ua)
		if err != nil {
			t.Fatal(err)
		}
		s, err := e.st.SessionByID(ctx, e.projectID, in.Session.ID, e.clock.Now())
		if err != nil || s.UserAgent != tt.want {
			t.Errorf("stored user agent %q (%v), want %q", s.UserAgent, err, tt.want)
		}
	}
}
