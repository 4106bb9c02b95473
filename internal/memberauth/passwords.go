package memberauth

import (
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/store"
)

// PasswordSignIn is a password sign-in to one organization.
type PasswordSignIn struct {
	Organization string // its ID, slug or external ID
	Email        string
	Password     string
	Client       netip.Addr // the client's address, for the throttles
	// Existing names a session of the same member to extend instead of
	// starting a new one (optional).
	Existing Credentials
	Options  SessionOptions
}

// AuthenticatePassword signs a member in with its email and password
// (B2B passwords.authenticate). In order:
//
//   - the organization must exist (orgs.ErrOrganizationNotFound) and not
//     be suspended (orgs.ErrOrganizationSuspended), which says nothing of
//     its members;
//   - the password is checked under the consumer sign-in's throttles,
//     counted per organization and email (users.ErrThrottled before any
//     check, users.ErrBadCredentials for a wrong password, an unknown
//     email or a member without a password alike, each costing one hash);
//   - then the organization's policy (orgs.CanSignIn: a RESTRICTED
//     auth_methods without "password" refuses unless the member is
//     break-glass), and the member's status: an invited member is
//     ErrMemberNotActive, a pending one becomes active (Stytch activates
//     a pending member at its first authentication).
//
// These come after the password so they tell only its holder about the
// member. A stored hash that predates the current parameters, or was
// imported by Migrate, is replaced by a fresh argon2id hash.
func (s *Service) AuthenticatePassword(ctx context.Context, projectID string, in PasswordSignIn) (Issued, error) {
	if err := in.Options.check(); err != nil {
		return Issued{}, err
	}
	o, err := s.orgs.Organization(ctx, projectID, in.Organization)
	if err != nil {
		return Issued{}, err
	}
	if o.Status == orgs.StatusSuspended {
		return Issued{}, orgs.ErrOrganizationSuspended
	}
	m, err := s.checkPassword(ctx, o, in.Email, in.Password, in.Client)
	if err != nil {
		return Issued{}, err
	}
	if err := orgs.CanSignIn(o, m, "password"); err != nil {
		return Issued{}, err
	}
	if m.Status == orgs.MemberInvited {
		return Issued{}, ErrMemberNotActive
	}
	if in.Existing.Count() == 0 {
		if err := mfaSatisfied(o, m); err != nil {
			return Issued{}, err
		}
		if m, err = s.orgs.Activate(ctx, m); err != nil {
			return Issued{}, err
		}
		return s.startSession(ctx, o, m, passwordFactor(m, store.Now(s.clock)), orDefault(in.Options.Duration), in.Options.CustomClaims)
	}
	// With a session of the member, no MFA step is due (Stytch: "If a
	// valid session_token or session_jwt is passed in, the Member will not
	// be required to complete an MFA step").
	l, err := s.find(ctx, projectID, in.Existing)
	if err != nil {
		return Issued{}, err
	}
	if l.sess.MemberID != m.ID || l.sess.OrganizationID != o.ID {
		return Issued{}, ErrSessionMemberMismatch
	}
	if m, err = s.orgs.Activate(ctx, m); err != nil {
		return Issued{}, err
	}
	sess, jwt, err := s.extend(ctx, l.sess, m, o, in.Options.Duration, in.Options.CustomClaims)
	if err != nil {
		return Issued{}, err
	}
	return Issued{Session: sess, Member: m, Organization: o, Token: in.Existing.SessionToken, JWT: jwt}, nil
}

// checkPassword returns the member of o with this email whose password
// this is, checked under the throttles. A member that is not found or has
// no password costs a dummy hash and is ErrBadCredentials, as a wrong
// password is.
func (s *Service) checkPassword(ctx context.Context, o store.Organization, email, pw string, client netip.Addr) (store.Member, error) {
	var (
		m      store.Member
		rehash bool
	)
	account := o.ID + " " + strings.ToLower(email)
	err := s.guard.GuardCredential(ctx, o.ProjectID, account, client, func(ctx context.Context) (bool, error) {
		var err error
		m, _, err = s.orgs.MemberByEmail(ctx, o.ProjectID, o.ID, email)
		if errors.Is(err, orgs.ErrMemberNotFound) || (err == nil && m.Password == nil) {
			return false, s.hasher.Dummy(ctx, pw)
		} else if err != nil {
			return false, err
		}
		var ok bool
		ok, rehash, err = s.hasher.Verify(ctx, pw, m.Password.Hash)
		if errors.Is(err, password.ErrMalformed) {
			return false, nil // a hash no one can match: a wrong password, not a fault
		}
		return ok, err
	})
	if err != nil {
		return store.Member{}, err
	}
	if rehash {
		// While the plain password is at hand; a failure only postpones it.
		if hash, err := s.hasher.Hash(ctx, pw); err == nil {
			np := *m.Password
			np.Hash = hash
			if s.store.SetMemberPassword(ctx, o.ProjectID, m.ID, np) == nil {
				m.Password = &np
			}
		}
	}
	return m, nil
}

// mfaSatisfied refuses a sign-in that would need an MFA step
// (ErrMFAUnsupported): Stytch requires one when the organization's
// mfa_policy is REQUIRED_FOR_ALL or the member is mfa_enrolled.
func mfaSatisfied(o store.Organization, m store.Member) error {
	if o.MFAPolicy == orgs.MFARequiredForAll || m.MFAEnrolled {
		return ErrMFAUnsupported
	}
	return nil
}

// passwordFactor is the AuthenticationFactor of a password check: type
// password, delivery method knowledge, with the member's email.
func passwordFactor(m store.Member, at time.Time) store.Factor {
	f := store.Factor{Type: "password", DeliveryMethod: "knowledge", LastAuthenticatedAt: at, CreatedAt: at, UpdatedAt: at,
		DetailName: "email_factor"}
	f.Detail, _ = json.Marshal(map[string]string{"email_address": m.Email})
	return f
}

// CheckStrength judges a candidate password (email may be empty).
func (s *Service) CheckStrength(pw, email string) password.Strength {
	return s.policy.Check(pw, email)
}

// Migration is a passwords.migrate request: a member's hashed password
// from another system, and the member's fields for when it is created.
type Migration struct {
	Organization string
	Hash         password.Legacy
	Member       orgs.MemberFields // Email required
}

// MigratePassword stores an imported password hash for the member of the
// organization with the email, creating the member if there is none
// (orgs.Service.ImportMember). The hash is checked first (an
// unsupported hash_type is invalid_hash_type, a malformed one
// invalid_hash) and kept as it came until the member's first sign-in
// replaces it with argon2id. created says whether the member is new.
func (s *Service) MigratePassword(ctx context.Context, projectID string, in Migration) (store.Member, store.Organization, bool, error) {
	stored, err := password.Import(in.Hash)
	var ie *password.ImportError
	switch {
	case errors.Is(err, password.ErrUnsupportedType):
		return store.Member{}, store.Organization{}, false, invalid("invalid_hash_type",
			"hash_type must be one of bcrypt, argon_2i, argon_2id, scrypt, pbkdf_2, sha_1, sha_512, md_5.")
	case errors.As(err, &ie):
		return store.Member{}, store.Organization{}, false, invalid("invalid_hash", "%s.", ie.Msg)
	case err != nil:
		return store.Member{}, store.Organization{}, false, err
	}
	pw := store.Password{ID: "member-password-test-" + uuid.NewString(), Hash: stored, CreatedAt: store.Now(s.clock)}
	return s.orgs.ImportMember(ctx, projectID, in.Organization, in.Member, pw)
}

// PasswordReset is a reset by existing password.
type PasswordReset struct {
	Organization string
	Email        string
	Existing     string // the current password
	New          string
	Client       netip.Addr
	// Session optionally names a live session of the member (Stytch: it
	// spares the member an MFA step, which Signet does not have yet); it
	// must be the member's, and ends with the others.
	Session Credentials
	Options SessionOptions
}

// ResetExistingPassword replaces a member's password after checking the
// current one (B2B passwords.existing_password.reset), under the same
// throttles and checks as AuthenticatePassword; the new password must
// pass the strength policy (weak_password). Every session of the member
// ends ("a successful password reset via an existing password will revoke
// all active sessions for the member_id", SDK 14.2.0
// passwords_existing_password.js), as a password change should end what
// a thief of the old password may have started, and a new session starts.
func (s *Service) ResetExistingPassword(ctx context.Context, projectID string, in PasswordReset) (Issued, error) {
	if err := in.Options.check(); err != nil {
		return Issued{}, err
	}
	if st := s.policy.Check(in.New, in.Email); !st.Valid {
		msg := "The new password does not meet the strength policy; check it with /v1/b2b/passwords/strength_check."
		if st.Warning != "" {
			msg = st.Warning + " " + msg
		}
		return Issued{}, invalid("weak_password", "%s", msg)
	}
	o, err := s.orgs.Organization(ctx, projectID, in.Organization)
	if err != nil {
		return Issued{}, err
	}
	if o.Status == orgs.StatusSuspended {
		return Issued{}, orgs.ErrOrganizationSuspended
	}
	m, err := s.checkPassword(ctx, o, in.Email, in.Existing, in.Client)
	if err != nil {
		return Issued{}, err
	}
	if err := orgs.CanSignIn(o, m, "password"); err != nil {
		return Issued{}, err
	}
	if m.Status == orgs.MemberInvited {
		return Issued{}, ErrMemberNotActive
	}
	if in.Session.Count() > 0 {
		l, err := s.find(ctx, projectID, in.Session)
		if err != nil {
			return Issued{}, err
		}
		if l.sess.MemberID != m.ID || l.sess.OrganizationID != o.ID {
			return Issued{}, ErrSessionMemberMismatch
		}
	} else if err := mfaSatisfied(o, m); err != nil {
		return Issued{}, err // refused before anything is written
	}
	hash, err := s.hasher.Hash(ctx, in.New)
	if err != nil {
		return Issued{}, err
	}
	np := store.Password{ID: m.Password.ID, Hash: hash, CreatedAt: store.Now(s.clock)}
	if err := s.store.SetMemberPassword(ctx, projectID, m.ID, np); err != nil {
		return Issued{}, err
	}
	m.Password = &np
	if m, err = s.orgs.Activate(ctx, m); err != nil {
		return Issued{}, err
	}
	if _, err := s.revokeAll(ctx, projectID, o.ID, m.ID); err != nil {
		return Issued{}, err
	}
	return s.startSession(ctx, o, m, passwordFactor(m, store.Now(s.clock)), orDefault(in.Options.Duration), in.Options.CustomClaims)
}
