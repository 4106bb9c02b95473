package storetest

import (
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// sourceTests are the bounds on what one client address without
// credentials can make the store hold: live sign-in runs
// (CreateBankVerification refuses beyond the bound) and remembered bank
// choices (RememberBank forgets the oldest), and the sweep that reclaims
// what expired.
var sourceTests = []test{
	{"RunsPerSource", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		src, other := hashOf("source"), hashOf("other source")
		anon := func(source []byte, at time.Time) store.BankVerification {
			v := minimalFlow(p.ID, at)
			v.SourceHash = source
			return v
		}
		// One run that has expired by t0, and two live ones: the bound of
		// three counts only the live ones.
		stale := anon(src, t0.Add(-time.Hour))
		must(t, s.CreateBankVerification(ctx(t), stale, 3))
		for range 2 {
			must(t, s.CreateBankVerification(ctx(t), anon(src, t0), 3))
		}
		third := anon(src, t0)
		must(t, s.CreateBankVerification(ctx(t), third, 3))
		equal(t, getFlow(t, s, third.ID, t0), third)
		// The expired run was deleted to make room, not merely ignored.
		_, err := s.BankVerification(ctx(t), stale.ID, stale.CreatedAt)
		wantErr(t, err, store.ErrNotFound)

		refused := anon(src, t0)
		wantErr(t, s.CreateBankVerification(ctx(t), refused, 3), store.ErrLimitReached)
		_, err = s.BankVerification(ctx(t), refused.ID, t0)
		wantErr(t, err, store.ErrNotFound)

		// Other sources, runs with no source and calls without a bound
		// are not counted against it.
		must(t, s.CreateBankVerification(ctx(t), anon(other, t0), 3))
		must(t, s.CreateBankVerification(ctx(t), minimalFlow(p.ID, t0), 3))
		must(t, s.CreateBankVerification(ctx(t), anon(src, t0), 0))

		// Once the source's runs have expired it may start again.
		later := anon(src, t0.Add(time.Hour))
		must(t, s.CreateBankVerification(ctx(t), later, 3))
		equal(t, getFlow(t, s, later.ID, later.CreatedAt), later)
	}},
	{"RunsPerSourceConcurrent", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		src := hashOf("source")
		const bound, tries = 4, 32
		var (
			wg      sync.WaitGroup
			mu      sync.Mutex
			created []string
		)
		start := make(chan struct{})
		for range tries {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				v := minimalFlow(p.ID, t0)
				v.SourceHash = src
				err := s.CreateBankVerification(ctx(t), v, bound)
				if err != nil && !errors.Is(err, store.ErrLimitReached) {
					t.Error(err)
					return
				}
				if err == nil {
					mu.Lock()
					created = append(created, v.ID)
					mu.Unlock()
				}
			}()
		}
		close(start)
		wg.Wait()
		equal(t, len(created), bound)
	}},
	{"ChoicesPerSource", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		src, other := hashOf("source"), hashOf("other source")
		choice := func(source []byte, minute int) store.BankChoice {
			at := t0.Add(time.Duration(minute) * time.Minute)
			return store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), SourceHash: source,
				BankID: newID("bank"), ChosenAt: at, ExpiresAt: at.Add(time.Hour)}
		}
		remembered := func(c store.BankChoice) bool {
			t.Helper()
			got, err := s.RememberedBank(ctx(t), c.ProjectID, c.VisitorHash, t0)
			if errors.Is(err, store.ErrNotFound) {
				return false
			}
			must(t, err)
			equal(t, got.BankID, c.BankID)
			return true
		}
		var mine []store.BankChoice
		for i := range 5 {
			c := choice(src, i)
			must(t, s.RememberBank(ctx(t), c, 3))
			mine = append(mine, c)
		}
		theirs := choice(other, 0)
		must(t, s.RememberBank(ctx(t), theirs, 3))
		unknown := choice(nil, 0)
		must(t, s.RememberBank(ctx(t), unknown, 3))
		// The source keeps its three most recent choices; the others'
		// stay.
		for i, c := range mine {
			equal(t, remembered(c), i >= 2)
		}
		equal(t, remembered(theirs), true)
		equal(t, remembered(unknown), true)

		// Choosing again replaces a visitor's choice: nobody else's is
		// forgotten for it.
		again := mine[2]
		again.BankID, again.ChosenAt = newID("bank"), t0.Add(10*time.Minute)
		must(t, s.RememberBank(ctx(t), again, 3))
		for _, c := range []store.BankChoice{again, mine[3], mine[4]} {
			equal(t, remembered(c), true)
		}
		// A choice made again from another address moves to that
		// address and no longer counts against this one.
		moved := mine[3]
		moved.SourceHash, moved.ChosenAt = other, t0.Add(11*time.Minute)
		must(t, s.RememberBank(ctx(t), moved, 3))
		fresh := choice(src, 12)
		must(t, s.RememberBank(ctx(t), fresh, 3))
		for _, c := range []store.BankChoice{again, mine[4], fresh, moved, theirs} {
			equal(t, remembered(c), true)
		}
	}},
	{"ChoicesPerSourceConcurrent", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		src := hashOf("source")
		const bound, tries = 4, 32
		choices := make([]store.BankChoice, tries)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range choices {
			choices[i] = store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), SourceHash: src,
				BankID: newID("bank"), ChosenAt: t0.Add(time.Duration(i) * time.Second), ExpiresAt: t0.Add(time.Hour)}
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				if err := s.RememberBank(ctx(t), choices[i], bound); err != nil {
					t.Error(err)
				}
			}()
		}
		close(start)
		wg.Wait()
		kept := 0
		for _, c := range choices {
			_, err := s.RememberedBank(ctx(t), p.ID, c.VisitorHash, t0)
			if err == nil {
				kept++
			} else if !errors.Is(err, store.ErrNotFound) {
				t.Fatal(err)
			}
		}
		equal(t, kept, bound)
	}},
	{"SweepReclaimsSources", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		src := hashOf("source")
		var runs []store.BankVerification
		for range 3 {
			v := minimalFlow(p.ID, t0.Add(-time.Hour)) // expired at t0
			v.SourceHash = src
			must(t, s.CreateBankVerification(ctx(t), v, 3))
			runs = append(runs, v)
		}
		c := store.BankChoice{ProjectID: p.ID, VisitorHash: hashOf("visitor"), SourceHash: src, BankID: newID("bank"),
			ChosenAt: t0.Add(-2 * time.Hour), ExpiresAt: t0}
		must(t, s.RememberBank(ctx(t), c, 3))

		n, err := s.Sweep(ctx(t), t0)
		must(t, err)
		equal(t, n, 4)
		for _, v := range runs {
			_, err := s.BankVerification(ctx(t), v.ID, v.CreatedAt)
			wantErr(t, err, store.ErrNotFound)
		}
		_, err = s.RememberedBank(ctx(t), p.ID, c.VisitorHash, c.ChosenAt)
		wantErr(t, err, store.ErrNotFound)
	}},
}
