package store

import (
	"context"
	"encoding/json"
	"time"
)

// MemberSession is a B2B member's session: a Session of one member of one
// organization. The opaque token is stored only as its hash.
type MemberSession struct {
	ID             string // "member-session-test-<uuid>"
	ProjectID      string
	OrganizationID string
	MemberID       string
	TokenHash      []byte
	StartedAt      time.Time
	LastAccessedAt time.Time
	ExpiresAt      time.Time
	Factors        []Factor
	CustomClaims   json.RawMessage // JSON object; nil means {}
	Roles          []string
}

// MemberSessions are B2B members' sessions. A session is live while its
// ExpiresAt is after now; revoking deletes it. Deleting a member
// (DeleteMember) or its organization (DeleteOrganization) deletes its
// sessions in the same transaction, and Sweep deletes expired ones.
type MemberSessions interface {
	// CreateMemberSession inserts s. ErrNotFound unless s.MemberID is a
	// member of s.OrganizationID that is not deleted.
	CreateMemberSession(ctx context.Context, s MemberSession) error
	// MemberSessionByToken finds a live session of the project by the
	// hash of its token, with its member (and the member's password) and
	// organization, read together. A session of a deleted member is not
	// found.
	MemberSessionByToken(ctx context.Context, projectID string, tokenHash []byte, now time.Time) (MemberSession, Member, Organization, error)
	// MemberSessionByID is MemberSessionByToken by the session's ID.
	MemberSessionByID(ctx context.Context, projectID, sessionID string, now time.Time) (MemberSession, Member, Organization, error)
	// TouchMemberSession marks a live session accessed at now; a non-zero
	// expiresAt replaces its expiry, and a non-nil customClaims replaces
	// its custom claims. ErrNotFound if it is gone or expired.
	TouchMemberSession(ctx context.Context, projectID, sessionID string, now, expiresAt time.Time, customClaims json.RawMessage) (MemberSession, error)
	// MemberSessionsOf lists the member's live sessions in the
	// organization, newest first (none for an unknown member).
	MemberSessionsOf(ctx context.Context, projectID, orgID, memberID string, now time.Time) ([]MemberSession, error)
	// RevokeMemberSession ends a session. ErrNotFound if there was none.
	RevokeMemberSession(ctx context.Context, projectID, sessionID string) error
	// RevokeMemberSessions ends every session of the member in the
	// organization and reports how many there were.
	RevokeMemberSessions(ctx context.Context, projectID, orgID, memberID string) (int, error)
}
