package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// newKey is a key that is published at created and signs an hour later.
func newKey(projectID, alg string, created time.Time) store.Key {
	id := newID("kid")
	return store.Key{
		ID:          id,
		ProjectID:   projectID,
		Alg:         alg,
		PrivateKey:  []byte("sealed:" + id),
		PublicJWK:   []byte(`{"kid":"` + id + `"}`),
		CreatedAt:   created,
		ActivatesAt: created.Add(time.Hour),
	}
}

var keyTests = []test{
	{"FirstRotateIsPlainInsert", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		k := newKey(p.ID, "RS256", now())
		must(t, s.RotateKey(ctx(t), k, now().Add(24*time.Hour)))
		got, err := s.ProjectKeys(ctx(t), p.ID, now())
		must(t, err)
		equal(t, got, []store.Key{k})
	}},
	{"RotateRetiresPreviousOfSameAlgOnly", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		rs1 := newKey(p.ID, "RS256", t0)
		es := newKey(p.ID, "ES256", t0.Add(time.Minute))
		rs2 := newKey(p.ID, "RS256", t0.Add(2*time.Minute))
		removeAt := t0.Add(48 * time.Hour)
		for _, k := range []store.Key{rs1, es} {
			must(t, s.RotateKey(ctx(t), k, t0.Add(time.Hour)))
		}
		must(t, s.RotateKey(ctx(t), rs2, removeAt))

		rs1.RetiresAt, rs1.RemoveAt = ptr(rs2.ActivatesAt), ptr(removeAt)
		got, err := s.ProjectKeys(ctx(t), p.ID, t0)
		must(t, err)
		equal(t, got, []store.Key{rs1, es, rs2})
	}},
	{"RotateLeavesAlreadyRetiredKeys", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		k1, k2, k3 := newKey(p.ID, "RS256", t0), newKey(p.ID, "RS256", t0.Add(time.Minute)), newKey(p.ID, "RS256", t0.Add(2*time.Minute))
		must(t, s.RotateKey(ctx(t), k1, t0))
		must(t, s.RotateKey(ctx(t), k2, t0.Add(10*time.Hour)))
		must(t, s.RotateKey(ctx(t), k3, t0.Add(20*time.Hour)))

		k1.RetiresAt, k1.RemoveAt = ptr(k2.ActivatesAt), ptr(t0.Add(10*time.Hour))
		k2.RetiresAt, k2.RemoveAt = ptr(k3.ActivatesAt), ptr(t0.Add(20*time.Hour))
		got, err := s.ProjectKeys(ctx(t), p.ID, t0)
		must(t, err)
		equal(t, got, []store.Key{k1, k2, k3})
	}},
	{"ProjectKeysHidesRemoved", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		old, cur := newKey(p.ID, "RS256", t0), newKey(p.ID, "RS256", t0.Add(time.Minute))
		removeAt := t0.Add(time.Hour)
		must(t, s.RotateKey(ctx(t), old, removeAt))
		must(t, s.RotateKey(ctx(t), cur, removeAt))
		for _, tc := range []struct {
			name string
			at   time.Time
			want int
		}{
			{"before removal", removeAt.Add(-time.Microsecond), 2},
			{"at removal", removeAt, 1},
			{"after removal", removeAt.Add(time.Hour), 1},
		} {
			got, err := s.ProjectKeys(ctx(t), p.ID, tc.at)
			must(t, err)
			if len(got) != tc.want {
				t.Fatalf("%s: %d keys, want %d", tc.name, len(got), tc.want)
			}
			if got[len(got)-1].ID != cur.ID {
				t.Fatalf("%s: current key missing", tc.name)
			}
		}
	}},
	{"ProjectIsolation", func(t *testing.T, s store.Store) {
		a, b := newProject(t, s), newProject(t, s)
		ka, kb := newKey(a.ID, "RS256", now()), newKey(b.ID, "RS256", now())
		must(t, s.RotateKey(ctx(t), ka, now().Add(time.Hour)))
		must(t, s.RotateKey(ctx(t), kb, now().Add(time.Hour)))
		got, err := s.ProjectKeys(ctx(t), a.ID, now())
		must(t, err)
		// b's rotation did not retire a's key, and b's key is not listed.
		equal(t, got, []store.Key{ka})
	}},
	{"DuplicateIDRollsBack", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		k := newKey(p.ID, "RS256", now())
		must(t, s.RotateKey(ctx(t), k, now().Add(time.Hour)))
		again := k
		again.CreatedAt = k.CreatedAt.Add(time.Minute)
		wantDup(t, s.RotateKey(ctx(t), again, now().Add(time.Hour)), "key_id")
		got, err := s.ProjectKeys(ctx(t), p.ID, now())
		must(t, err)
		equal(t, got, []store.Key{k}) // still current: the retirement was undone
	}},
	{"AddKeysSkipsAlgsWithCurrentKey", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		rs := newKey(p.ID, "RS256", t0)
		must(t, s.RotateKey(ctx(t), rs, t0.Add(time.Hour)))
		ps, es, rs2 := newKey(p.ID, "PS256", t0.Add(time.Second)), newKey(p.ID, "ES256", t0.Add(2*time.Second)), newKey(p.ID, "RS256", t0)
		n, err := s.AddKeys(ctx(t), []store.Key{ps, rs2, es})
		must(t, err)
		equal(t, n, 2)
		got, err := s.ProjectKeys(ctx(t), p.ID, t0)
		must(t, err)
		equal(t, got, []store.Key{rs, ps, es}) // rs2 left out, rs untouched
		n, err = s.AddKeys(ctx(t), []store.Key{newKey(p.ID, "ES256", t0)})
		must(t, err)
		equal(t, n, 0)
	}},
	{"AddKeysCountsPendingRotationAsCurrent", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		t0 := now()
		old, next := newKey(p.ID, "ES256", t0), newKey(p.ID, "ES256", t0.Add(time.Minute))
		must(t, s.RotateKey(ctx(t), old, t0.Add(time.Hour)))
		must(t, s.RotateKey(ctx(t), next, t0.Add(2*time.Hour))) // old retires when next activates
		n, err := s.AddKeys(ctx(t), []store.Key{newKey(p.ID, "ES256", t0)})
		must(t, err)
		equal(t, n, 0)
	}},
	{"AddKeysUnknownProject", func(t *testing.T, s store.Store) {
		_, err := s.AddKeys(ctx(t), []store.Key{newKey(newID("project"), "RS256", now())})
		wantErr(t, err, store.ErrNotFound)
	}},
	{"AddKeysRacersAddOneKey", func(t *testing.T, s store.Store) {
		p := newProject(t, s)
		var wg sync.WaitGroup
		added := make([]int, 4)
		for i := range added {
			wg.Go(func() {
				n, err := s.AddKeys(ctx(t), []store.Key{newKey(p.ID, "PS256", now())})
				if err != nil {
					t.Error(err)
				}
				added[i] = n
			})
		}
		wg.Wait()
		got, err := s.ProjectKeys(ctx(t), p.ID, now())
		must(t, err)
		equal(t, len(got), 1)
		equal(t, added[0]+added[1]+added[2]+added[3], 1)
	}},
}
