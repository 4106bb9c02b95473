package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"
)

// signetUser is the part of the Stytch User object (plus Signet's
// verifications extension) the app shows.
type signetUser struct {
	UserID string `json:"user_id"`
	Name   struct {
		FirstName  string `json:"first_name"`
		MiddleName string `json:"middle_name"`
		LastName   string `json:"last_name"`
	} `json:"name"`
	Emails []struct {
		Email    string `json:"email"`
		Verified bool   `json:"verified"`
	} `json:"emails"`
	PhoneNumbers []struct {
		PhoneNumber string `json:"phone_number"`
	} `json:"phone_numbers"`
	TrustedMetadata struct {
		ExternalSource *ExternalSource `json:"external_source"`
	} `json:"trusted_metadata"`
	Verifications []Verification `json:"verifications"`
}

// Verification is a bank verification as Signet lists it on a user.
type Verification struct {
	BankName    string `json:"bank_name"`
	BankIssuer  string `json:"bank_issuer"`
	BankSubject string `json:"bank_subject"`
	VerifiedAt  string `json:"verified_at"`
	ACR         string `json:"acr"`
}

// ExternalSource is trusted_metadata.external_source: where the user came
// from (Signet sets it to the bank that first verified them).
type ExternalSource struct {
	Type       string `json:"type"`
	Name       string `json:"name"`
	Issuer     string `json:"issuer"`
	Subject    string `json:"subject"`
	VerifiedAt string `json:"verified_at"`
}

// maxBody bounds what the app reads from Signet.
const maxBody = 1 << 20

// fetchUser is GET /v1/users/{user_id} of the management API.
func (a *App) fetchUser(ctx context.Context, userID string) (signetUser, error) {
	var u signetUser
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.cfg.Issuer+"/v1/users/"+url.PathEscape(userID), nil)
	if err != nil {
		return u, err
	}
	req.SetBasicAuth(a.cfg.ProjectID, string(a.cfg.ProjectSecret))
	resp, err := a.cfg.HTTPClient.Do(req)
	if err != nil {
		return u, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return u, err
	}
	if resp.StatusCode != http.StatusOK {
		// The Stytch error envelope (reference/stytch-api.md §3).
		var e struct {
			ErrorType    string `json:"error_type"`
			ErrorMessage string `json:"error_message"`
		}
		_ = json.Unmarshal(body, &e) // no envelope: the status alone tells
		return u, fmt.Errorf("GET /v1/users: %d %s: %s", resp.StatusCode, e.ErrorType, e.ErrorMessage)
	}
	if err := json.Unmarshal(body, &u); err != nil {
		return u, fmt.Errorf("GET /v1/users: %w", err)
	}
	return u, nil
}

// profile is what the signed-in page shows.
type profile struct {
	UserID, Name, Email, Phone string
	// Verification is the user's first bank verification, or nil.
	Verification   *Verification
	ExternalSource *ExternalSource
	// Claims are the userinfo claims, by name.
	Claims     []claim
	SignedInAt time.Time
	// idToken is the ID token of the sign-in, the id_token_hint of the
	// sign-out (never shown).
	idToken string
}

type claim struct{ Name, Value string }

func newProfile(u signetUser, info map[string]any, now time.Time) profile {
	p := profile{UserID: u.UserID, ExternalSource: u.TrustedMetadata.ExternalSource, SignedInAt: now}
	p.Name = strings.Join(nonEmpty(u.Name.FirstName, u.Name.MiddleName, u.Name.LastName), " ")
	if p.Name == "" {
		p.Name, _ = info["name"].(string)
	}
	if len(u.Emails) > 0 {
		p.Email = u.Emails[0].Email
	} else {
		p.Email, _ = info["email"].(string)
	}
	if len(u.PhoneNumbers) > 0 {
		p.Phone = u.PhoneNumbers[0].PhoneNumber
	}
	if len(u.Verifications) > 0 {
		v := u.Verifications[0]
		p.Verification = &v
	}
	for k, v := range info {
		s, ok := v.(string)
		if !ok {
			b, _ := json.Marshal(v)
			s = string(b)
		}
		p.Claims = append(p.Claims, claim{k, s})
	}
	sort.Slice(p.Claims, func(i, j int) bool { return p.Claims[i].Name < p.Claims[j].Name })
	return p
}

func nonEmpty(parts ...string) []string {
	var out []string
	for _, s := range parts {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}
