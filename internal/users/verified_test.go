package users_test

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/users"
)

func bankID(sub string, claims map[string]any) users.BankIdentity {
	return users.BankIdentity{BankID: "bank-1", Issuer: "https://bank.example", BankName: "Mikomo Bank", Subject: sub, Claims: claims, ACR: "loa3"}
}

func TestRecordBankVerification(t *testing.T) {
	ctx := t.Context()
	claims := map[string]any{"email": "ada@example.com", "email_verified": true, "given_name": "Ada", "family_name": "Lovelace",
		"phone_number": "+44 (20) 7946-0958", "birthdate": "2999-01-01", "address": map[string]any{"locality": "London", "country": "GB"}}

	t.Run("creates, then finds the same customer", func(t *testing.T) {
		e := newEnv(t)
		res, err := e.svc.RecordBankVerification(ctx, e.projectID, bankID("cust-1", claims))
		if err != nil || !res.Created {
			t.Fatalf("first: %v %+v", err, res)
		}
		u := res.User
		if u.Name.First != "Ada" || u.Email == nil || !u.Email.Verified || u.Phone == nil || u.Phone.Number != "+442079460958" ||
			u.Birthdate != "" || u.Address == nil || u.Address.Locality != "London" {
			t.Errorf("user = %+v (a future birthdate is dropped, the phone normalized)", u)
		}
		var meta map[string]map[string]any
		json.Unmarshal(u.TrustedMetadata, &meta)
		if meta["external_source"]["subject"] != "cust-1" || meta["external_source"]["type"] != "bank" {
			t.Errorf("trusted_metadata = %s", u.TrustedMetadata)
		}
		again, err := e.svc.RecordBankVerification(ctx, e.projectID, bankID("cust-1", map[string]any{"given_name": "Changed"}))
		if err != nil || again.Created || again.User.ID != u.ID || again.User.Name.First != "Ada" {
			t.Fatalf("second: %v %+v", err, again.User)
		}
		if len(again.User.Verifications) != 1 || again.Verification.ID != res.Verification.ID || !again.Verification.CreatedAt.Equal(res.Verification.CreatedAt) {
			t.Errorf("verifications = %+v", again.User.Verifications)
		}
	})

	t.Run("links by an email verified on both sides only", func(t *testing.T) {
		e := newEnv(t)
		for _, tt := range []struct {
			name           string
			signetVerified bool
			bankVerified   bool
			link           bool
		}{
			{"both", true, true, true},
			{"signet-only", true, false, false},
			{"bank-only", false, true, false},
		} {
			email := tt.name + "@example.com"
			id := "user-test-" + tt.name
			if err := e.st.CreateUser(ctx, store.User{ID: id, ProjectID: e.projectID, Status: "active",
				Email:           &store.Email{ID: "email-" + tt.name, Address: email, Verified: tt.signetVerified},
				TrustedMetadata: json.RawMessage(`{"external_source":"crm"}`)}); err != nil {
				t.Fatal(err)
			}
			res, err := e.svc.RecordBankVerification(ctx, e.projectID,
				bankID("sub-"+tt.name, map[string]any{"email": email, "email_verified": tt.bankVerified, "given_name": "X"}))
			if !tt.link {
				if !errors.Is(err, users.ErrBankEmailConflict) {
					t.Errorf("%s: err = %v, want the email conflict", tt.name, err)
				}
				u, _ := e.st.User(ctx, e.projectID, id)
				if len(u.Verifications) != 0 {
					t.Errorf("%s: verification recorded on a refused link", tt.name)
				}
				continue
			}
			if err != nil || res.Created || res.User.ID != id || res.User.Name.First != "X" {
				t.Errorf("%s: %v %+v", tt.name, err, res.User)
			}
			if string(res.User.TrustedMetadata) != `{"external_source":"crm"}` {
				t.Errorf("%s: an existing external_source was replaced: %s", tt.name, res.User.TrustedMetadata)
			}
		}
	})

	t.Run("explicit link and subject conflicts", func(t *testing.T) {
		e := newEnv(t)
		for _, id := range []string{"user-test-a", "user-test-b"} {
			if err := e.st.CreateUser(ctx, store.User{ID: id, ProjectID: e.projectID, Status: "active"}); err != nil {
				t.Fatal(err)
			}
		}
		id := bankID("cust-9", map[string]any{"given_name": "Linked"})
		id.LinkUserID = "user-test-a"
		res, err := e.svc.RecordBankVerification(ctx, e.projectID, id)
		if err != nil || res.User.ID != "user-test-a" || res.User.Name.First != "Linked" {
			t.Fatalf("link: %v %+v", err, res.User)
		}
		id.LinkUserID = "user-test-b"
		if _, err := e.svc.RecordBankVerification(ctx, e.projectID, id); !errors.Is(err, users.ErrBankSubjectConflict) {
			t.Errorf("linking a customer already on another user: %v", err)
		}
	})

	t.Run("a phone number another user has is dropped", func(t *testing.T) {
		e := newEnv(t)
		if err := e.st.CreateUser(ctx, store.User{ID: "user-test-p", ProjectID: e.projectID, Status: "active",
			Phone: &store.Phone{ID: "phone-1", Number: "+442079460958"}}); err != nil {
			t.Fatal(err)
		}
		res, err := e.svc.RecordBankVerification(ctx, e.projectID, bankID("cust-2", claims))
		if err != nil || !res.Created || res.User.Phone != nil {
			t.Fatalf("%v %+v", err, res.User)
		}
	})

	t.Run("no subject", func(t *testing.T) {
		e := newEnv(t)
		if _, err := e.svc.RecordBankVerification(ctx, e.projectID, bankID("", claims)); err == nil {
			t.Error("accepted an identity without sub")
		}
	})
}
