package demo

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"sync"
	"time"
)

// table is an in-memory map from random keys to values that expire. The
// key is what the browser's cookie holds; the value never leaves the
// server.
type table[V any] struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]entry[V]
}

type entry[V any] struct {
	v       V
	expires time.Time
}

func newTable[V any](now func() time.Time) *table[V] {
	return &table[V]{now: now, m: map[string]entry[V]{}}
}

var errFull = errors.New("demo: too many pending entries")

// put stores v for ttl under a fresh 256-bit random key and returns it.
func (t *table[V]) put(v V, ttl time.Duration) (string, error) {
	key := randomToken()
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.m) >= maxEntries {
		for k, e := range t.m {
			if !now.Before(e.expires) {
				delete(t.m, k)
			}
		}
		if len(t.m) >= maxEntries {
			return "", errFull
		}
	}
	t.m[key] = entry[V]{v: v, expires: now.Add(ttl)}
	return key, nil
}

// get returns the live value under key.
func (t *table[V]) get(key string) (V, bool) {
	return t.lookup(key, false)
}

// take returns the live value under key and removes it, atomically: of
// two requests with the same key, one gets the value.
func (t *table[V]) take(key string) (V, bool) {
	return t.lookup(key, true)
}

func (t *table[V]) lookup(key string, remove bool) (V, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	e, ok := t.m[key]
	live := ok && t.now().Before(e.expires)
	if !live || remove {
		delete(t.m, key)
	}
	if !live {
		var zero V
		return zero, false
	}
	return e.v, true
}

// randomToken is 32 random bytes, base64url without padding.
func randomToken() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails since Go 1.24
	return base64.RawURLEncoding.EncodeToString(b)
}
