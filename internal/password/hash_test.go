package password

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// cheap keeps tests fast; the format and logic do not depend on cost.
var cheap = Params{Memory: 64, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 0)
	phc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q is not a PHC argon2id string with its parameters", phc)
	}
	if again, _ := h.Hash(ctx, "correct horse"); again == phc {
		t.Fatal("two hashes of one password are equal: salt is not random")
	}
	for _, tc := range []struct {
		pw     string
		wantOK bool
	}{{"correct horse", true}, {"correct horsE", false}, {"", false}} {
		ok, rehash, err := h.Verify(ctx, tc.pw, phc)
		if err != nil || ok != tc.wantOK || rehash {
			t.Errorf("Verify(%q) = %v, %v, %v; want %v, false, nil", tc.pw, ok, rehash, err, tc.wantOK)
		}
	}
}

func TestVerifyReportsWeakerParams(t *testing.T) {
	ctx := context.Background()
	old := NewHasher(cheap, 0)
	phc, _ := old.Hash(ctx, "pw")
	stronger := cheap
	stronger.Memory, stronger.Time = 128, 2
	ok, rehash, err := NewHasher(stronger, 0).Verify(ctx, "pw", phc)
	if !ok || !rehash || err != nil {
		t.Fatalf("Verify under stronger params = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
	if _, rehash, _ := NewHasher(stronger, 0).Verify(ctx, "wrong", phc); rehash {
		t.Error("rehash suggested after a failed check")
	}
}

func TestDecodeRejects(t *testing.T) {
	h := NewHasher(cheap, 0)
	good, _ := h.Hash(context.Background(), "x")
	parts := strings.Split(good, "$")
	for name, s := range map[string]string{
		"empty": "",
		// argon2i is an imported form (imported.go), checked by its
		// own rules; a mislabelled argon2id hash just fails to match.
		"argon2i version": strings.Replace(strings.Replace(good, "argon2id", "argon2i", 1), "v=19", "v=16", 1),
		"version":         strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":     strings.Replace(good, "m=64", "m=99999999", 1),
		"zero time":       strings.Replace(good, "t=1", "t=0", 1),
		"many lanes":      strings.Replace(good, "p=1", "p=255", 1),
		"missing m":       strings.Replace(good, "m=64,", "", 1),
		"unknown key":     strings.Replace(good, "p=1", "p=1,x=2", 1),
		"short salt":      strings.Join([]string{"", parts[1], parts[2], parts[3], "YWJj", parts[5]}, "$"),
		"bad base64":      strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "!!!"}, "$"),
		"extra fields":    good + "$x",
	} {
		if _, _, err := h.Verify(context.Background(), "x", s); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: Verify(%q) err = %v, want ErrMalformed", name, s, err)
		}
	}
}

func TestConcurrencyIsCapped(t *testing.T) {
	h := NewHasher(Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 2)
	var running, peak atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// Observe occupancy through the semaphore itself.
			h.sem <- struct{}{}
			n := running.Add(1)
			for {
				p := peak.Load()
				if n <= p || peak.CompareAndSwap(p, n) {
					break
				}
			}
			time.Sleep(time.Millisecond)
			running.Add(-1)
			<-h.sem
		}()
	}
	wg.Wait()
	if peak.Load() > 2 {
		t.Fatalf("%d hashes ran at once, want at most 2", peak.Load())
	}
}

func TestHashHonoursContext(t *testing.T) {
	h := NewHasher(cheap, 1)
	h.sem <- struct{}{} // the only slot is taken
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := h.Hash(ctx, "x"); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Hash with no free slot = %v, want DeadlineExceeded", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add("$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g")
	f.Add("$argon2id$v=19$m=,t=1,p=1$$")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := decode(s)
		if err != nil {
			return
		}
		if p.Memory > maxMemory || p.Time > maxTime || p.Threads > maxThreads || len(salt) < minSalt || len(key) < minKey {
			t.Fatalf("decode accepted out-of-bounds params %+v", p)
		}
	})
}
