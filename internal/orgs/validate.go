package orgs

import (
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/store"
)

// Limits on an organization's settings. Stytch documents the slug's; the
// others keep records and the indexes over them bounded.
const (
	minSlug     = 2
	maxSlug     = 128 // Node SDK Organization.organization_slug
	maxName     = 256
	maxLogoURL  = 2048
	maxDomains  = 100
	maxDomain   = 253 // RFC 1035 §2.3.4, in text form
	maxListSize = 100
	maxListItem = 128
)

// The values allowed_auth_methods and allowed_mfa_methods may hold (Node
// SDK Organization).
var (
	authMethods = []string{"sso", "magic_link", "email_otp", "password", "google_oauth",
		"microsoft_oauth", "slack_oauth", "github_oauth", "hubspot_oauth"}
	mfaMethods = []string{"sms_otp", "totp"}
)

// commonDomains are mail providers anyone can have an address at: an
// organization that allowed one would let the whole world in by JIT
// provisioning. Stytch refuses its "common email domains" (a longer list);
// these are the ones that matter most.
var commonDomains = []string{"gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "outlook.com",
	"hotmail.com", "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com",
	"proton.me", "protonmail.com", "gmx.com", "gmx.net", "mail.com", "yandex.com", "zoho.com", "qq.com", "163.com"}

// checkOrganization checks a whole organization: what names it, each
// setting, and that a RESTRICTED setting has the list it restricts to.
func checkOrganization(o *store.Organization) error {
	if err := checkNames(o); err != nil {
		return err
	}
	if err := checkSettings(o); err != nil {
		return err
	}
	// A RESTRICTED setting with nothing to restrict to shuts everyone out:
	// surely a mistake, so it is refused rather than stored.
	switch {
	case (o.EmailJITProvisioning == Restricted || o.EmailInvites == Restricted) && len(o.EmailAllowedDomains) == 0:
		return invalid("invalid_restricted_email_setting",
			"email_allowed_domains must hold a domain when email_jit_provisioning or email_invites is RESTRICTED.")
	case o.AuthMethods == Restricted && len(o.AllowedAuthMethods) == 0:
		return invalid("allowed_auth_methods_required_for_restricted", "allowed_auth_methods must be set when auth_methods is RESTRICTED.")
	case o.MFAMethods == Restricted && len(o.AllowedMFAMethods) == 0:
		return invalid("allowed_mfa_methods_required_for_restricted", "allowed_mfa_methods must be set when mfa_methods is RESTRICTED.")
	}
	return nil
}

// checkNames checks the name, slug, logo and external ID.
func checkNames(o *store.Organization) error {
	if n := utf8.RuneCountInString(o.Name); strings.TrimSpace(o.Name) == "" || n > maxName || !utf8.ValidString(o.Name) {
		return invalid("invalid_organization_name", "organization_name must be 1 to %d characters.", maxName)
	}
	if err := checkSlug(o.Slug); err != nil {
		return err
	}
	if err := checkLogoURL(o.LogoURL); err != nil {
		return err
	}
	if o.ExternalID != "" {
		return fromAPI(api.CheckExternalID(o.ExternalID))
	}
	return nil
}

// checkSettings checks each setting against the values it may take.
func checkSettings(o *store.Organization) error {
	for _, c := range []struct {
		field, value, code string
		allowed            []string
	}{
		{"status", o.Status, "invalid_organization_status", []string{StatusActive, StatusSuspended}},
		{"email_jit_provisioning", o.EmailJITProvisioning, "invalid_restricted_email_setting", []string{Restricted, NotAllowed}},
		{"email_invites", o.EmailInvites, "invalid_restricted_email_setting", []string{AllAllowed, Restricted, NotAllowed}},
		{"auth_methods", o.AuthMethods, "invalid_organization_auth_method_settings", []string{AllAllowed, Restricted}},
		{"mfa_policy", o.MFAPolicy, "invalid_organization_mfa_policy", []string{MFAOptional, MFARequiredForAll}},
		{"mfa_methods", o.MFAMethods, "invalid_organization_mfa_factor_setting", []string{AllAllowed, Restricted}},
		{"first_party_connected_apps_allowed_type", o.FirstPartyConnectedApps, "invalid_connected_apps_setting", []string{AllAllowed, Restricted, NotAllowed}},
		{"third_party_connected_apps_allowed_type", o.ThirdPartyConnectedApps, "invalid_connected_apps_setting", []string{AllAllowed, Restricted, NotAllowed}},
	} {
		if !slices.Contains(c.allowed, c.value) {
			return invalid(c.code, "%s must be one of %s.", c.field, strings.Join(c.allowed, ", "))
		}
	}
	for _, m := range o.AllowedAuthMethods {
		if !slices.Contains(authMethods, m) {
			return invalid("invalid_organization_allowed_auth_methods",
				"allowed_auth_methods may hold %s; not %q.", strings.Join(authMethods, ", "), api.Truncate(m))
		}
	}
	for _, m := range o.AllowedMFAMethods {
		if !slices.Contains(mfaMethods, m) {
			return invalid("invalid_organization_allowed_mfa_methods",
				"allowed_mfa_methods may hold %s; not %q.", strings.Join(mfaMethods, ", "), api.Truncate(m))
		}
	}
	for _, l := range []struct {
		field string
		list  []string
	}{
		{"allowed_first_party_connected_apps", o.AllowedFirstPartyConnectedApps},
		{"allowed_third_party_connected_apps", o.AllowedThirdPartyConnectedApps},
	} {
		if err := checkList(l.field, l.list); err != nil {
			return err
		}
	}
	return nil
}

// checkSlug applies Stytch's rule: 2 to 128 characters, letters, digits
// and - . _ ~ (RFC 3986 §2.3 unreserved characters, so a slug is a URL
// path segment as it is).
func checkSlug(s string) error {
	ok := len(s) >= minSlug && len(s) <= maxSlug
	for i := 0; ok && i < len(s); i++ {
		ok = slugByte(s[i])
	}
	if !ok {
		return invalid("invalid_organization_slug",
			"organization_slug must be %d to %d characters of letters, digits, '-', '.', '_' and '~'.", minSlug, maxSlug)
	}
	return nil
}

func slugByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// slugFrom makes a slug of a name: lower case, runs of other characters
// as one '-'. A name with too little to keep gets "org".
func slugFrom(name string) string {
	var b strings.Builder
	dash := false
	for _, c := range []byte(strings.ToLower(name)) {
		if slugByte(c) {
			b.WriteByte(c)
			dash = false
		} else if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimRight(truncateSlug(b.String(), maxSlug), "-")
	if len(s) < minSlug {
		return "org"
	}
	return s
}

func truncateSlug(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// checkLogoURL accepts "" or an absolute http(s) URL: the hosted pages
// show the logo as an image.
func checkLogoURL(s string) error {
	if s == "" {
		return nil
	}
	if len(s) > maxLogoURL {
		return invalid("organization_logo_url_too_long", "organization_logo_url may have at most %d characters.", maxLogoURL)
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return invalid("invalid_url", "organization_logo_url must be an absolute http or https URL.")
	}
	return nil
}

// checkDomains folds the domains to lower case, drops repeats, and checks
// each is a DNS name of two labels or more and no common mail provider.
func checkDomains(in []string) ([]string, error) {
	if len(in) > maxDomains {
		return nil, invalid("too_many_domains", "email_allowed_domains may hold at most %d domains.", maxDomains)
	}
	out := make([]string, 0, len(in))
	for _, d := range in {
		d = strings.ToLower(strings.TrimSpace(d))
		if !validDomain(d) {
			return nil, invalid("organization_settings_invalid_domain", "%q is not a domain name.", api.Truncate(d))
		}
		if slices.Contains(commonDomains, d) {
			return nil, invalid("organization_settings_domain_too_common",
				"%s is a public mail provider: allowing it would let anyone in.", d)
		}
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out, nil
}

// validDomain accepts letters-digits-hyphen labels (RFC 1035 §2.3.1, with
// RFC 1123 §2.1's leading digits), at least two of them.
func validDomain(d string) bool {
	labels := strings.Split(d, ".")
	if len(d) > maxDomain || len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '-' {
				return false
			}
		}
	}
	return true
}

func checkList(field string, l []string) error {
	if len(l) > maxListSize {
		return invalid("invalid_request_value", "%s may hold at most %d values.", field, maxListSize)
	}
	for _, v := range l {
		if v == "" || len(v) > maxListItem || !utf8.ValidString(v) {
			return invalid("invalid_request_value", "Each value of %s must be 1 to %d characters.", field, maxListItem)
		}
	}
	return nil
}

// dedupe keeps the first of repeated values, in order; empty stays nil.
func dedupe(l []string) []string {
	var out []string
	for _, v := range l {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// emailDomain is the domain of an address, lower-cased.
func emailDomain(email string) string {
	i := strings.LastIndexByte(email, '@')
	return strings.ToLower(email[i+1:])
}
