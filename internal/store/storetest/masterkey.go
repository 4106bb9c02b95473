package storetest

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/store"
)

func newCheck(id string) store.MasterKeyCheck {
	return store.MasterKeyCheck{KeyID: "mk-" + id, Check: []byte("check-" + id), Pepper: []byte("pepper-" + id), CreatedAt: now()}
}

// sealedRows is a store with two projects' keys (one retired) and three
// banks, one without credentials.
func sealedRows(t *testing.T, s store.Store) (ks []store.Key, bs []store.Bank) {
	t.Helper()
	t0 := now()
	for range 2 {
		p := newProject(t, s)
		k1, k2 := newKey(p.ID, "RS256", t0), newKey(p.ID, "RS256", t0.Add(time.Minute))
		must(t, s.RotateKey(ctx(t), k1, t0.Add(time.Hour)))
		must(t, s.RotateKey(ctx(t), k2, t0.Add(time.Hour)))
		ks = append(ks, k1, k2)
		b := createBank(t, s, newBank(p.ID, "Bank", "https://bank.example/"+p.ID, t0))
		bs = append(bs, b)
		if len(bs) == 1 {
			none := newBank(p.ID, "Bank without credentials", "https://other.example", t0)
			none.SealedSecrets = nil
			bs = append(bs, createBank(t, s, none))
		}
	}
	return ks, bs
}

// storedSealed reads back what sealedRows made.
func storedSealed(t *testing.T, s store.Store, ks []store.Key, bs []store.Bank) (keys, banks [][]byte) {
	t.Helper()
	seen := map[string][]byte{}
	for _, k := range ks {
		got, err := s.ProjectKeys(ctx(t), k.ProjectID, now())
		must(t, err)
		for _, g := range got {
			seen[g.ID] = g.PrivateKey
		}
	}
	for _, k := range ks {
		keys = append(keys, seen[k.ID])
	}
	for _, b := range bs {
		got, err := s.Bank(ctx(t), b.ProjectID, b.ID)
		must(t, err)
		banks = append(banks, got.SealedSecrets)
	}
	return keys, banks
}

var masterKeyTests = []test{
	{"NoCheckIsNotFound", func(t *testing.T, s store.Store) {
		_, err := s.MasterKeyCheck(ctx(t))
		wantErr(t, err, store.ErrNotFound)
	}},
	{"RecordOnce", func(t *testing.T, s store.Store) {
		c := newCheck("a")
		must(t, s.RecordMasterKeyCheck(ctx(t), c))
		got, err := s.MasterKeyCheck(ctx(t))
		must(t, err)
		equal(t, got, c)
		wantErr(t, s.RecordMasterKeyCheck(ctx(t), newCheck("b")), store.ErrAlreadyExists)
		got, err = s.MasterKeyCheck(ctx(t))
		must(t, err)
		equal(t, got, c)
	}},
	{"RotateResealsEverySealedValue", func(t *testing.T, s store.Store) {
		ks, bs := sealedRows(t, s)
		from := newCheck("a")
		must(t, s.RecordMasterKeyCheck(ctx(t), from))
		to := newCheck("b")
		to.CreatedAt, to.RotatedAt = from.CreatedAt, ptr(now())
		var seen []store.Sealed
		n, err := s.RotateMasterKey(ctx(t), from.Check, to, func(v store.Sealed) ([]byte, error) {
			seen = append(seen, v)
			return append([]byte("resealed:"), v.Data...), nil
		})
		must(t, err)
		var want []store.Sealed
		for _, k := range ks {
			want = append(want, store.Sealed{Kind: store.SealedSigningKey, ProjectID: k.ProjectID, ID: k.ID, Alg: k.Alg, Data: k.PrivateKey})
		}
		for _, b := range bs {
			if b.SealedSecrets != nil {
				want = append(want, store.Sealed{Kind: store.SealedBankCredentials, ProjectID: b.ProjectID, ID: b.ID, Data: b.SealedSecrets})
			}
		}
		key := func(v store.Sealed) string { return string(v.Kind) + v.ProjectID + v.ID }
		sortSealed := func(vs []store.Sealed) {
			slices.SortFunc(vs, func(a, b store.Sealed) int {
				if key(a) < key(b) {
					return -1
				}
				return 1
			})
		}
		sortSealed(seen)
		sortSealed(want)
		equal(t, seen, want)
		equal(t, n, len(want))
		keys, banks := storedSealed(t, s, ks, bs)
		for i, k := range ks {
			equal(t, string(keys[i]), "resealed:"+string(k.PrivateKey))
		}
		for i, b := range bs {
			if b.SealedSecrets == nil {
				equal(t, banks[i], []byte(nil))
				continue
			}
			equal(t, string(banks[i]), "resealed:"+string(b.SealedSecrets))
		}
		got, err := s.MasterKeyCheck(ctx(t))
		must(t, err)
		equal(t, got, to)
	}},
	{"RotateFromAnotherCheckConflicts", func(t *testing.T, s store.Store) {
		ks, bs := sealedRows(t, s)
		c := newCheck("a")
		must(t, s.RecordMasterKeyCheck(ctx(t), c))
		keysBefore, banksBefore := storedSealed(t, s, ks, bs)
		_, err := s.RotateMasterKey(ctx(t), []byte("check-other"), newCheck("b"), func(v store.Sealed) ([]byte, error) {
			return []byte("resealed"), nil
		})
		wantErr(t, err, store.ErrConflict)
		keys, banks := storedSealed(t, s, ks, bs)
		equal(t, keys, keysBefore)
		equal(t, banks, banksBefore)
		got, err := s.MasterKeyCheck(ctx(t))
		must(t, err)
		equal(t, got, c)
	}},
	{"RotateWithoutCheckIsNotFound", func(t *testing.T, s store.Store) {
		_, err := s.RotateMasterKey(ctx(t), []byte("check-a"), newCheck("b"), func(v store.Sealed) ([]byte, error) {
			return v.Data, nil
		})
		wantErr(t, err, store.ErrNotFound)
	}},
	{"RotateAbortsOnResealError", func(t *testing.T, s store.Store) {
		ks, bs := sealedRows(t, s)
		c := newCheck("a")
		must(t, s.RecordMasterKeyCheck(ctx(t), c))
		keysBefore, banksBefore := storedSealed(t, s, ks, bs)
		boom := errors.New("does not open")
		calls := 0
		_, err := s.RotateMasterKey(ctx(t), c.Check, newCheck("b"), func(v store.Sealed) ([]byte, error) {
			if calls++; calls == 3 {
				return nil, boom
			}
			return []byte("resealed"), nil
		})
		if !errors.Is(err, boom) {
			t.Fatalf("got %v, want reseal's error as is", err)
		}
		keys, banks := storedSealed(t, s, ks, bs)
		equal(t, keys, keysBefore)
		equal(t, banks, banksBefore)
		got, err := s.MasterKeyCheck(ctx(t))
		must(t, err)
		equal(t, got, c)
	}},
}
