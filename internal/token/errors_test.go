package token

import (
	"testing"

	"github.com/signet-id/signet/oidc"
)

// The package's fixed OAuth errors are made per call: a caller that
// changes the one it got (its Description, say) changes no one else's.
func TestErrorsAreNotShared(t *testing.T) {
	for name, mk := range map[string]func() *oidc.Error{
		"errBadBearer": errBadBearer, "errBadClient": errBadClient,
		"errNoPaymentScope": errNoPaymentScope, "errNeedsCertificate": errNeedsCertificate,
	} {
		a := mk()
		want := a.Description
		a.Description = "changed"
		if b := mk(); b == a || b.Description != want {
			t.Errorf("%s is shared", name)
		}
	}
}
