package apps

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/oidc"
)

// registrationMetadata is the client metadata of RFC 7591 §2 (and OIDC
// Registration, RFC 8705 §2.1.2, JARM, RFC 9101 §10.5, RFC 9449 §5.2)
// that Signet takes at its registration endpoint, with the Signet names of
// the Connected App fields they become. Unknown members are ignored (RFC
// 7591 §2); so is tls_client_auth_trust_anchors, which only the project's
// operator may set, through the management API: a client naming its own
// trust anchors would vouch for itself.
type registrationMetadata struct {
	RedirectURIs            []string `json:"redirect_uris"`
	TokenEndpointAuthMethod string   `json:"token_endpoint_auth_method"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	ClientName              string   `json:"client_name"`
	LogoURI                 string   `json:"logo_uri"`
	// Scope and Contacts are checked and not kept: a Connected App's
	// scopes are what its users consent to, and it has no contacts.
	Scope                  string          `json:"scope"`
	Contacts               []string        `json:"contacts"`
	JWKS                   json.RawMessage `json:"jwks"`
	JWKSURI                string          `json:"jwks_uri"`
	PostLogoutRedirectURIs []string        `json:"post_logout_redirect_uris"`

	TLSClientAuthSubjectDN                string `json:"tls_client_auth_subject_dn"`
	TLSClientAuthSANDNS                   string `json:"tls_client_auth_san_dns"`
	TLSClientAuthSANURI                   string `json:"tls_client_auth_san_uri"`
	TLSClientAuthSANIP                    string `json:"tls_client_auth_san_ip"`
	TLSClientAuthSANEmail                 string `json:"tls_client_auth_san_email"`
	RequirePAR                            bool   `json:"require_pushed_authorization_requests"`
	RequestObjectSigningAlg               string `json:"request_object_signing_alg"`
	AuthorizationSignedResponseAlg        string `json:"authorization_signed_response_alg"`
	AuthorizationEncryptedResponseAlg     string `json:"authorization_encrypted_response_alg"`
	AuthorizationEncryptedResponseEnc     string `json:"authorization_encrypted_response_enc"`
	IDTokenSignedResponseAlg              string `json:"id_token_signed_response_alg"`
	IDTokenEncryptedResponseAlg           string `json:"id_token_encrypted_response_alg"`
	IDTokenEncryptedResponseEnc           string `json:"id_token_encrypted_response_enc"`
	TLSClientCertificateBoundAccessTokens bool   `json:"tls_client_certificate_bound_access_tokens"`
	RequireSignedRequestObject            bool   `json:"require_signed_request_object"`
	DPoPBoundAccessTokens                 bool   `json:"dpop_bound_access_tokens"`
	SecurityProfile                       string `json:"security_profile"`

	// RFC 7592 §2.2: an update names the client and may repeat its secret.
	ClientID     string `json:"client_id"`
	ClientSecret string `json:"client_secret"`
}

// Grant and response types of a Connected App: the authorization code
// grant and its refresh tokens (offline_access), nothing else.
var (
	registrationGrantTypes    = []string{oidc.GrantAuthorizationCode, oidc.GrantRefreshToken}
	registrationResponseTypes = []string{"code"}
)

// maxContacts bounds contacts, which are checked and dropped.
const maxContacts = 20

// decodeMetadata reads the metadata from a JSON object.
func decodeMetadata(obj map[string]json.RawMessage) (registrationMetadata, error) {
	var m registrationMetadata
	b, err := json.Marshal(obj)
	if err != nil {
		return m, oidc.Errorf(oidc.InvalidClientMetadata, "The client metadata could not be read.", err)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) && typeErr.Field != "" {
			return m, oidc.NewError(oidc.InvalidClientMetadata, typeErr.Field+" has the wrong type: expected "+typeErr.Type.String()+".")
		}
		return m, oidc.NewError(oidc.InvalidClientMetadata, "The client metadata is not a JSON object of the RFC 7591 fields.")
	}
	return m, nil
}

// check applies the rules of dynamic registration itself; everything
// else is the management API's validation (checkConnectedApp), run on the
// client the metadata makes.
func (m *registrationMetadata) check(scopes []string) error {
	// RFC 7591 §2: grant_types defaults to authorization_code,
	// response_types to code, token_endpoint_auth_method to
	// client_secret_basic.
	if len(m.GrantTypes) == 0 {
		m.GrantTypes = []string{oidc.GrantAuthorizationCode}
	}
	if len(m.ResponseTypes) == 0 {
		m.ResponseTypes = []string{"code"}
	}
	if m.TokenEndpointAuthMethod == "" {
		m.TokenEndpointAuthMethod = oidc.AuthClientSecretBasic
	}
	for _, g := range m.GrantTypes {
		if !slices.Contains(registrationGrantTypes, g) {
			return oidc.NewError(oidc.InvalidClientMetadata, "grant_types may hold only "+strings.Join(registrationGrantTypes, " and ")+".")
		}
	}
	for _, rt := range m.ResponseTypes {
		if !slices.Contains(registrationResponseTypes, rt) {
			return oidc.NewError(oidc.InvalidClientMetadata, "response_types may hold only code.")
		}
	}
	// RFC 7591 §2.1: the code response type goes with the
	// authorization_code grant.
	if !slices.Contains(m.GrantTypes, oidc.GrantAuthorizationCode) {
		return oidc.NewError(oidc.InvalidClientMetadata, "grant_types must include authorization_code, the grant of response type code (RFC 7591 section 2.1).")
	}
	// RFC 7591 §2: redirect-based grants need redirect URIs.
	if len(m.RedirectURIs) == 0 {
		return oidc.NewError(oidc.InvalidRedirectURI, "redirect_uris is required for the authorization_code grant.")
	}
	if m.Scope != "" {
		for s := range strings.FieldsSeq(m.Scope) {
			if !slices.Contains(scopes, s) {
				return oidc.NewError(oidc.InvalidClientMetadata, "scope holds "+api.Truncate(s)+", which this server does not support.")
			}
		}
	}
	if len(m.Contacts) > maxContacts {
		return oidc.NewError(oidc.InvalidClientMetadata, "contacts holds too many entries.")
	}
	for _, c := range m.Contacts {
		if c == "" || len(c) > maxURLLen {
			return oidc.NewError(oidc.InvalidClientMetadata, "contacts must be non-empty strings of at most 2048 bytes.")
		}
	}
	return nil
}

// clientType is the Connected App type the metadata makes: a third-party
// client (so its users are asked to consent), public when it
// authenticates with none (RFC 7591 §2).
func (m registrationMetadata) clientType() string {
	if m.TokenEndpointAuthMethod == oidc.AuthNone {
		return TypeThirdPartyPublic
	}
	return TypeThirdParty
}

// settings are the management API's settings the metadata stands for:
// every registrable field, so that applying them replaces the client's
// metadata whole (RFC 7592 §2.2: an omitted field is deleted), through
// the same apply the management API uses.
func (m registrationMetadata) settings() connectedSettings {
	jwks := m.JWKS
	if len(jwks) == 0 {
		jwks = json.RawMessage("null")
	}
	logouts := m.PostLogoutRedirectURIs
	if logouts == nil {
		logouts = []string{}
	}
	return connectedSettings{
		ClientName:             &m.ClientName,
		RedirectURLs:           &m.RedirectURIs,
		PostLogoutRedirectURLs: &logouts,
		LogoURL:                &m.LogoURI,
		metadataSettings: metadataSettings{
			JWKS:                                  jwks,
			JWKSURI:                               &m.JWKSURI,
			TokenEndpointAuthMethod:               &m.TokenEndpointAuthMethod,
			TLSClientAuthSubjectDN:                &m.TLSClientAuthSubjectDN,
			TLSClientAuthSANDNS:                   &m.TLSClientAuthSANDNS,
			TLSClientAuthSANURI:                   &m.TLSClientAuthSANURI,
			TLSClientAuthSANIP:                    &m.TLSClientAuthSANIP,
			TLSClientAuthSANEmail:                 &m.TLSClientAuthSANEmail,
			RequirePAR:                            &m.RequirePAR,
			RequestObjectSigningAlg:               &m.RequestObjectSigningAlg,
			AuthorizationSignedResponseAlg:        &m.AuthorizationSignedResponseAlg,
			AuthorizationEncryptedResponseAlg:     &m.AuthorizationEncryptedResponseAlg,
			AuthorizationEncryptedResponseEnc:     &m.AuthorizationEncryptedResponseEnc,
			IDTokenSignedResponseAlg:              &m.IDTokenSignedResponseAlg,
			IDTokenEncryptedResponseAlg:           &m.IDTokenEncryptedResponseAlg,
			IDTokenEncryptedResponseEnc:           &m.IDTokenEncryptedResponseEnc,
			TLSClientCertificateBoundAccessTokens: &m.TLSClientCertificateBoundAccessTokens,
			SecurityProfile:                       &m.SecurityProfile,
			RequireSignedRequestObject:            &m.RequireSignedRequestObject,
			DPoPBoundAccessTokens:                 &m.DPoPBoundAccessTokens,
		},
	}
}

// stytchToRFC renames the management API's fields in its messages to the
// RFC 7591 names the registering client sent.
var stytchToRFC = strings.NewReplacer(
	"post_logout_redirect_urls", "post_logout_redirect_uris",
	"redirect_urls", "redirect_uris",
	"logo_url", "logo_uri",
)

// registrationError turns a refusal of the management API's validation
// into the RFC 7591 §3.2.2 error: invalid_redirect_uri for the redirect
// URIs, invalid_client_metadata for every other field.
func registrationError(err error) error {
	var e *api.Error
	if !errors.As(err, &e) || e.Status >= 500 {
		return err
	}
	code := oidc.InvalidClientMetadata
	if e.Type == "invalid_redirect_urls" {
		code = oidc.InvalidRedirectURI
	}
	return oidc.NewError(code, stytchToRFC.Replace(e.Message))
}

// clientInformation is the client information response (RFC 7591 §3.2.1,
// RFC 7592 §3): the registered metadata, defaults included, and how to
// manage the client.
type clientInformation struct {
	ClientID                string   `json:"client_id"`
	ClientSecret            string   `json:"client_secret,omitempty"`
	ClientIDIssuedAt        int64    `json:"client_id_issued_at"`
	ClientSecretExpiresAt   *int64   `json:"client_secret_expires_at,omitempty"` // 0, never, for confidential clients
	RegistrationAccessToken string   `json:"registration_access_token"`
	RegistrationClientURI   string   `json:"registration_client_uri"`
	ClientName              string   `json:"client_name,omitempty"`
	LogoURI                 string   `json:"logo_uri,omitempty"`
	RedirectURIs            []string `json:"redirect_uris"`
	PostLogoutRedirectURIs  []string `json:"post_logout_redirect_uris,omitempty"`
	GrantTypes              []string `json:"grant_types"`
	ResponseTypes           []string `json:"response_types"`
	SoftwareStatement       string   `json:"software_statement,omitempty"`
	clientMetadataWire
}

// information is c's client information; the caller adds the secret and
// the software statement when they were just given. grant_types are what
// a Connected App may use, whatever subset it asked for (RFC 7591 §3.2.1
// lets the server replace requested values).
func information(c store.ConnectedApp, clientURI, accessToken string) clientInformation {
	md := wireMetadata(c.ClientMetadata)
	md.TLSClientAuthTrustAnchors = "" // the operator's, not registered metadata
	info := clientInformation{
		ClientID:                c.ClientID,
		ClientIDIssuedAt:        c.CreatedAt.Unix(),
		RegistrationAccessToken: accessToken,
		RegistrationClientURI:   clientURI,
		ClientName:              c.Name,
		LogoURI:                 c.LogoURL,
		RedirectURIs:            nonNilList(c.RedirectURLs),
		PostLogoutRedirectURIs:  c.PostLogoutRedirectURLs,
		GrantTypes:              registrationGrantTypes,
		ResponseTypes:           registrationResponseTypes,
		clientMetadataWire:      md,
	}
	if !IsPublic(c) {
		never := int64(0)
		info.ClientSecretExpiresAt = &never
	}
	return info
}
