package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// WithDeadline returns s with every operation bounded by timeout, so a
// database that stops answering (a frozen server, a lost network, a write
// lock held elsewhere) costs a request at most timeout instead of holding it,
// its connection and its goroutine for as long as the fault lasts.
//
// Each call runs under its own context.WithTimeout of the caller's context:
// the deadline covers waiting for a pooled connection, connecting, every
// statement and the commit. An operation that fails because its deadline
// passed (or the caller's, if earlier) returns an error wrapping
// ErrUnavailable, as does one that fails for a reason s classifies as the
// database being out of reach (see Unavailabler). Other errors, and
// successes, are returned as they are. Nothing is retried: when the database
// answers again, the next call simply works.
//
// Sweep and Close are not bounded: the sweeper is background maintenance
// whose run grows with what expired, and no request waits for it.
//
// The wrapper lists every Store method, so a method added to Store does not
// compile until it is bounded here too.
func WithDeadline(s Store, timeout time.Duration) Store {
	d := &deadlined{s: s, timeout: timeout}
	if u, ok := s.(Unavailabler); ok {
		d.down = u.Unavailable
	}
	return d
}

// Unavailabler is implemented by a backend that can tell a database out of
// reach (no connection, disk full, read-only) from a failed operation.
type Unavailabler interface {
	Unavailable(err error) bool
}

type deadlined struct {
	s       Store
	timeout time.Duration
	down    func(error) bool // nil: only deadlines count
}

var _ Store = (*deadlined)(nil)

// check maps err to ErrUnavailable when the operation's context ran out or
// the backend says the database is out of reach. A context error can come
// back disguised (database/sql reports a statement after its transaction's
// context ended as sql.ErrTxDone), hence the test of ctx itself.
func (d *deadlined) check(ctx context.Context, err error) error {
	switch {
	case err == nil, errors.Is(err, ErrUnavailable):
		return err
	case errors.Is(err, context.DeadlineExceeded), errors.Is(ctx.Err(), context.DeadlineExceeded),
		d.down != nil && d.down(err):
		return fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	return err
}

func do(ctx context.Context, d *deadlined, op func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	return d.check(ctx, op(ctx))
}

func get[T any](ctx context.Context, d *deadlined, op func(context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	v, err := op(ctx)
	return v, d.check(ctx, err)
}

func (d *deadlined) Sweep(ctx context.Context, now time.Time) (int, error) {
	return d.s.Sweep(ctx, now)
}

func (d *deadlined) Close() error { return d.s.Close() }

func (d *deadlined) RefreshToken(ctx context.Context, hash []byte, now time.Time) (RefreshToken, Grant, error) {
	ctx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	t, g, err := d.s.RefreshToken(ctx, hash, now)
	return t, g, d.check(ctx, err)
}

func (d *deadlined) CreateProject(ctx context.Context, p Project) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateProject(ctx, p) })
}

func (d *deadlined) Project(ctx context.Context, id string) (Project, error) {
	return get(ctx, d, func(ctx context.Context) (Project, error) { return d.s.Project(ctx, id) })
}

func (d *deadlined) ListProjects(ctx context.Context) ([]Project, error) {
	return get(ctx, d, func(ctx context.Context) ([]Project, error) { return d.s.ListProjects(ctx) })
}

func (d *deadlined) SetProjectTokenAlg(ctx context.Context, id, alg string) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.SetProjectTokenAlg(ctx, id, alg) })
}

func (d *deadlined) ProjectKeys(ctx context.Context, projectID string, now time.Time) ([]Key, error) {
	return get(ctx, d, func(ctx context.Context) ([]Key, error) { return d.s.ProjectKeys(ctx, projectID, now) })
}

func (d *deadlined) RotateKey(ctx context.Context, k Key, removeAt time.Time) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.RotateKey(ctx, k, removeAt) })
}

func (d *deadlined) CreateUser(ctx context.Context, u User) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateUser(ctx, u) })
}

func (d *deadlined) User(ctx context.Context, projectID, idOrExternalID string) (User, error) {
	return get(ctx, d, func(ctx context.Context) (User, error) { return d.s.User(ctx, projectID, idOrExternalID) })
}

func (d *deadlined) UserByEmail(ctx context.Context, projectID, email string) (User, error) {
	return get(ctx, d, func(ctx context.Context) (User, error) { return d.s.UserByEmail(ctx, projectID, email) })
}

func (d *deadlined) UserByBankSubject(ctx context.Context, projectID, issuer, subject string) (User, error) {
	return get(ctx, d, func(ctx context.Context) (User, error) { return d.s.UserByBankSubject(ctx, projectID, issuer, subject) })
}

func (d *deadlined) UpdateUser(ctx context.Context, projectID, userID string, fn func(*User) error) (User, error) {
	return get(ctx, d, func(ctx context.Context) (User, error) { return d.s.UpdateUser(ctx, projectID, userID, fn) })
}

func (d *deadlined) DeleteUser(ctx context.Context, projectID, userID string) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.DeleteUser(ctx, projectID, userID) })
}

func (d *deadlined) SearchUsers(ctx context.Context, projectID string, q UserQuery) (UserResult, error) {
	return get(ctx, d, func(ctx context.Context) (UserResult, error) { return d.s.SearchUsers(ctx, projectID, q) })
}

func (d *deadlined) SetPassword(ctx context.Context, projectID, userID string, p Password) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.SetPassword(ctx, projectID, userID, p) })
}

func (d *deadlined) ClaimLoginAttempt(ctx context.Context, a LoginAttempt, p LoginPolicy, now time.Time) (LoginClaim, error) {
	return get(ctx, d, func(ctx context.Context) (LoginClaim, error) { return d.s.ClaimLoginAttempt(ctx, a, p, now) })
}

func (d *deadlined) LoginFailed(ctx context.Context, a LoginAttempt, p LoginPolicy, now time.Time) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.LoginFailed(ctx, a, p, now) })
}

func (d *deadlined) LoginSucceeded(ctx context.Context, a LoginAttempt, p LoginPolicy, now time.Time) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.LoginSucceeded(ctx, a, p, now) })
}

func (d *deadlined) LiftLoginLock(ctx context.Context, a LoginAttempt) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.LiftLoginLock(ctx, a) })
}

func (d *deadlined) CreateSession(ctx context.Context, s Session) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateSession(ctx, s) })
}

func (d *deadlined) SessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (Session, error) {
	return get(ctx, d, func(ctx context.Context) (Session, error) { return d.s.SessionByToken(ctx, projectID, tokenHash, now) })
}

func (d *deadlined) SessionByID(ctx context.Context, projectID, sessionID string, now time.Time) (Session, error) {
	return get(ctx, d, func(ctx context.Context) (Session, error) { return d.s.SessionByID(ctx, projectID, sessionID, now) })
}

func (d *deadlined) TouchSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, customClaims json.RawMessage) (Session, error) {
	return get(ctx, d, func(ctx context.Context) (Session, error) {
		return d.s.TouchSession(ctx, projectID, sessionID, now, expiresAt, customClaims)
	})
}

func (d *deadlined) UserSessions(ctx context.Context, projectID, userID string, now time.Time) ([]Session, error) {
	return get(ctx, d, func(ctx context.Context) ([]Session, error) { return d.s.UserSessions(ctx, projectID, userID, now) })
}

func (d *deadlined) RevokeSession(ctx context.Context, projectID, sessionID string) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.RevokeSession(ctx, projectID, sessionID) })
}

func (d *deadlined) CreateM2MClient(ctx context.Context, c M2MClient) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateM2MClient(ctx, c) })
}

func (d *deadlined) M2MClient(ctx context.Context, projectID, clientID string) (M2MClient, error) {
	return get(ctx, d, func(ctx context.Context) (M2MClient, error) { return d.s.M2MClient(ctx, projectID, clientID) })
}

func (d *deadlined) UpdateM2MClient(ctx context.Context, projectID, clientID string, fn func(*M2MClient) error) (M2MClient, error) {
	return get(ctx, d, func(ctx context.Context) (M2MClient, error) { return d.s.UpdateM2MClient(ctx, projectID, clientID, fn) })
}

func (d *deadlined) DeleteM2MClient(ctx context.Context, projectID, clientID string) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.DeleteM2MClient(ctx, projectID, clientID) })
}

func (d *deadlined) SearchM2MClients(ctx context.Context, projectID string, q M2MQuery) (M2MResult, error) {
	return get(ctx, d, func(ctx context.Context) (M2MResult, error) { return d.s.SearchM2MClients(ctx, projectID, q) })
}

func (d *deadlined) CreateConnectedApp(ctx context.Context, c ConnectedApp) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateConnectedApp(ctx, c) })
}

func (d *deadlined) ConnectedApp(ctx context.Context, projectID, clientID string) (ConnectedApp, error) {
	return get(ctx, d, func(ctx context.Context) (ConnectedApp, error) { return d.s.ConnectedApp(ctx, projectID, clientID) })
}

func (d *deadlined) UpdateConnectedApp(ctx context.Context, projectID, clientID string, fn func(*ConnectedApp) error) (ConnectedApp, error) {
	return get(ctx, d, func(ctx context.Context) (ConnectedApp, error) {
		return d.s.UpdateConnectedApp(ctx, projectID, clientID, fn)
	})
}

func (d *deadlined) DeleteConnectedApp(ctx context.Context, projectID, clientID string) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.DeleteConnectedApp(ctx, projectID, clientID) })
}

func (d *deadlined) SearchConnectedApps(ctx context.Context, projectID string, p Page) (ConnectedAppResult, error) {
	return get(ctx, d, func(ctx context.Context) (ConnectedAppResult, error) {
		return d.s.SearchConnectedApps(ctx, projectID, p)
	})
}

func (d *deadlined) SaveConsent(ctx context.Context, c Consent) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.SaveConsent(ctx, c) })
}

func (d *deadlined) Consent(ctx context.Context, projectID, userID, clientID string) (Consent, error) {
	return get(ctx, d, func(ctx context.Context) (Consent, error) { return d.s.Consent(ctx, projectID, userID, clientID) })
}

func (d *deadlined) UserConsents(ctx context.Context, projectID, userID string) ([]Consent, error) {
	return get(ctx, d, func(ctx context.Context) ([]Consent, error) { return d.s.UserConsents(ctx, projectID, userID) })
}

func (d *deadlined) RevokeConsent(ctx context.Context, projectID, userID, clientID string, now time.Time) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.RevokeConsent(ctx, projectID, userID, clientID, now) })
}

func (d *deadlined) CreateAuthCode(ctx context.Context, c AuthCode) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateAuthCode(ctx, c) })
}

func (d *deadlined) RedeemAuthCode(ctx context.Context, hash []byte, now time.Time, issue func(AuthCode) (Grant, error)) (Grant, error) {
	return get(ctx, d, func(ctx context.Context) (Grant, error) { return d.s.RedeemAuthCode(ctx, hash, now, issue) })
}

func (d *deadlined) Grant(ctx context.Context, projectID, grantID string, now time.Time) (Grant, error) {
	return get(ctx, d, func(ctx context.Context) (Grant, error) { return d.s.Grant(ctx, projectID, grantID, now) })
}

func (d *deadlined) RevokeGrant(ctx context.Context, projectID, grantID string, now time.Time) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.RevokeGrant(ctx, projectID, grantID, now) })
}

func (d *deadlined) CreateRefreshToken(ctx context.Context, t RefreshToken) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateRefreshToken(ctx, t) })
}

func (d *deadlined) RotateRefreshToken(ctx context.Context, hash []byte, now time.Time, grace time.Duration, next func(Grant) (RefreshToken, error)) (Grant, error) {
	return get(ctx, d, func(ctx context.Context) (Grant, error) { return d.s.RotateRefreshToken(ctx, hash, now, grace, next) })
}

func (d *deadlined) RefreshTokenGrant(ctx context.Context, hash []byte, now time.Time) (Grant, error) {
	return get(ctx, d, func(ctx context.Context) (Grant, error) { return d.s.RefreshTokenGrant(ctx, hash, now) })
}

func (d *deadlined) CreatePushedRequest(ctx context.Context, r PushedRequest) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreatePushedRequest(ctx, r) })
}

func (d *deadlined) ConsumePushedRequest(ctx context.Context, hash []byte, now time.Time) (PushedRequest, error) {
	return get(ctx, d, func(ctx context.Context) (PushedRequest, error) { return d.s.ConsumePushedRequest(ctx, hash, now) })
}

func (d *deadlined) UseJTI(ctx context.Context, clientID, jti string, exp time.Time) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.UseJTI(ctx, clientID, jti, exp) })
}

func (d *deadlined) CreateBank(ctx context.Context, b Bank) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateBank(ctx, b) })
}

func (d *deadlined) Bank(ctx context.Context, projectID, bankID string) (Bank, error) {
	return get(ctx, d, func(ctx context.Context) (Bank, error) { return d.s.Bank(ctx, projectID, bankID) })
}

func (d *deadlined) Banks(ctx context.Context, projectID string) ([]Bank, error) {
	return get(ctx, d, func(ctx context.Context) ([]Bank, error) { return d.s.Banks(ctx, projectID) })
}

func (d *deadlined) UpdateBank(ctx context.Context, projectID, bankID string, fn func(*Bank) error) (Bank, error) {
	return get(ctx, d, func(ctx context.Context) (Bank, error) { return d.s.UpdateBank(ctx, projectID, bankID, fn) })
}

func (d *deadlined) DeleteBank(ctx context.Context, projectID, bankID string) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.DeleteBank(ctx, projectID, bankID) })
}

func (d *deadlined) CreateBankVerification(ctx context.Context, v BankVerification, perSource int) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.CreateBankVerification(ctx, v, perSource) })
}

func (d *deadlined) BankVerification(ctx context.Context, id string, now time.Time) (BankVerification, error) {
	return get(ctx, d, func(ctx context.Context) (BankVerification, error) { return d.s.BankVerification(ctx, id, now) })
}

func (d *deadlined) UpdateBankVerification(ctx context.Context, id string, now time.Time, fn func(*BankVerification) error) (BankVerification, error) {
	return get(ctx, d, func(ctx context.Context) (BankVerification, error) {
		return d.s.UpdateBankVerification(ctx, id, now, fn)
	})
}

func (d *deadlined) RememberBank(ctx context.Context, c BankChoice, perSource int) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.RememberBank(ctx, c, perSource) })
}

func (d *deadlined) RememberedBank(ctx context.Context, projectID string, visitorHash []byte, now time.Time) (BankChoice, error) {
	return get(ctx, d, func(ctx context.Context) (BankChoice, error) {
		return d.s.RememberedBank(ctx, projectID, visitorHash, now)
	})
}

func (d *deadlined) Ping(ctx context.Context) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.Ping(ctx) })
}

func (d *deadlined) ProbeWrite(ctx context.Context) error {
	return do(ctx, d, func(ctx context.Context) error { return d.s.ProbeWrite(ctx) })
}
