package memberauth

import (
	"context"
	"errors"
	"net/http"
	"net/netip"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/store"
)

// IntermediateSessionLifetime is how long an intermediate session lives
// (Stytch: "Intermediate Session Tokens ... are valid for 10 minutes").
const IntermediateSessionLifetime = 10 * time.Minute

// maxDiscoveryPasswords bounds the members whose password one discovery
// password authenticate tries: each costs a hash.
const maxDiscoveryPasswords = 10

// Errors of discovery.
var (
	// ErrIntermediateSessionNotFound: the intermediate_session_token
	// names no live intermediate session of the project (unknown,
	// expired, or used already).
	ErrIntermediateSessionNotFound = refuse(http.StatusNotFound, "intermediate_session_not_found",
		"Intermediate session could not be found; it may have expired (they last 10 minutes) or been used already.")
	// ErrPrimaryAuthRequired: the intermediate session's factor did not
	// authenticate the member of this organization (its password is not
	// the one that matched), or the organization does not allow that
	// factor. Stytch answers member_authenticated false with
	// primary_required; Signet has no other primary factor to offer, so
	// the exchange is refused and the session is left unused.
	ErrPrimaryAuthRequired = refuse(http.StatusForbidden, "primary_auth_required",
		"This organization needs a primary authentication the intermediate session does not carry; sign in to it directly.")
	// ErrEmailUnverified: joining by email domain or creating an
	// organization needs proof of the email address, which a password of
	// a member whose email is unverified is not.
	ErrEmailUnverified = refuse(http.StatusForbidden, "unverified_email",
		"The intermediate session does not prove the email address (no member it authenticated has a verified email).")
)

// DiscoveryOrgs is what discovery asks of the organizations domain
// (*orgs.Service) beyond Orgs.
type DiscoveryOrgs interface {
	Orgs
	Discover(ctx context.Context, projectID, email string, jit bool) ([]orgs.Discovered, error)
	ProvisionJIT(ctx context.Context, projectID, orgRef, email string) (store.Member, store.Organization, error)
	CreateWithFounder(ctx context.Context, projectID string, f orgs.OrganizationFields, email string, check func(store.Organization) error) (store.Member, store.Organization, error)
}

// Discovery is Stytch B2B discovery over a Service: intermediate sessions
// bound to an email address, the organizations the address can enter,
// and the exchange of an intermediate session into a member session.
type Discovery struct {
	svc   *Service
	orgs  DiscoveryOrgs
	store store.IntermediateSessions
}

// NewDiscovery returns discovery over svc (its sessions, keys, pepper,
// throttles and clock), with the organizations domain o and the
// intermediate sessions' store st.
func NewDiscovery(svc *Service, o DiscoveryOrgs, st store.IntermediateSessions) *Discovery {
	return &Discovery{svc: svc, orgs: o, store: st}
}

// Intermediate is a new intermediate session and its token, shown once.
type Intermediate struct {
	Session store.IntermediateSession
	Token   string
}

// Membership is one discovered organization as the caller may enter it.
type Membership struct {
	Organization store.Organization
	// Member is the organization's member with the email, nil for an
	// organization that would provision one by email domain.
	Member *store.Member
	// Domain is the email's domain that makes the organization one to
	// join (when Member is nil).
	Domain string
	// Authenticated says an exchange would start a full member session.
	Authenticated bool
	// PrimaryRequired lists the methods the organization would accept
	// when the session's factor is not enough (nil when it is).
	PrimaryRequired []string
	// MFARequired says the organization (or the member) needs an MFA step.
	MFARequired bool
}

// Type is the membership's type on the wire.
func (m Membership) Type() string {
	if m.Member == nil {
		return "eligible_to_join_by_email_domain"
	}
	switch m.Member.Status {
	case orgs.MemberPending:
		return "pending_member"
	case orgs.MemberInvited:
		return "invited_member"
	}
	return "active_member"
}

// proof is what a session proves: the email, whether it is verified, and
// the members it authenticated.
type proof struct {
	email    string
	verified bool
	members  []string
}

// admit decides whether the holder of p may enter o as m (nil: join by
// email domain) with a factor of the method "password", returning the
// refusal an exchange answers with, or nil. Listing and exchange share it.
func admit(p proof, o store.Organization, m *store.Member) error {
	if o.Status == orgs.StatusSuspended {
		return orgs.ErrOrganizationSuspended
	}
	if m != nil {
		if !slices.Contains(p.members, m.ID) {
			return ErrPrimaryAuthRequired
		}
		if err := orgs.CanSignIn(o, *m, "password"); err != nil {
			return err
		}
		if m.Status == orgs.MemberInvited {
			return ErrMemberNotActive
		}
		return mfaSatisfied(o, *m)
	}
	if err := orgs.JITEligible(o, p.email); err != nil {
		return err
	}
	if !p.verified {
		return ErrEmailUnverified
	}
	if err := orgs.CanSignIn(o, store.Member{ProjectID: o.ProjectID, OrganizationID: o.ID, Status: orgs.MemberActive}, "password"); err != nil {
		return err
	}
	return mfaSatisfied(o, store.Member{})
}

func (d *Discovery) memberships(ctx context.Context, projectID string, p proof, jit bool) ([]Membership, error) {
	found, err := d.orgs.Discover(ctx, projectID, p.email, jit)
	if err != nil {
		return nil, err
	}
	out := make([]Membership, 0, len(found))
	for _, f := range found {
		ms := Membership{Organization: f.Organization, Member: f.Member}
		if f.Member == nil {
			ms.Domain = strings.ToLower(p.email[strings.LastIndexByte(p.email, '@')+1:])
		}
		err := admit(p, f.Organization, f.Member)
		ms.Authenticated = err == nil
		var mfaMember store.Member
		if f.Member != nil {
			mfaMember = *f.Member
		}
		ms.MFARequired = mfaSatisfied(f.Organization, mfaMember) != nil
		if err != nil && !errors.Is(err, ErrMFAUnsupported) {
			ms.PrimaryRequired = []string{"password"}
			if f.Organization.AuthMethods == orgs.Restricted {
				ms.PrimaryRequired = slices.Clone(f.Organization.AllowedAuthMethods)
			}
		}
		out = append(out, ms)
	}
	return out, nil
}

// AuthenticatePassword is B2B passwords.discovery.authenticate. Member
// passwords are per organization in Signet (Stytch's cross-organization
// passwords are off), so the password is tried against the password of
// each member with this email in the project's active organizations
// (the oldest maxDiscoveryPasswords of them), under the sign-in
// throttles counted per email address for discovery. It succeeds if it
// matches at least one: the intermediate session then records the
// members it matched, which an exchange may enter without another
// factor, and counts the email as verified if one of them has a verified
// email. No match (or no member with a password) is
// users.ErrBadCredentials, as an unknown email is, after one hash.
func (d *Discovery) AuthenticatePassword(ctx context.Context, projectID, email, pw string, client netip.Addr) (Intermediate, []Membership, error) {
	found, err := d.orgs.Discover(ctx, projectID, email, false)
	if err != nil {
		return Intermediate{}, nil, err
	}
	var candidates []store.Member
	for _, f := range found {
		if f.Member != nil && f.Member.Password != nil && len(candidates) < maxDiscoveryPasswords {
			candidates = append(candidates, *f.Member)
		}
	}
	var matched []store.Member
	account := "discovery " + strings.ToLower(email)
	err = d.svc.guard.GuardCredential(ctx, projectID, account, client, func(ctx context.Context) (bool, error) {
		if len(candidates) == 0 {
			return false, d.svc.hasher.Dummy(ctx, pw)
		}
		for _, m := range candidates {
			ok, _, err := d.svc.hasher.Verify(ctx, pw, m.Password.Hash)
			if errors.Is(err, password.ErrMalformed) {
				continue
			} else if err != nil {
				return false, err
			}
			if ok {
				matched = append(matched, m)
			}
		}
		return len(matched) > 0, nil
	})
	if err != nil {
		return Intermediate{}, nil, err
	}
	p := proof{email: email}
	for _, m := range matched {
		p.members = append(p.members, m.ID)
		p.verified = p.verified || m.EmailVerified
	}
	now := store.Now(d.svc.clock)
	token := secrets.New("")
	is := store.IntermediateSession{
		ID: "intermediate-session-test-" + uuid.NewString(), ProjectID: projectID, TokenHash: d.svc.pepper.Hash(token),
		Email: email, EmailVerified: p.verified, AuthenticatedMembers: p.members,
		Factors:   []store.Factor{passwordFactor(store.Member{Email: email}, now)},
		CreatedAt: now, ExpiresAt: now.Add(IntermediateSessionLifetime),
	}
	if err := d.store.CreateIntermediateSession(ctx, is); err != nil {
		return Intermediate{}, nil, err
	}
	list, err := d.memberships(ctx, projectID, p, true)
	if err != nil {
		return Intermediate{}, nil, err
	}
	return Intermediate{Session: is, Token: token}, list, nil
}

// intermediate finds the live intermediate session of token.
func (d *Discovery) intermediate(ctx context.Context, projectID, token string) (store.IntermediateSession, error) {
	if token == "" {
		return store.IntermediateSession{}, ErrIntermediateSessionNotFound
	}
	is, err := d.store.IntermediateSessionByToken(ctx, projectID, d.svc.pepper.Hash(token), store.Now(d.svc.clock))
	if errors.Is(err, store.ErrNotFound) {
		return is, ErrIntermediateSessionNotFound
	}
	return is, err
}

// DiscoverySubject names whom discovery lists organizations for: an
// intermediate session's token, or a member session.
type DiscoverySubject struct {
	IntermediateSessionToken string
	Session                  Credentials
}

// Organizations is discovery.organizations.list: for an intermediate
// session, every membership of its email (active, pending, invited) and
// the organizations it may join by email domain; for a member session,
// the memberships of its member's email only (Stytch). Nothing is
// consumed. Returns the email address with the list.
func (d *Discovery) Organizations(ctx context.Context, projectID string, sub DiscoverySubject) (string, []Membership, error) {
	if sub.IntermediateSessionToken != "" {
		is, err := d.intermediate(ctx, projectID, sub.IntermediateSessionToken)
		if err != nil {
			return "", nil, err
		}
		list, err := d.memberships(ctx, projectID, proof{email: is.Email, verified: is.EmailVerified, members: is.AuthenticatedMembers}, true)
		return is.Email, list, err
	}
	l, err := d.svc.find(ctx, projectID, sub.Session)
	if err != nil {
		return "", nil, err
	}
	if err := l.usable(); err != nil {
		return "", nil, err
	}
	list, err := d.memberships(ctx, projectID, proof{email: l.m.Email, verified: l.m.EmailVerified, members: []string{l.m.ID}}, false)
	return l.m.Email, list, err
}

// consume uses is up; restore puts it back when what it was consumed for
// failed, so a refused exchange leaves the session usable.
func (d *Discovery) consume(ctx context.Context, is store.IntermediateSession) error {
	err := d.store.ConsumeIntermediateSession(ctx, is.ProjectID, is.ID, store.Now(d.svc.clock))
	if errors.Is(err, store.ErrNotFound) {
		return ErrIntermediateSessionNotFound // used concurrently, or expired meanwhile
	}
	return err
}

func (d *Discovery) restore(ctx context.Context, is store.IntermediateSession, cause error) error {
	if err := d.store.CreateIntermediateSession(context.WithoutCancel(ctx), is); err != nil {
		return errors.Join(cause, err)
	}
	return cause
}

func (is factorOf) factor() store.Factor {
	if len(is.Factors) > 0 {
		return is.Factors[0]
	}
	return store.Factor{Type: "password", DeliveryMethod: "knowledge"}
}

type factorOf store.IntermediateSession

// Exchange is discovery.intermediate_sessions.exchange: the intermediate
// session becomes a member session of the organization orgRef names,
// provisioning the member just in time when the organization allows the
// email's domain. Refused (and the session left unused): an organization
// that is suspended, whose auth_methods leave out password, that needs
// MFA, or where the session's factor did not authenticate the member
// (admit). The session is consumed atomically before anything is written,
// so of two exchanges of one token exactly one succeeds; the other, and
// any later one, is ErrIntermediateSessionNotFound.
func (d *Discovery) Exchange(ctx context.Context, projectID, token, orgRef string, opts SessionOptions) (Issued, error) {
	if err := opts.check(); err != nil {
		return Issued{}, err
	}
	is, err := d.intermediate(ctx, projectID, token)
	if err != nil {
		return Issued{}, err
	}
	o, err := d.orgs.Organization(ctx, projectID, orgRef)
	if err != nil {
		return Issued{}, err
	}
	var m *store.Member
	switch found, _, err := d.orgs.MemberByEmail(ctx, projectID, o.ID, is.Email); {
	case err == nil:
		m = &found
	case !errors.Is(err, orgs.ErrMemberNotFound):
		return Issued{}, err
	}
	if err := admit(proof{email: is.Email, verified: is.EmailVerified, members: is.AuthenticatedMembers}, o, m); err != nil {
		return Issued{}, err
	}
	if err := d.consume(ctx, is); err != nil {
		return Issued{}, err
	}
	var member store.Member
	if m == nil {
		member, o, err = d.orgs.ProvisionJIT(ctx, projectID, o.ID, is.Email)
	} else {
		member, err = d.orgs.Activate(ctx, *m)
	}
	if err != nil {
		return Issued{}, d.restore(ctx, is, err)
	}
	f := factorOf(is).factor()
	out, err := d.svc.startSession(ctx, o, member, f, orDefault(opts.Duration), opts.CustomClaims)
	if err != nil {
		return Issued{}, d.restore(ctx, is, err)
	}
	return out, nil
}

// CreateOrganization is discovery.organizations.create: a new
// organization from f whose first member is the intermediate session's
// email, with the stytch_admin role, and a session of it. The session
// must prove the email (ErrEmailUnverified), and the new organization's
// own policy must admit a password sign-in without MFA (mfa_unsupported,
// operation_restricted_by_organization_auth_methods, refused before
// anything is written). The intermediate session is consumed first and
// put back if the organization cannot be created (a taken slug, say).
func (d *Discovery) CreateOrganization(ctx context.Context, projectID, token string, f orgs.OrganizationFields, opts SessionOptions) (Issued, error) {
	if err := opts.check(); err != nil {
		return Issued{}, err
	}
	is, err := d.intermediate(ctx, projectID, token)
	if err != nil {
		return Issued{}, err
	}
	if !is.EmailVerified {
		return Issued{}, ErrEmailUnverified
	}
	check := func(o store.Organization) error {
		if o.Status == orgs.StatusSuspended {
			return orgs.ErrOrganizationSuspended
		}
		if o.AuthMethods == orgs.Restricted && !slices.Contains(o.AllowedAuthMethods, "password") {
			return orgs.ErrAuthMethodRestricted
		}
		return mfaSatisfied(o, store.Member{})
	}
	if err := d.consume(ctx, is); err != nil {
		return Issued{}, err
	}
	m, o, err := d.orgs.CreateWithFounder(ctx, projectID, f, is.Email, check)
	if err != nil {
		return Issued{}, d.restore(ctx, is, err)
	}
	out, err := d.svc.startSession(ctx, o, m, factorOf(is).factor(), orDefault(opts.Duration), opts.CustomClaims)
	if err != nil {
		return Issued{}, err // the organization exists: the caller signs in to it
	}
	return out, nil
}
