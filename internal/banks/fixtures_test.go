package banks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// Test credentials, made once per test binary (RSA key generation is slow).
type fixtureSet struct {
	certPEM, keyPEM, otherKeyPEM string
	rsaJWKS, ecJWKS, publicJWKS  string
	signOnlyJWKS                 string
}

var fixtures = sync.OnceValue(func() (f fixtureSet) {
	newECKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			panic(err)
		}
		return k
	}
	keyPEM := func(k *ecdsa.PrivateKey) string {
		der, err := x509.MarshalPKCS8PrivateKey(k)
		if err != nil {
			panic(err)
		}
		return string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	}
	k := newECKey()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "rp-client"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		panic(err)
	}
	f.certPEM = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	f.keyPEM, f.otherKeyPEM = keyPEM(k), keyPEM(newECKey())

	rk, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	set := func(keys ...jose.JSONWebKey) string {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		if err != nil {
			panic(err)
		}
		return string(b)
	}
	ek, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	// What package rp needs: a PS256 signing key and an RSA-OAEP one.
	f.rsaJWKS = set(jose.JSONWebKey{Key: rk, KeyID: "rsa-1", Use: "sig", Algorithm: "PS256"},
		jose.JSONWebKey{Key: ek, KeyID: "rsa-enc-1", Use: "enc", Algorithm: "RSA-OAEP"})
	f.signOnlyJWKS = set(jose.JSONWebKey{Key: rk, KeyID: "rsa-1", Use: "sig", Algorithm: "PS256"})
	f.ecJWKS = set(jose.JSONWebKey{Key: newECKey(), KeyID: "ec-1", Use: "sig", Algorithm: "ES256"})
	f.publicJWKS = set(jose.JSONWebKey{Key: &rk.PublicKey, KeyID: "rsa-1", Use: "sig", Algorithm: "PS256"})
	return f
})

func fmtV(v any) string { return fmt.Sprintf("%v %+v %#v %s", v, v, v, v) }
