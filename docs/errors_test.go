package docs

import (
	"bufio"
	"bytes"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// dynamicTypes are the error types that functions build at run time
// (scanCode reports the functions as dynamic), by function; nil for a
// function that only passes on a type made elsewhere. A new function that
// builds or passes error types fails TestErrorsDocumented until it is
// listed here.
var dynamicTypes = map[string][]string{
	"internal/api.BadRequest":       nil, // its callers' types
	"internal/apps.badMetadata":     nil, // "invalid_" + field: its literal callers are read, the others are below
	"internal/apps.checkClientURLs": {"invalid_redirect_urls", "invalid_post_logout_redirect_urls"},
	"internal/apps.checkSigningAlgs": {
		"invalid_request_object_signing_alg", "invalid_authorization_signed_response_alg", "invalid_id_token_signed_response_alg",
	},
	"internal/apps.checkSecurityProfile": {
		"invalid_request_object_signing_alg", "invalid_authorization_signed_response_alg", "invalid_id_token_signed_response_alg",
	},
	"internal/apps.checkEncryption": {
		"invalid_authorization_encrypted_response_alg", "invalid_authorization_encrypted_response_enc",
		"invalid_id_token_encrypted_response_alg", "invalid_id_token_encrypted_response_enc",
	},
	"internal/orgs.invalid":        nil, // its callers' types
	"internal/users.APIError":      nil, // a users.InvalidError's code (users.invalid's literal callers are read)
	"internal/orgs.fromAPI":        nil, // an api.Error's type
	"internal/orgs.APIError":       nil, // an orgs.Error's code
	"internal/orgs.SearchMembers":  nil, // ErrOrganizationNotFound.Code
	"internal/orgs.checkSettings":  nil, // its table's code column, read by scanCode
	"internal/memberauth.invalid":  nil, // its callers' types
	"internal/memberauth.APIError": nil, // a memberauth.Error's code
	// The consent API sends OAuth codes as error_type: the OAuth table.
	"internal/authorize.envelope": nil,
	"internal/authorize.resolve":  nil,
	"internal/authorize.complete": nil, // invalid_request_uri, an OAuth code
	// resolve's half without a request_uri: a request object's OAuth code.
	"internal/authorize.resolveUnpushed": nil,
}

// docTable is one section of errors.md: code -> the statuses its row lists.
type docTable map[string][]int

// readErrorsDoc reads the tables of errors.md under each "## " section
// whose title names one of the keys: the first column is the code in
// backquotes, the second the HTTP statuses.
func readErrorsDoc(t *testing.T) map[string]docTable {
	t.Helper()
	b, err := os.ReadFile("errors.md")
	if err != nil {
		t.Fatal(err)
	}
	sections := map[string]string{
		"Management API errors":           "management",
		"OAuth and OpenID Connect errors": "oauth",
		"Bank verification outcomes":      "bank",
	}
	out := map[string]docTable{"management": {}, "oauth": {}, "bank": {}}
	var cur docTable
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := sc.Text()
		if title, ok := strings.CutPrefix(line, "## "); ok {
			cur = nil
			for prefix, key := range sections {
				if strings.HasPrefix(title, prefix) {
					cur = out[key]
				}
			}
			continue
		}
		if cur == nil || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		code := strings.Trim(strings.TrimSpace(cells[1]), "`")
		if _, dup := cur[code]; dup {
			t.Errorf("errors.md: %s is listed twice in one section", code)
		}
		var statuses []int
		for _, s := range strings.Split(cells[2], ",") {
			n, err := strconv.Atoi(strings.TrimSpace(s))
			if err != nil {
				t.Errorf("errors.md: %s: status %q is not a number", code, s)
			}
			statuses = append(statuses, n)
		}
		cur[code] = statuses
	}
	for key, table := range out {
		if len(table) == 0 {
			t.Fatalf("errors.md: no table found for the %s section", key)
		}
	}
	return out
}

// TestErrorsDocumented keeps docs/errors.md true: every error type and
// code the code can send is listed, with every HTTP status it is sent
// with, and every listed code is one the code sends.
func TestErrorsDocumented(t *testing.T) {
	e := scanCode(t, "..")
	doc := readErrorsDoc(t)

	// The scanner still sees each shape it knows.
	for _, typ := range []string{"route_not_found", "user_not_found", "organization_not_found", "invalid_organization_mfa_policy",
		"invalid_jwks", "invalid_prompt", "internal_server_error"} {
		if e.types[typ] == nil {
			t.Errorf("scanCode no longer finds error_type %s: has its shape changed?", typ)
		}
	}
	for _, code := range []string{"bank_error", "bank_not_found"} {
		if !e.bank[code] {
			t.Errorf("scanCode no longer finds bank verification code %s: has its shape changed?", code)
		}
	}
	if !e.oauth["invalid_grant"] {
		t.Error("scanCode no longer finds oidc.InvalidGrant")
	}

	for fn := range e.dynamic {
		if _, ok := dynamicTypes[fn]; !ok {
			t.Errorf("%s passes a computed error type: list the types it can send in dynamicTypes (and in errors.md)", fn)
		}
	}
	for fn, types := range dynamicTypes {
		if !e.dynamic[fn] {
			t.Errorf("dynamicTypes lists %s, which no longer computes an error type: remove it", fn)
		}
		for _, typ := range types {
			e.addType(typ, 400, fn)
		}
	}

	for typ, statuses := range e.types {
		row, ok := doc["management"][typ]
		if !ok {
			row, ok = doc["bank"][typ]
		}
		if !ok {
			t.Errorf("errors.md does not list error_type %s (%s)", typ, e.where[typ])
			continue
		}
		for status := range statuses {
			if status != 0 && !slices.Contains(row, status) {
				t.Errorf("errors.md lists %s with status %v; the code also sends %d (%s)", typ, row, status, e.where[typ])
			}
		}
	}
	for code := range e.oauth {
		if _, ok := doc["oauth"][code]; !ok {
			t.Errorf("errors.md does not list OAuth error %s (%s)", code, e.where["oauth:"+code])
		}
	}
	for code := range e.bank {
		if _, ok := doc["bank"][code]; !ok {
			t.Errorf("errors.md does not list bank verification code %s (%s)", code, e.where["bank:"+code])
		}
	}

	// And nothing stale.
	for typ := range doc["management"] {
		if e.types[typ] == nil {
			t.Errorf("errors.md lists error_type %s, which the code no longer sends", typ)
		}
	}
	for code := range doc["oauth"] {
		if !e.oauth[code] {
			t.Errorf("errors.md lists OAuth error %s, which is no oidc.ErrorCode", code)
		}
	}
	for code := range doc["bank"] {
		if !e.bank[code] && e.types[code] == nil {
			t.Errorf("errors.md lists bank verification code %s, which the code no longer sends", code)
		}
	}
}
