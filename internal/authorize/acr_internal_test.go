package authorize

import (
	"encoding/json"
	"net/url"
	"testing"

	"github.com/signet-id/signet/internal/store"
)

// The acr of a code is the first value asked for that the session's
// factors prove; nothing else is ever stated (OIDC Core §2, §3.1.2.1).
func TestChooseACR(t *testing.T) {
	password := &store.Session{Factors: []store.Factor{{Type: "password", DeliveryMethod: "knowledge"}}}
	bank := &store.Session{Factors: []store.Factor{{Type: "oauth", DeliveryMethod: "oauth_bank",
		Detail: json.RawMessage(`{"bank_id":"b1","acr":"urn:bank:acr:sca"}`)}}}
	for _, tt := range []struct {
		name    string
		params  url.Values
		session *store.Session
		want    string
	}{
		{"nothing asked", url.Values{}, password, ""},
		{"password asked, password proven", url.Values{"acr_values": {ACRPassword}}, password, ACRPassword},
		{"preference order", url.Values{"acr_values": {"urn:other " + ACRBank + " " + ACRPassword}}, password, ACRPassword},
		{"bank asked of a password session", url.Values{"acr_values": {ACRBank}}, password, ""},
		{"bank asked of a bank session", url.Values{"acr_values": {ACRBank + " " + ACRPassword}}, bank, ACRBank},
		{"the bank's own acr", url.Values{"acr_values": {"urn:bank:acr:sca"}}, bank, "urn:bank:acr:sca"},
		{"the bank's acr is not the password's", url.Values{"acr_values": {"urn:bank:acr:sca"}}, password, ""},
		{"claims request values", url.Values{"claims": {`{"id_token":{"acr":{"essential":true,"values":["x","` + ACRPassword + `"]}}}`}}, password, ACRPassword},
		{"claims request value", url.Values{"claims": {`{"id_token":{"acr":{"value":"` + ACRBank + `"}}}`}}, bank, ACRBank},
		{"no session", url.Values{"acr_values": {ACRPassword}}, nil, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := chooseACR(requestedACRs(tt.params), tt.session); got != tt.want {
				t.Errorf("acr = %q, want %q", got, tt.want)
			}
		})
	}
}
