package keys

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
)

var b64 = base64.RawURLEncoding

// Signer signs JWTs with one private key. It is safe for concurrent use:
// a Manager hands the same *Signer to every request until the key changes.
//
// Signing is written against crypto/* directly rather than go-jose because
// this is the token endpoint's hot path: the protected header is encoded
// once per (key, typ), the output is built in one buffer, and ES256 skips
// the big.Int round trip. Tests check every output with go-jose.
type Signer struct {
	kid, alg string
	public   crypto.PublicKey
	rsa      *rsa.PrivateKey
	ec       *ecdsa.PrivateKey
	ed       ed25519.PrivateKey
	sigLen   int
	headers  sync.Map // typ -> string: base64url(protected header) + "."
}

func newSigner(kid, alg string, k crypto.Signer) *Signer {
	s := &Signer{kid: kid, alg: alg, public: k.Public()}
	switch k := k.(type) {
	case *rsa.PrivateKey:
		s.rsa, s.sigLen = k, k.Size()
	case *ecdsa.PrivateKey:
		s.ec, s.sigLen = k, 64 // RFC 7518 §3.4: R || S, 32 bytes each
	case ed25519.PrivateKey:
		s.ed, s.sigLen = k, ed25519.SignatureSize
	}
	return s
}

// KeyID is the "kid" the Signer puts in every header.
func (s *Signer) KeyID() string { return s.kid }

// Alg is the JWS "alg" of the Signer's key.
func (s *Signer) Alg() string { return s.alg }

// SignJWT marshals claims with encoding/json and signs them; see
// SignJWTBytes. A []byte is refused: encoding/json would turn it into a
// base64 string, never the JSON object a JWT needs (RFC 7519 §4).
// Pass json.RawMessage, or call SignJWTBytes, to sign bytes as they are.
func (s *Signer) SignJWT(claims any, typ string) (string, error) {
	if _, ok := claims.([]byte); ok {
		return "", errors.New("keys: SignJWT given []byte; use SignJWTBytes")
	}
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", fmt.Errorf("keys: marshal claims: %w", err)
	}
	return s.SignJWTBytes(payload, typ)
}

// SignJWTBytes returns the compact JWS (RFC 7515 §7.1) of payload, which
// must be a JSON object; it is not re-parsed here. The protected header is
// {"alg","kid","typ"} with typ omitted when empty. typ is "JWT" for session
// and ID tokens and "at+jwt" for access tokens (RFC 9068 §2.1); it should
// be a constant, because each distinct value is cached for the key's life.
func (s *Signer) SignJWTBytes(payload []byte, typ string) (string, error) {
	h := s.header(typ)
	n := len(h) + b64.EncodedLen(len(payload))
	out := make([]byte, n+1+b64.EncodedLen(s.sigLen))
	copy(out, h)
	b64.Encode(out[len(h):n], payload)
	var buf [64]byte
	sig, err := s.sign(buf[:0], out[:n])
	if err != nil {
		return "", fmt.Errorf("keys: sign with %s: %w", s.kid, err)
	}
	if len(sig) != s.sigLen {
		return "", fmt.Errorf("keys: %s signature is %d bytes, want %d", s.alg, len(sig), s.sigLen)
	}
	out[n] = '.'
	b64.Encode(out[n+1:], sig)
	return string(out), nil
}

// header returns the encoded protected header and its trailing dot.
func (s *Signer) header(typ string) string {
	if h, ok := s.headers.Load(typ); ok {
		return h.(string)
	}
	b, err := json.Marshal(struct {
		Alg string `json:"alg"`
		Kid string `json:"kid"`
		Typ string `json:"typ,omitempty"`
	}{s.alg, s.kid, typ})
	if err != nil {
		panic(err) // three strings always marshal
	}
	h, _ := s.headers.LoadOrStore(typ, b64.EncodeToString(b)+".")
	return h.(string)
}

// sign appends the JWS signature of input to dst (RFC 7518 §3).
func (s *Signer) sign(dst, input []byte) ([]byte, error) {
	if s.ed != nil {
		// Ed25519 hashes internally (RFC 8037 §3.1 signs the input itself).
		return append(dst, ed25519.Sign(s.ed, input)...), nil
	}
	digest := sha256.Sum256(input)
	switch {
	case s.ec != nil:
		der, err := ecdsa.SignASN1(rand.Reader, s.ec, digest[:])
		if err != nil {
			return nil, err
		}
		return appendRawECDSA(dst, der, 32)
	case s.alg == PS256:
		// RFC 7518 §3.5: the salt is as long as the hash output.
		sig, err := rsa.SignPSS(rand.Reader, s.rsa, crypto.SHA256, digest[:],
			&rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash})
		return append(dst, sig...), err
	default: // RS256
		sig, err := rsa.SignPKCS1v15(nil, s.rsa, crypto.SHA256, digest[:])
		return append(dst, sig...), err
	}
}

var errECDSAEncoding = errors.New("keys: malformed ECDSA signature")

// appendRawECDSA turns an ASN.1 ECDSA-Sig-Value (SEQUENCE of INTEGER r, s)
// into the JWS form, r || s, each left-padded to size bytes
// (RFC 7518 §3.4). A P-256 signature is under 128 bytes, so every DER
// length here is one short-form byte.
func appendRawECDSA(dst, der []byte, size int) ([]byte, error) {
	if len(der) < 2 || der[0] != 0x30 || der[1]&0x80 != 0 || int(der[1]) != len(der)-2 {
		return nil, errECDSAEncoding
	}
	rest := der[2:]
	for range 2 {
		if len(rest) < 2 || rest[0] != 0x02 || rest[1]&0x80 != 0 || int(rest[1]) > len(rest)-2 {
			return nil, errECDSAEncoding
		}
		v := rest[2 : 2+int(rest[1])]
		rest = rest[2+int(rest[1]):]
		for len(v) > 0 && v[0] == 0 {
			v = v[1:]
		}
		if len(v) > size {
			return nil, errECDSAEncoding
		}
		dst = append(dst, make([]byte, size-len(v))...)
		dst = append(dst, v...)
	}
	if len(rest) != 0 {
		return nil, errECDSAEncoding
	}
	return dst, nil
}
