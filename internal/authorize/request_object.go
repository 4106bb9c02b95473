package authorize

import (
	"context"
	"encoding/json"
	"errors"
	"net/url"
	"slices"
	"strconv"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/clientauth"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// Request objects (RFC 9101, "JAR"), with the FAPI 2.0 Message Signing
// rules: signed PS256 or ES256 by the client's keys; exp, nbf and aud
// required; at most 60 minutes between nbf and exp.
const (
	requestObjectTyp         = "oauth-authz-req+jwt" // RFC 9101 §10.8
	maxRequestObjectLifetime = 60 * time.Minute
	requestObjectSkew        = 10 * time.Second
)

// requestObjectAlgs are the algorithms accepted when the client
// registered no request_object_signing_alg.
var requestObjectAlgs = []jose.SignatureAlgorithm{jose.PS256, jose.ES256}

// RequestObjectAlgs are the request object signing algorithms, for the
// discovery document.
func RequestObjectAlgs() []string {
	out := make([]string, len(requestObjectAlgs))
	for i, a := range requestObjectAlgs {
		out[i] = string(a)
	}
	return out
}

// registeredClaims are JWT claims of the object, not request parameters.
var registeredClaims = []string{"iss", "aud", "exp", "nbf", "iat", "jti", "sub"}

func badObject(desc string) *oidc.Error { return oidc.NewError(oidc.InvalidRequestObject, desc) }

// requestObject verifies the request object of client and returns the
// authorization request parameters it carries. RFC 9101 §6.3 (and FAPI):
// only the parameters inside count; the caller drops the outside ones.
// Errors are *oidc.Error invalid_request_object.
func (a *Authorizer) requestObject(ctx context.Context, client store.ConnectedApp, object string) (url.Values, error) {
	if a.ClientKeys == nil {
		return nil, oidc.NewError(oidc.RequestNotSupported, "Request objects (the request parameter) are not supported.")
	}
	algs := requestObjectAlgs
	if alg := client.RequestObjectSigningAlg; alg != "" {
		algs = []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)}
	}
	payload, header, err := a.ClientKeys.Verify(ctx, client, object, algs)
	if err != nil {
		return nil, oidc.Errorf(oidc.InvalidRequestObject, "The request object is not signed by a key of this application with an accepted algorithm (PS256, ES256).", err)
	}
	if typ, _ := header.ExtraHeaders[jose.HeaderType].(string); typ != "" && typ != requestObjectTyp {
		return nil, badObject("The request object's typ must be " + requestObjectTyp + ".")
	}
	if !api.ValidJSONText(payload) {
		// Its claims are the client's text, like a form's (the jti is
		// stored before parse sees the rest).
		return nil, badObject("The request object holds text that is not valid UTF-8, or a NUL.")
	}
	var claims map[string]json.RawMessage
	if err := json.Unmarshal(payload, &claims); err != nil {
		return nil, badObject("The request object's payload is not a JSON object.")
	}
	if err := a.checkObjectClaims(ctx, client, claims); err != nil {
		return nil, err
	}
	out := url.Values{}
	for k, raw := range claims {
		if slices.Contains(registeredClaims, k) {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			out.Set(k, s)
			continue
		}
		if k == "request" || k == "request_uri" {
			return nil, badObject("A request object must not contain request or request_uri.")
		}
		// max_age as a number, claims as an object (OIDC Core §6.1): the
		// parameter is their JSON text.
		out.Set(k, string(raw))
	}
	if out.Has("request") || out.Has("request_uri") {
		return nil, badObject("A request object must not contain request or request_uri.")
	}
	if id := out.Get("client_id"); id != "" && id != client.ClientID {
		return nil, badObject("The request object's client_id is not the application's.")
	}
	out.Set("client_id", client.ClientID)
	return out, nil
}

func (a *Authorizer) checkObjectClaims(ctx context.Context, client store.ConnectedApp, claims map[string]json.RawMessage) error {
	var iss string
	if json.Unmarshal(claims["iss"], &iss) != nil || iss != client.ClientID {
		return badObject("The request object's iss must be the client_id.")
	}
	auds, err := clientauth.Audiences(claims["aud"])
	if claims["aud"] == nil || err != nil || !slices.Contains(auds, a.Issuer) {
		return badObject("The request object's aud must be this server's issuer.")
	}
	exp, ok := numericDate(claims["exp"])
	if !ok {
		return badObject("The request object has no exp.")
	}
	nbf, ok := numericDate(claims["nbf"])
	if !ok {
		return badObject("The request object has no nbf.")
	}
	now := store.Now(a.Now)
	switch {
	case !now.Before(exp.Add(requestObjectSkew)):
		return badObject("The request object has expired.")
	case now.Add(requestObjectSkew).Before(nbf):
		return badObject("The request object is not valid yet (nbf).")
	case exp.Sub(nbf) > maxRequestObjectLifetime:
		return badObject("The request object's exp is more than 60 minutes after its nbf.")
	case now.Sub(nbf) > maxRequestObjectLifetime:
		return badObject("The request object's nbf is more than 60 minutes ago.")
	}
	var jti string
	if raw := claims["jti"]; raw != nil {
		if json.Unmarshal(raw, &jti) != nil || jti == "" {
			return badObject("The request object's jti must be a string.")
		}
		// RFC 9101 §10.8: a request object is not replayed. Its JWT IDs
		// share the client's namespace with its client assertions.
		if err := a.JTIs.UseJTI(ctx, client.ClientID, "request:"+jti, exp.Add(requestObjectSkew)); err != nil {
			if errors.Is(err, store.ErrAlreadyUsed) {
				return badObject("The request object was used before (jti).")
			}
			return err
		}
	}
	return nil
}

// numericDate reads a JWT NumericDate (RFC 7519 §2).
func numericDate(raw json.RawMessage) (time.Time, bool) {
	if raw == nil {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(string(raw), 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.Unix(int64(f), 0), true
}
