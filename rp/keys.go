package rp

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// PrivateKeys is a client's private key pair, parsed from a private JWK set:
// an RSA key that signs request objects and client assertions (PS256) and an
// RSA key that the OP encrypts JARMs and ID tokens to (RSA-OAEP with
// A256CBC-HS512). This is the shape IDPartner registers ("to be FAPI
// compliant"). The zero value is not usable.
type PrivateKeys struct {
	sig jose.JSONWebKey
	enc jose.JSONWebKey
}

// ParsePrivateJWKS reads a private JWK set (RFC 7517 §5) holding one RSA
// signing key (use "sig" or alg "PS256") and one RSA encryption key (use
// "enc" or alg "RSA-OAEP"). Keys without a kid get their RFC 7638
// thumbprint. Other keys are ignored.
func ParsePrivateJWKS(data []byte) (*PrivateKeys, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(data, &set); err != nil {
		return nil, errors.New("rp: private JWKS is not a JWK set")
	}
	var pk PrivateKeys
	for _, k := range set.Keys {
		if _, ok := k.Key.(*rsa.PrivateKey); !ok {
			continue
		}
		if k.KeyID == "" {
			tp, err := k.Thumbprint(crypto.SHA256)
			if err != nil {
				continue
			}
			k.KeyID = base64.RawURLEncoding.EncodeToString(tp)
		}
		switch {
		case pk.sig.Key == nil && (k.Use == "sig" || k.Use == "" && k.Algorithm == string(jose.PS256)):
			pk.sig = k
		case pk.enc.Key == nil && (k.Use == "enc" || k.Use == "" && k.Algorithm == string(jose.RSA_OAEP)):
			pk.enc = k
		}
	}
	if pk.sig.Key == nil || pk.enc.Key == nil {
		return nil, errors.New("rp: private JWKS needs an RSA signing key and an RSA encryption key")
	}
	return &pk, nil
}

// String and GoString keep private keys out of logs and %+v output.
func (k *PrivateKeys) String() string {
	return "rp.PrivateKeys{sig: " + k.sig.KeyID + ", enc: " + k.enc.KeyID + "}"
}

// GoString is String: %#v shows no key either.
func (k *PrivateKeys) GoString() string { return k.String() }

func (k *PrivateKeys) signingKey() jose.SigningKey {
	return jose.SigningKey{Algorithm: jose.PS256, Key: jose.JSONWebKey{Key: k.sig.Key, KeyID: k.sig.KeyID}}
}

// PublicJWKS returns the public halves of [Config.Keys] as a JWK set, for the
// OP's registration ("jwks" or a jwks_uri the app serves). Without keys it
// returns {"keys":[]}, a valid empty set (the Node client returns {}).
func (c *Client) PublicJWKS() []byte {
	set := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{}}
	if k := c.cfg.Keys; k != nil {
		sig, enc := k.sig.Public(), k.enc.Public()
		sig.Use, sig.Algorithm = "sig", string(jose.PS256)
		enc.Use, enc.Algorithm = "enc", string(jose.RSA_OAEP)
		set.Keys = append(set.Keys, sig, enc)
	}
	b, err := json.Marshal(set)
	if err != nil { // RSA public keys always marshal
		panic(err)
	}
	return b
}

// GenerateJWKS makes a new private JWK set of the shape [ParsePrivateJWKS]
// reads: an RSA-2048 signing key (use sig, alg PS256) and an RSA-2048
// encryption key (use enc, alg RSA-OAEP), each with its RFC 7638
// thumbprint as kid. It returns the set and its public half, which is
// what the client registers at the OP.
func GenerateJWKS() (private, public []byte, err error) {
	var priv, pub jose.JSONWebKeySet
	for _, k := range []struct{ use, alg string }{{"sig", string(jose.PS256)}, {"enc", string(jose.RSA_OAEP)}} {
		key, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, nil, fmt.Errorf("rp: %s key: %w", k.use, err)
		}
		jwk := jose.JSONWebKey{Key: key, Use: k.use, Algorithm: k.alg}
		tp, err := jwk.Thumbprint(crypto.SHA256)
		if err != nil {
			return nil, nil, fmt.Errorf("rp: %s key thumbprint: %w", k.use, err)
		}
		jwk.KeyID = base64.RawURLEncoding.EncodeToString(tp)
		priv.Keys = append(priv.Keys, jwk)
		pub.Keys = append(pub.Keys, jwk.Public())
	}
	if private, err = json.Marshal(priv); err != nil {
		return nil, nil, err
	}
	if public, err = json.Marshal(pub); err != nil {
		return nil, nil, err
	}
	return private, public, nil
}
