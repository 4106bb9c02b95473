package logout

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/store"
)

// Store is the outbox (a store.Store).
type Store interface {
	store.LogoutDeliveries
	Subscribe(topic string, fn func(key string)) (cancel func())
}

// Clients finds Connected Apps by client_id (*apps.ConnectedClients).
type Clients interface {
	Lookup(ctx context.Context, clientID string) (store.ConnectedApp, error)
}

// Signers gives a project's signer of an algorithm (*keys.Manager).
type Signers interface {
	Signer(ctx context.Context, projectID, alg string) (*keys.Signer, error)
}

// Outcomes of one attempt, for Observe.
const (
	Delivered = "delivered"
	Retried   = "retried"
	Failed    = "failed"
)

// Defaults of a Sender.
const (
	DefaultMaxAttempts = 6
	DefaultPoll        = 5 * time.Second
	// DefaultTimeout bounds one POST; the lease must outlast it.
	DefaultTimeout = 10 * time.Second
	DefaultLease   = time.Minute
	batch          = 32
	parallel       = 8
	tokenTTL       = 2 * time.Minute
)

// Sender delivers the outbox. Build it with New.
type Sender struct {
	issuer      string
	store       Store
	clients     Clients
	keys        Signers
	http        *http.Client
	now         func() time.Time
	log         *slog.Logger
	observe     func(outcome string)
	maxAttempts int
	backoff     func(attempt int) time.Duration
	poll, lease time.Duration
}

// Config is what a Sender needs; zero fields get the defaults.
type Config struct {
	Issuer  string // the iss of logout tokens
	Store   Store
	Clients Clients
	Keys    Signers
	// HTTP posts the tokens (default: a client with DefaultTimeout). It is
	// used as given except that redirects are never followed.
	HTTP    *http.Client
	Now     func() time.Time
	Logger  *slog.Logger
	Observe func(outcome string) // nil: not counted
	// MaxAttempts bounds the attempts of one delivery.
	MaxAttempts int
	// Backoff is the wait after the n-th failed attempt (default 5·2^n
	// seconds: 10, 20, 40, 80, 160; with six attempts a client that is
	// down for up to five minutes still hears of the logout).
	Backoff func(attempt int) time.Duration
	// Poll is how often a node looks for due deliveries without being
	// told (retries, leases of a node that died).
	Poll  time.Duration
	Lease time.Duration
}

// New builds a Sender.
func New(c Config) *Sender {
	s := &Sender{issuer: c.Issuer, store: c.Store, clients: c.Clients, keys: c.Keys, now: c.Now, log: c.Logger,
		observe: c.Observe, maxAttempts: c.MaxAttempts, backoff: c.Backoff, poll: c.Poll, lease: c.Lease}
	hc := http.Client{Timeout: DefaultTimeout}
	if c.HTTP != nil {
		hc = *c.HTTP
	}
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	s.http = &hc
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.observe == nil {
		s.observe = func(string) {}
	}
	if s.maxAttempts <= 0 {
		s.maxAttempts = DefaultMaxAttempts
	}
	if s.backoff == nil {
		s.backoff = func(n int) time.Duration { return 5 * time.Duration(1<<min(n, 16)) * time.Second }
	}
	if s.poll <= 0 {
		s.poll = DefaultPoll
	}
	if s.lease <= 0 {
		s.lease = DefaultLease
	}
	return s
}

// Run delivers until ctx ends: at once when a commit announces
// store.TopicLogout, and every Poll.
func (s *Sender) Run(ctx context.Context) {
	kick := make(chan struct{}, 1)
	cancel := s.store.Subscribe(store.TopicLogout, func(string) {
		select {
		case kick <- struct{}{}:
		default:
		}
	})
	defer cancel()
	t := time.NewTicker(s.poll)
	defer t.Stop()
	for {
		// A full batch may mean more are due: go on at once.
		for {
			n, err := s.DeliverDue(ctx)
			if err != nil && ctx.Err() == nil {
				s.log.WarnContext(ctx, "back-channel logout: claiming deliveries failed", "err", err)
			}
			if err != nil || n < batch {
				break
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-kick:
		case <-t.C:
		}
	}
}

// DeliverDue claims the deliveries due now (at most one batch), attempts
// each, records the outcomes, and reports how many it claimed.
func (s *Sender) DeliverDue(ctx context.Context) (int, error) {
	ds, err := s.store.ClaimLogoutDeliveries(ctx, store.Now(s.now), s.lease, batch)
	if err != nil {
		return 0, err
	}
	var wg sync.WaitGroup
	sem := make(chan struct{}, parallel)
	for _, d := range ds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			s.deliver(ctx, d)
		}()
	}
	wg.Wait()
	return len(ds), nil
}

// permanentError is a failure another attempt would not change.
type permanentError struct{ error }

// deliver makes one attempt and records its outcome.
func (s *Sender) deliver(ctx context.Context, d store.LogoutDelivery) {
	err := s.attempt(ctx, d)
	attrs := []any{"project_id", d.ProjectID, "client_id", d.ClientID, "jti", d.ID, "attempt", d.Attempts}
	var perm permanentError
	switch {
	case err == nil:
		s.finish(ctx, d)
		s.observe(Delivered)
		s.log.InfoContext(ctx, "back-channel logout delivered", attrs...)
	case errors.As(err, &perm) || d.Attempts >= s.maxAttempts:
		s.finish(ctx, d)
		s.observe(Failed)
		s.log.ErrorContext(ctx, "back-channel logout given up", append(attrs, "err", err)...)
	default:
		next := store.Now(s.now).Add(s.backoff(d.Attempts))
		if rerr := s.store.RetryLogoutDelivery(ctx, d.ID, next, err.Error()); rerr != nil {
			// The lease still brings it back.
			s.log.WarnContext(ctx, "back-channel logout: recording a retry failed", append(attrs, "err", rerr)...)
		}
		s.observe(Retried)
		s.log.WarnContext(ctx, "back-channel logout failed; will retry", append(attrs, "err", err, "next_attempt_at", next)...)
	}
}

func (s *Sender) finish(ctx context.Context, d store.LogoutDelivery) {
	if err := s.store.FinishLogoutDelivery(ctx, d.ID); err != nil && !errors.Is(err, store.ErrNotFound) {
		// The lease brings it back: at worst one more delivery of the
		// same jti, which the client may drop (§2.6).
		s.log.WarnContext(ctx, "back-channel logout: removing a delivery failed", "jti", d.ID, "err", err)
	}
}

// attempt signs the logout token and POSTs it once.
func (s *Sender) attempt(ctx context.Context, d store.LogoutDelivery) error {
	c, err := s.clients.Lookup(ctx, d.ClientID)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return permanentError{errors.New("the client no longer exists")}
	case err != nil:
		return err
	case c.ProjectID != d.ProjectID:
		return permanentError{errors.New("the client is of another project")}
	case c.BackchannelLogoutURI == "":
		return permanentError{errors.New("the client no longer has a backchannel_logout_uri")}
	case c.BackchannelLogoutSessionRequired && d.SessionID == "":
		// §2.4: such a client needs sid, and tokens issued outside a
		// session have none to name.
		return permanentError{errors.New("the client requires sid, and its grant had no session")}
	}
	tok, err := s.token(ctx, c, d)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackchannelLogoutURI,
		strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return permanentError{err}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := s.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	switch resp.StatusCode {
	case http.StatusOK, http.StatusNoContent: // §2.8
		return nil
	case http.StatusRequestTimeout, http.StatusTooManyRequests:
		return fmt.Errorf("the client answered %s", resp.Status)
	}
	if resp.StatusCode >= 500 {
		return fmt.Errorf("the client answered %s", resp.Status)
	}
	return permanentError{fmt.Errorf("the client answered %s: %.200s", resp.Status, body)}
}
