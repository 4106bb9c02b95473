package audit

import (
	"context"
	"encoding/json"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// The event types, and what Subject and Details hold for each.
const (
	// SignIn: a sign-in attempt. Subject: the user (when known). Details:
	// method (password, bank), reason of a failure (bad_credentials,
	// throttled, ...), email (as typed, for password sign-ins).
	SignIn = "sign_in"
	// Lockout: a password sign-in refused because the account is locked
	// (its failures from every address reached --login-account-limit).
	// Details: email as typed.
	Lockout = "lockout"
	// SessionRevoke: a session ended by the management API, or by its
	// user on the account page (Actor user:<id>). Subject: the session;
	// details: user_id.
	SessionRevoke = "session_revoke"
	// M2M clients: created, deleted, secret rotation step (details.step:
	// start, complete, cancel). Subject: the client ID.
	M2MClientCreate       = "m2m_client_create"
	M2MClientDelete       = "m2m_client_delete"
	M2MClientSecretRotate = "m2m_client_secret_rotate"
	// Connected Apps clients: the same three.
	ConnectedAppCreate       = "connected_app_create"
	ConnectedAppDelete       = "connected_app_delete"
	ConnectedAppSecretRotate = "connected_app_secret_rotate"
	// SigningKeyRotate: signet keys rotate. Subject: the new key ID;
	// details: alg.
	SigningKeyRotate = "signing_key_rotate"
	// MasterKeyRotate: signet master-key rotate, an event of the instance
	// (no project). Subject: the new master key's ID; details: from.
	MasterKeyRotate = "master_key_rotate"
	// ProjectSecretRotate: signet project secret rotate (details.step:
	// start, complete, cancel). Subject: the project.
	ProjectSecretRotate = "project_secret_rotate"
	// ProjectUpdate: signet project set changed a project's settings.
	// Subject: the project; details: the settings set (token_alg).
	ProjectUpdate = "project_update"
	// OrganizationPolicyUpdate: a B2B organization's sign-in policy
	// changed (JIT provisioning, allowed domains, auth and MFA methods,
	// Connected Apps, status). Subject: the organization; details:
	// fields, the settings given, comma-separated.
	OrganizationPolicyUpdate = "organization_policy_update"
	// BankVerification: a bank verification run ended. Subject: the run;
	// Outcome: success, or failure with details.error (its error code).
	BankVerification = "bank_verification"
)

// Types lists every event type, for the management API's filter.
func Types() []string {
	return []string{SignIn, Lockout, SessionRevoke, M2MClientCreate, M2MClientDelete, M2MClientSecretRotate,
		ConnectedAppCreate, ConnectedAppDelete, ConnectedAppSecretRotate, SigningKeyRotate, MasterKeyRotate,
		ProjectSecretRotate, ProjectUpdate, OrganizationPolicyUpdate, BankVerification}
}

// Outcomes.
const (
	Success = "success"
	Failure = "failure"
)

// ActorCLI is the actor of admin commands (signet keys rotate, ...).
const ActorCLI = "cli"

// Event is what a caller records; Record adds its ID, time, request ID
// and client address.
type Event struct {
	ProjectID string
	Type      string
	// Actor is who acted ("user:<id>", "client:<id>", ActorCLI). Empty:
	// the project that authenticated the request ("project:<id>"), or
	// "anonymous" when none did (a person at the hosted pages).
	Actor   string
	Subject string
	Outcome string
	Details map[string]string
}

// Appender is the store operation a Log writes with.
type Appender interface {
	AppendAuditEvent(ctx context.Context, e store.AuditEvent) error
}

// Log writes events to the store and the request's logger.
type Log struct {
	store Appender
	opts  Options
}

// Options are a Log's optional parts.
type Options struct {
	Now func() time.Time // default time.Now
	// Observe, if set, is told of every event before it is written (the
	// server counts sign-ins and lockouts from them).
	Observe func(Event)
	// Failed, if set, is called for every event the store did not take
	// (the server counts them).
	Failed func()
}

// New returns a Log writing to st.
func New(st Appender, opts Options) *Log {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Log{store: st, opts: opts}
}

// Record writes e (see the package doc: a failure is logged, not
// returned). It writes even when ctx is cancelled (a client that went
// away), under the store's own deadline.
func (l *Log) Record(ctx context.Context, e Event) {
	if l == nil {
		return
	}
	if l.opts.Observe != nil {
		l.opts.Observe(e)
	}
	rec := store.AuditEvent{
		ID:        "audit-event-" + uuid.NewString(),
		ProjectID: e.ProjectID,
		Time:      store.Now(l.opts.Now),
		Type:      e.Type,
		Actor:     e.Actor,
		Subject:   e.Subject,
		Outcome:   e.Outcome,
		ClientIP:  api.ClientIP(ctx),
		RequestID: api.ContextRequestID(ctx),
	}
	if rec.Actor == "" {
		rec.Actor = "anonymous"
		if p := api.NotedProject(ctx); p != "" {
			rec.Actor = "project:" + p
		}
	}
	if len(e.Details) > 0 {
		rec.Details, _ = json.Marshal(e.Details) // a map of strings always marshals
	}
	log := api.Logger(ctx)
	attrs := []any{"event_id", rec.ID, "type", rec.Type, "project_id", rec.ProjectID, "actor", rec.Actor,
		"subject", rec.Subject, "outcome", rec.Outcome, "client_ip", rec.ClientIP, "request_id", rec.RequestID,
		"details", string(rec.Details)}
	if err := l.store.AppendAuditEvent(context.WithoutCancel(ctx), rec); err != nil {
		if l.opts.Failed != nil {
			l.opts.Failed()
		}
		log.ErrorContext(ctx, "audit event not stored", append(attrs, "err", err)...)
		return
	}
	log.InfoContext(ctx, "audit", attrs...)
}

// Purger is the store operation Purge uses.
type Purger interface {
	PurgeAuditEvents(ctx context.Context, before time.Time) (int, error)
}

// Purge deletes the events older than retention, as of now.
func Purge(ctx context.Context, st Purger, now time.Time, retention time.Duration) (int, error) {
	return st.PurgeAuditEvents(ctx, now.Add(-retention))
}
