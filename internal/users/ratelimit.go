package users

import (
	"sync"
	"sync/atomic"
	"time"
)

// limiter is a set of token buckets, one per key (project and email),
// refilled at rate tokens a second up to burst. It is per node and in
// memory: it slows a guesser down cheaply; the lockout, counted in the
// store, is what holds across nodes. Buckets live in a sync.Map, each with
// its own mutex, so unrelated logins never contend.
type limiter struct {
	rate, burst float64
	buckets     sync.Map // key -> *bucket
	calls       atomic.Uint64
}

type bucket struct {
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// sweepEvery is how many calls pass between sweeps of full buckets, which
// bounds memory when many distinct emails are tried.
const sweepEvery = 4096

func newLimiter(rate, burst float64) *limiter {
	return &limiter{rate: rate, burst: burst}
}

// allow takes a token from key's bucket, reporting false if it is empty.
func (l *limiter) allow(key string, now time.Time) bool {
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
func (l *limiter) sweep(now time.Time) {
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
