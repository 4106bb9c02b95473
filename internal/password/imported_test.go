package password

import (
	"context"
	"encoding/base64"
	"errors"
	"testing"

	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/bcrypt"
)

func TestImportedHashes(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 0)
	bc, err := bcrypt.GenerateFromPassword([]byte("password"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	std := base64.StdEncoding.EncodeToString
	a2salt := []byte("0123456789abcdef")
	a2i := argon2.Key([]byte("password"), a2salt, 2, 64, 1, 32)
	a2id := argon2.IDKey([]byte("password"), a2salt, 2, 64, 1, 32)
	for _, tc := range []struct {
		name string
		l    Legacy
	}{
		{"bcrypt", Legacy{Type: "bcrypt", Hash: string(bc)}},
		// RFC 1321 / FIPS 180 digests of "password" (hex and base64),
		// and with salts around it.
		{"md5 hex", Legacy{Type: "md_5", Hash: "5f4dcc3b5aa765d61d8327deb882cf99"}},
		{"sha1 hex", Legacy{Type: "sha_1", Hash: "5baa61e4c9b93f3f0682250b6cf8331b7ee68fd8"}},
		{"sha1 base64 salted", Legacy{Type: "sha_1", Hash: "WJ5ALodXzyh9i151UMoZd0Y2YLI=", PrependSalt: "pre-", AppendSalt: "-post"}},
		{"sha512 hex", Legacy{Type: "sha_512", Hash: "b109f3bbbc244eb82441917ed06d618b9008dd09b3befd1b5e07394c706a8bb980b1d7785e5976ec049b46df5f1326af5a2ea6d103fd07c95385ffab0cacbc86"}},
		// RFC 7914 §12: scrypt("password", "NaCl", N=1024, r=8, p=16, 64).
		{"scrypt", Legacy{Type: "scrypt", Salt: std([]byte("NaCl")), N: 1024, R: 8, P: 16, KeyLength: 64,
			Hash: b64hex(t, "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b3731622eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640")}},
		// RFC 7914 §11: PBKDF2-HMAC-SHA256("passwd", "salt", 1, 64), checked with "passwd" below.
		{"pbkdf2", Legacy{Type: "pbkdf_2", Salt: std([]byte("salt")), Iterations: 1, KeyLength: 64,
			Hash: b64hex(t, "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")}},
		{"argon2i config", Legacy{Type: "argon_2i", Hash: std(a2i), Salt: std(a2salt), Iterations: 2, Memory: 64, Threads: 1, KeyLength: 32}},
		{"argon2id config", Legacy{Type: "argon_2id", Hash: std(a2id), Salt: std(a2salt), Iterations: 2, Memory: 64, Threads: 1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			stored, err := Import(tc.l)
			if err != nil {
				t.Fatalf("Import: %v", err)
			}
			pw := "password"
			if tc.name == "pbkdf2" {
				pw = "passwd"
			}
			// Every imported form but argon2id (at the current
			// parameters) asks to be rehashed after a match.
			wantRehash := tc.l.Type != "argon_2id"
			ok, rehash, err := h.Verify(ctx, pw, stored)
			if err != nil || !ok || rehash != wantRehash {
				t.Fatalf("Verify(right password) = %v, %v, %v; want true, %v, nil", ok, rehash, err, wantRehash)
			}
			ok, rehash, err = h.Verify(ctx, pw+"x", stored)
			if err != nil || ok || rehash {
				t.Fatalf("Verify(wrong password) = %v, %v, %v; want false, false, nil", ok, rehash, err)
			}
		})
	}
}

func b64hex(t *testing.T, s string) string {
	t.Helper()
	b := make([]byte, len(s)/2)
	for i := range b {
		var v byte
		for _, c := range s[2*i : 2*i+2] {
			v <<= 4
			switch {
			case c >= '0' && c <= '9':
				v |= byte(c - '0')
			default:
				v |= byte(c-'a') + 10
			}
		}
		b[i] = v
	}
	return base64.StdEncoding.EncodeToString(b)
}

func TestImportRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		l    Legacy
	}{
		{"not bcrypt", Legacy{Type: "bcrypt", Hash: "5f4dcc3b5aa765d61d8327deb882cf99"}},
		{"bcrypt too costly", Legacy{Type: "bcrypt", Hash: "$2a$31$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"}},
		{"md5 wrong length", Legacy{Type: "md_5", Hash: "5f4dcc3b"}},
		{"scrypt N not a power of two", Legacy{Type: "scrypt", Salt: "c2FsdA==", N: 1000, R: 8, P: 1, Hash: "c2FsdHNhbHRzYWx0c2FsdA=="}},
		{"scrypt too much memory", Legacy{Type: "scrypt", Salt: "c2FsdA==", N: 1 << 18, R: 16, P: 1, Hash: "c2FsdHNhbHRzYWx0c2FsdA=="}},
		{"pbkdf2 too many iterations", Legacy{Type: "pbkdf_2", Salt: "c2FsdA==", Iterations: 10_000_000, Hash: "c2FsdHNhbHRzYWx0c2FsdA=="}},
		{"pbkdf2 unknown digest", Legacy{Type: "pbkdf_2", Salt: "c2FsdA==", Iterations: 1, Algorithm: "md5", Hash: "c2FsdHNhbHRzYWx0c2FsdA=="}},
		{"argon2 huge memory", Legacy{Type: "argon_2id", Salt: "MDEyMzQ1Njc4OWFiY2RlZg==", Iterations: 1, Memory: 1 << 30, Threads: 1, Hash: "c2FsdHNhbHRzYWx0c2FsdA=="}},
		{"argon2 variant mismatch", Legacy{Type: "argon_2i", Hash: "$argon2id$v=19$m=64,t=1,p=1$MDEyMzQ1Njc4OWFiY2RlZg$c2FsdHNhbHRzYWx0c2FsdA"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Import(tc.l)
			var ie *ImportError
			if !errors.As(err, &ie) {
				t.Fatalf("Import = %v, want an *ImportError", err)
			}
		})
	}
	if _, err := Import(Legacy{Type: "phpass", Hash: "$P$984478476IagS59wHZvyQMArzfx58u."}); !errors.Is(err, ErrUnsupportedType) {
		t.Fatalf("phpass: %v, want ErrUnsupportedType", err)
	}
}

func TestVerifyRefusesUnknownStored(t *testing.T) {
	h := NewHasher(cheap, 0)
	for _, s := range []string{"", "plain", "$md5$$$", "$scrypt$ln=40,r=1,p=1$c2FsdA$c2FsdA", "$pbkdf2-sha256$i=0$c2FsdA$c2FsdHNhbHRzYWx0c2FsdA"} {
		if _, _, err := h.Verify(context.Background(), "pw", s); !errors.Is(err, ErrMalformed) {
			t.Errorf("Verify(%q) error = %v, want ErrMalformed", s, err)
		}
	}
}
