package banks

import (
	"context"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/signet-id/signet/internal/clientip"
)

// Bounds on what a visitor without credentials can make Signet write.
// Two pages write for anyone: "Verify with your bank" on the sign-in page
// starts a run (a bank_verifications row, kept flowTTL), and a choice in
// the account selector is remembered (a bank_choices row, kept
// choiceTTL). Each is bounded three ways:
//
//   - A choice is remembered only for Signet's own visitor cookie, signed
//     with the pepper and set on an earlier response, never for a
//     visitor_id the request names: a client cannot mint visitors.
//   - Each client address has a token bucket (Limits.Limiter); a request
//     beyond it gets 429 before anything is written.
//   - The store bounds the rows one address holds, whatever the number of
//     nodes: at most Limits.RunsPerSource live runs (beyond that, 429) and
//     Limits.ChoicesPerSource choices (the oldest are forgotten).
//
// Expired rows are deleted by the store's Sweep (every minute in
// `signet serve`) and, for a source at its bound, by the next run it
// starts.

// Limiter admits or refuses one more write that a visitor without
// credentials causes, by key (the client address, see clientSource).
// The default, NewMemoryLimiter, counts in this process; a limiter shared
// by the nodes of a cluster can take its place.
type Limiter interface {
	Allow(ctx context.Context, key string) bool
}

// Limits bounds what visitors without credentials can make the flow
// write. Zero fields take the defaults; a negative bound means none.
type Limits struct {
	// Limiter admits each write (default: NewMemoryLimiter(DefaultRate,
	// DefaultBurst, Flow.Now), per node).
	Limiter Limiter
	// RunsPerSource bounds the live runs one client address has started
	// from the sign-in page (default DefaultRunsPerSource).
	RunsPerSource int
	// ChoicesPerSource bounds the selector choices one client address
	// leaves remembered; older ones are forgotten first (default
	// DefaultChoicesPerSource).
	ChoicesPerSource int
}

// Defaults of Limits. A person's journey costs two writes (the start and
// the choice); the burst lets an office behind one address start fifteen
// at once, and the rate thirty a minute after that.
const (
	DefaultRate             = 0.5 // writes a second per client address, after the burst
	DefaultBurst            = 30
	DefaultRunsPerSource    = 100
	DefaultChoicesPerSource = 1000
)

func (l *Limits) fill(now func() time.Time) {
	if l.Limiter == nil {
		l.Limiter = NewMemoryLimiter(DefaultRate, DefaultBurst, now)
	}
	if l.RunsPerSource == 0 {
		l.RunsPerSource = DefaultRunsPerSource
	}
	if l.ChoicesPerSource == 0 {
		l.ChoicesPerSource = DefaultChoicesPerSource
	}
}

// clientSource is the client address a request is counted against
// (package clientip: the peer, or behind a trusted proxy the address it
// forwarded), as a limit key: IPv4 whole, IPv6 by its /64, one
// subscriber's usual allocation.
func (f *Flow) clientSource(r *http.Request) string {
	return clientip.Key(f.ClientIP.Addr(r))
}

// sourceHash keys the store's per-source bounds: a client address is
// personal data, so only its peppered hash is stored.
func (f *Flow) sourceHash(source string) []byte {
	return f.Pepper.Hash("signet-client-source\x00" + source)
}

// memoryLimiter is a token bucket per key, refilled at rate tokens a
// second up to burst, in this process's memory. Buckets live in a
// sync.Map, each with its own mutex, so unrelated clients never contend.
type memoryLimiter struct {
	rate, burst float64
	now         func() time.Time
	buckets     sync.Map // key -> *bucket
	calls       atomic.Uint64
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// sweepEvery is how many calls pass between sweeps of full buckets, which
// bounds the memory many distinct clients take.
const sweepEvery = 1024

// NewMemoryLimiter returns a Limiter that allows burst writes per key at
// once and rate a second after that, counted in this process (now is the
// clock, time.Now if nil).
func NewMemoryLimiter(rate float64, burst int, now func() time.Time) Limiter {
	if now == nil {
		now = time.Now
	}
	return &memoryLimiter{rate: rate, burst: float64(burst), now: now}
}

func (l *memoryLimiter) Allow(_ context.Context, key string) bool {
	now := l.now()
	if l.calls.Add(1)%sweepEvery == 0 {
		l.sweep(now)
	}
	v, ok := l.buckets.Load(key)
	if !ok {
		v, _ = l.buckets.LoadOrStore(key, &bucket{tokens: l.burst, last: now})
	}
	b := v.(*bucket)
	b.mu.Lock()
	defer b.mu.Unlock()
	if d := now.Sub(b.last); d > 0 {
		b.tokens = min(l.burst, b.tokens+d.Seconds()*l.rate)
		b.last = now
	}
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// sweep drops buckets that have refilled completely: a new one would be
// the same.
func (l *memoryLimiter) sweep(now time.Time) {
	if l.rate <= 0 {
		return // a bucket never refills
	}
	full := time.Duration(l.burst / l.rate * float64(time.Second))
	l.buckets.Range(func(k, v any) bool {
		b := v.(*bucket)
		b.mu.Lock()
		idle := now.Sub(b.last) > full
		b.mu.Unlock()
		if idle {
			l.buckets.Delete(k)
		}
		return true
	})
}

// allow asks the limiter about r's client address and, when it refuses,
// answers 429 with a page and reports false.
func (f *Flow) allow(w http.ResponseWriter, r *http.Request) bool {
	if f.Limits.Limiter.Allow(r.Context(), f.clientSource(r)) {
		return true
	}
	f.tooMany(w, r)
	return false
}

// tooMany is the selector's 429 page (RFC 6585 §4).
func (f *Flow) tooMany(w http.ResponseWriter, r *http.Request) {
	f.errorPage(w, r, http.StatusTooManyRequests, "Too many requests",
		"Too many bank choices came from your network. Wait a minute, then try again.")
}

// tooManyStarts is the sign-in page's: it shows again, with the reason.
const tooManyStarts = "Too many bank verifications were started from your network. Wait a minute, then try again."
