package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// The few calls of the Stytch users API this app makes, over plain HTTP,
// as any Stytch backend would (reference/stytch-api.md §5.1). Pointed at
// Stytch instead of Signet, the same code works: only the base URL and
// the credentials change.

// Secret is a credential; it never prints.
type Secret string

func (Secret) String() string   { return "[redacted]" }
func (Secret) GoString() string { return `Secret("[redacted]")` }

// Users is a client of the users API of one project.
type Users struct {
	BaseURL   string // e.g. http://127.0.0.1:8080 (Signet) or https://test.stytch.com
	ProjectID string
	Secret    Secret
	HTTP      *http.Client
}

// APIError is a Stytch error envelope (§3).
type APIError struct {
	StatusCode int    `json:"status_code"`
	Type       string `json:"error_type"`
	Message    string `json:"error_message"`
	RequestID  string `json:"request_id"`
}

func (e *APIError) Error() string {
	return fmt.Sprintf("stytch: %d %s: %s (request %s)", e.StatusCode, e.Type, e.Message, e.RequestID)
}

// isAPIError reports whether err is the API's error of type typ.
func isAPIError(err error, typ string) bool {
	var e *APIError
	return errors.As(err, &e) && e.Type == typ
}

// Name is the Stytch name object.
type Name struct {
	FirstName  string `json:"first_name,omitempty"`
	MiddleName string `json:"middle_name,omitempty"`
	LastName   string `json:"last_name,omitempty"`
}

// User is the part of the Stytch User object the app uses.
type User struct {
	UserID     string `json:"user_id"`
	ExternalID string `json:"external_id"`
	Name       Name   `json:"name"`
	Emails     []struct {
		Email    string `json:"email"`
		Verified bool   `json:"verified"`
	} `json:"emails"`
	PhoneNumbers []struct {
		PhoneNumber string `json:"phone_number"`
	} `json:"phone_numbers"`
	TrustedMetadata map[string]any `json:"trusted_metadata"`
}

// CreateUser is the body of users.create.
type CreateUser struct {
	Email           string         `json:"email,omitempty"`
	PhoneNumber     string         `json:"phone_number,omitempty"`
	Name            *Name          `json:"name,omitempty"`
	ExternalID      string         `json:"external_id,omitempty"`
	TrustedMetadata map[string]any `json:"trusted_metadata,omitempty"`
}

// UpdateUser is the body of users.update: absent fields stay, and
// trusted_metadata merges at the top level.
type UpdateUser struct {
	Name            *Name          `json:"name,omitempty"`
	ExternalID      string         `json:"external_id,omitempty"`
	TrustedMetadata map[string]any `json:"trusted_metadata,omitempty"`
}

// Get is users.get: GET /v1/users/{user_id}, which also takes an
// external ID.
func (c *Users) Get(ctx context.Context, idOrExternalID string) (User, error) {
	var u User // the response is the user, flattened
	err := c.do(ctx, http.MethodGet, "/v1/users/"+url.PathEscape(idOrExternalID), nil, &u)
	return u, err
}

// Create is users.create: POST /v1/users.
func (c *Users) Create(ctx context.Context, req CreateUser) (User, error) {
	var resp struct {
		User User `json:"user"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/users", req, &resp)
	return resp.User, err
}

// Update is users.update: PUT /v1/users/{user_id}.
func (c *Users) Update(ctx context.Context, userID string, req UpdateUser) (User, error) {
	var resp struct {
		User User `json:"user"`
	}
	err := c.do(ctx, http.MethodPut, "/v1/users/"+url.PathEscape(userID), req, &resp)
	return resp.User, err
}

// SearchEmail is users.search with the email_address filter.
func (c *Users) SearchEmail(ctx context.Context, email string) ([]User, error) {
	body := map[string]any{"limit": 2, "query": map[string]any{"operator": "AND", "operands": []map[string]any{
		{"filter_name": "email_address", "filter_value": []string{email}},
	}}}
	var resp struct {
		Results []User `json:"results"`
	}
	err := c.do(ctx, http.MethodPost, "/v1/users/search", body, &resp)
	return resp.Results, err
}

// maxBody bounds an API answer.
const maxBody = 1 << 20

func (c *Users) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimRight(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.SetBasicAuth(c.ProjectID, string(c.Secret))
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		e := &APIError{StatusCode: resp.StatusCode}
		if json.Unmarshal(b, e) != nil || e.Type == "" {
			e.Type, e.Message = "unexpected_response", http.StatusText(resp.StatusCode)
		}
		return e
	}
	return json.Unmarshal(b, out)
}
