// Package testclock is the fake clock the tests hand to services in place
// of time.Now: it stands still until the test moves it, and is safe for
// concurrent use (a server's goroutines read it while the test advances it).
// It is for tests only.
package testclock

import (
	"sync"
	"time"
)

// Clock is a settable time. Its Now method value is what services take as
// their clock (a func() time.Time).
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// New returns a clock that reads t.
func New(t time.Time) *Clock { return &Clock{t: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock to t.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

// Advance moves the clock on by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
