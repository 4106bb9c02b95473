package users

import (
	"context"
	"encoding/hex"
	"net/netip"

	"github.com/signet-id/signet/internal/clientip"
	"github.com/signet-id/signet/internal/store"
)

// GuardCredential runs a credential check of another package (a B2B
// member's password, internal/memberauth) under the same sign-in
// throttles as AuthenticatePassword and SignIn (package doc), counted in
// the same store, with the same policy: the attempt is counted first and
// refused with ErrThrottled before check runs if a limit is reached;
// then a false from check is a failure (ErrBadCredentials) and a true a
// success, which resets the (account, address) pair and makes client a
// known address of the account.
//
// account names the account whatever the caller's namespace (a member is
// its organization ID and lowercased email); it is hashed with the pepper
// under a prefix of its own, so it never shares counters with a user's
// email. check must cost the same whether or not the account exists (a
// dummy hash when there is none), or the timing tells which exist.
func (s *Service) GuardCredential(ctx context.Context, projectID, account string, client netip.Addr, check func(context.Context) (bool, error)) error {
	sum := s.pepper.Hash("signet/login-credential/v1:" + account)
	a := store.LoginAttempt{ProjectID: projectID, Account: hex.EncodeToString(sum[:16]), Address: clientip.Key(client)}
	now := store.Now(s.clock)
	if err := s.admit(ctx, a, now); err != nil {
		return err
	}
	ok, err := check(ctx)
	if err != nil {
		return err
	}
	if !ok {
		if err := s.store.LoginFailed(ctx, a, s.throttle.policy(), now); err != nil {
			return err
		}
		return ErrBadCredentials
	}
	return s.store.LoginSucceeded(ctx, a, s.throttle.policy(), now)
}
