package oidc

// Grant types (RFC 6749 §4).
const (
	GrantAuthorizationCode = "authorization_code"
	GrantRefreshToken      = "refresh_token"
	GrantClientCredentials = "client_credentials"
)

// Client authentication methods (RFC 7591 §2, RFC 8705 §2, OIDC Core §9).
const (
	AuthClientSecretBasic = "client_secret_basic"
	AuthClientSecretPost  = "client_secret_post"
	AuthPrivateKeyJWT     = "private_key_jwt"
	AuthTLSClient         = "tls_client_auth"
	// AuthSelfSignedTLSClient is RFC 8705 §2.2: the certificate is one of
	// the client's registered keys, no chain involved.
	AuthSelfSignedTLSClient = "self_signed_tls_client_auth"
	AuthNone                = "none"
)

// Metadata is the OpenID Provider / OAuth Authorization Server metadata
// document (OpenID Connect Discovery 1.0 §3, RFC 8414 §2). Fields a server
// does not support are left empty and omitted. The mTLS endpoints are in
// [MTLSEndpointAliases].
type Metadata struct {
	Issuer                                             string   `json:"issuer"`
	AuthorizationEndpoint                              string   `json:"authorization_endpoint,omitempty"`
	TokenEndpoint                                      string   `json:"token_endpoint,omitempty"`
	UserinfoEndpoint                                   string   `json:"userinfo_endpoint,omitempty"`
	JWKSURI                                            string   `json:"jwks_uri"`
	RegistrationEndpoint                               string   `json:"registration_endpoint,omitempty"`
	ScopesSupported                                    []string `json:"scopes_supported,omitempty"`
	ResponseTypesSupported                             []string `json:"response_types_supported"`
	ResponseModesSupported                             []string `json:"response_modes_supported,omitempty"`
	GrantTypesSupported                                []string `json:"grant_types_supported,omitempty"`
	SubjectTypesSupported                              []string `json:"subject_types_supported"`
	IDTokenSigningAlgValuesSupported                   []string `json:"id_token_signing_alg_values_supported"`
	IDTokenEncryptionAlgValuesSupported                []string `json:"id_token_encryption_alg_values_supported,omitempty"`
	IDTokenEncryptionEncValuesSupported                []string `json:"id_token_encryption_enc_values_supported,omitempty"`
	TokenEndpointAuthMethodsSupported                  []string `json:"token_endpoint_auth_methods_supported,omitempty"`
	TokenEndpointAuthSigningAlgValuesSupported         []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	ClaimsSupported                                    []string `json:"claims_supported,omitempty"`
	ACRValuesSupported                                 []string `json:"acr_values_supported,omitempty"`
	DPoPSigningAlgValuesSupported                      []string `json:"dpop_signing_alg_values_supported,omitempty"`
	ClaimsParameterSupported                           bool     `json:"claims_parameter_supported,omitempty"`
	CodeChallengeMethodsSupported                      []string `json:"code_challenge_methods_supported,omitempty"`
	IntrospectionEndpoint                              string   `json:"introspection_endpoint,omitempty"`
	IntrospectionEndpointAuthMethodsSupported          []string `json:"introspection_endpoint_auth_methods_supported,omitempty"`
	IntrospectionEndpointAuthSigningAlgValuesSupported []string `json:"introspection_endpoint_auth_signing_alg_values_supported,omitempty"`
	RevocationEndpoint                                 string   `json:"revocation_endpoint,omitempty"`
	RevocationEndpointAuthMethodsSupported             []string `json:"revocation_endpoint_auth_methods_supported,omitempty"`
	RevocationEndpointAuthSigningAlgValuesSupported    []string `json:"revocation_endpoint_auth_signing_alg_values_supported,omitempty"`
	AuthorizationResponseIssParameterSupported         bool     `json:"authorization_response_iss_parameter_supported,omitempty"`
	// RFC 9126 §5. RequirePushedAuthorizationRequests is a pointer so
	// that an explicit false is published (FAPI 2.0 checks its type).
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint,omitempty"`
	RequirePushedAuthorizationRequests *bool  `json:"require_pushed_authorization_requests,omitempty"`
	// RFC 8705 §3.3.
	TLSClientCertificateBoundAccessTokens bool `json:"tls_client_certificate_bound_access_tokens,omitempty"`
	// RFC 8705 §5: where the endpoints a client reaches with its TLS
	// certificate are, when they are on another host or port.
	MTLSEndpointAliases *MTLSEndpointAliases `json:"mtls_endpoint_aliases,omitempty"`
	// Request objects (OIDC Discovery §3, RFC 9101 §10.5).
	// RequestURIParameterSupported defaults to true when absent, so a
	// server that takes only PAR request_uris must publish false.
	RequestParameterSupported              bool     `json:"request_parameter_supported,omitempty"`
	RequestURIParameterSupported           *bool    `json:"request_uri_parameter_supported,omitempty"`
	RequestObjectSigningAlgValuesSupported []string `json:"request_object_signing_alg_values_supported,omitempty"`
	// JARM §4.
	AuthorizationSigningAlgValuesSupported    []string `json:"authorization_signing_alg_values_supported,omitempty"`
	AuthorizationEncryptionAlgValuesSupported []string `json:"authorization_encryption_alg_values_supported,omitempty"`
	AuthorizationEncryptionEncValuesSupported []string `json:"authorization_encryption_enc_values_supported,omitempty"`
	// OpenID Connect RP-Initiated Logout 1.0 §2.1 and Back-Channel Logout
	// 1.0 §2.1.
	EndSessionEndpoint                string `json:"end_session_endpoint,omitempty"`
	BackchannelLogoutSupported        bool   `json:"backchannel_logout_supported,omitempty"`
	BackchannelLogoutSessionSupported bool   `json:"backchannel_logout_session_supported,omitempty"`
	// The bank network's payment details endpoint (IDPartner; not an
	// OpenID specification): GET with a Bearer token, a JSON array.
	PaymentDetailsInfoEndpoint string `json:"payment_details_info_endpoint,omitempty"`
}

// MTLSEndpointAliases are the mutual-TLS twins of endpoints (RFC 8705 §5).
type MTLSEndpointAliases struct {
	TokenEndpoint                      string `json:"token_endpoint,omitempty"`
	UserinfoEndpoint                   string `json:"userinfo_endpoint,omitempty"`
	IntrospectionEndpoint              string `json:"introspection_endpoint,omitempty"`
	RevocationEndpoint                 string `json:"revocation_endpoint,omitempty"`
	PushedAuthorizationRequestEndpoint string `json:"pushed_authorization_request_endpoint,omitempty"`
	PaymentDetailsInfoEndpoint         string `json:"payment_details_info_endpoint,omitempty"`
}

// Scope values of OpenID Connect Core §3.1.2.1, §5.4 and §11.
const (
	ScopeOpenID        = "openid"
	ScopeProfile       = "profile"
	ScopeEmail         = "email"
	ScopeAddress       = "address"
	ScopePhone         = "phone"
	ScopeOfflineAccess = "offline_access"
)

// Scope values of the bank network (IDPartner): each releases the claim
// of the same name. age_over_N is a boolean computed from the birthdate;
// payment_details is the user's payment accounts (a JSON array).
const (
	ScopeAgeOver18      = "age_over_18"
	ScopeAgeOver21      = "age_over_21"
	ScopeAgeOver25      = "age_over_25"
	ScopePaymentDetails = "payment_details"
)

// Token type hints and introspection token types (RFC 7009 §2.1, RFC 7662 §2.2).
const (
	TokenTypeAccessToken  = "access_token"
	TokenTypeRefreshToken = "refresh_token"
)

// ScopeClaims are the user claims each scope releases: OpenID Connect
// Core §5.4 (profile also carries birthdate there, and the bank network's
// profile is exactly birthdate, family_name and given_name), and the bank
// network's scopes, each of which releases the claim of its name.
var ScopeClaims = map[string][]string{
	ScopeProfile:        {"name", "given_name", "family_name", "middle_name", "birthdate", "updated_at"},
	ScopeEmail:          {"email", "email_verified"},
	ScopeAddress:        {"address"},
	ScopePhone:          {"phone_number", "phone_number_verified"},
	ScopeAgeOver18:      {ScopeAgeOver18},
	ScopeAgeOver21:      {ScopeAgeOver21},
	ScopeAgeOver25:      {ScopeAgeOver25},
	ScopePaymentDetails: {ScopePaymentDetails},
}

// ScopeOfClaim is the scope that releases claim in [ScopeClaims], or ""
// for a claim no scope releases.
func ScopeOfClaim(claim string) string {
	for scope, claims := range ScopeClaims {
		for _, c := range claims {
			if c == claim {
				return scope
			}
		}
	}
	return ""
}

// ParamRequesterName is an authorization request parameter of Signet's
// (unknown parameters are ignored by other OPs, RFC 6749 §3.1): an
// intermediary client, such as Signet verifying a person for one of its
// applications, names the application the person came from. The OP
// shows it beside the client's registered name ("<requester> via
// <client>"), never instead of it.
const ParamRequesterName = "requester_name"

// MaxRequesterName bounds ParamRequesterName, in characters.
const MaxRequesterName = 80
