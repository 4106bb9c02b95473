package banks

import (
	"context"
	"log/slog"
	"time"

	"github.com/google/uuid"

	"github.com/signet-id/signet/internal/store"
)

// LogValue keeps credentials out of structured logs too.
func (Credentials) LogValue() slog.Value { return slog.StringValue(redacted) }

// Store is what the registry reads and writes.
type Store interface {
	CreateBank(ctx context.Context, b store.Bank) error
	Bank(ctx context.Context, projectID, bankID string) (store.Bank, error)
	Banks(ctx context.Context, projectID string) ([]store.Bank, error)
	UpdateBank(ctx context.Context, projectID, bankID string, fn func(*store.Bank) error) (store.Bank, error)
	DeleteBank(ctx context.Context, projectID, bankID string) error
}

// Registry validates, seals and stores banks. Errors: *InvalidError for a
// bad bank, store.ErrNotFound, *store.DuplicateError{Field: "issuer"}.
type Registry struct {
	Store  Store
	Sealer *Sealer
	Now    func() time.Time // default time.Now
}

// Bank is a stored bank as callers see it: the record, minus nothing
// (SealedSecrets is ciphertext), plus which credentials it holds.
type Bank struct {
	store.Bank
	HasClientSecret  bool
	HasTLSClientCert bool
	HasJWKS          bool
}

// Input is a new bank.
type Input struct {
	Issuer          string
	DisplayName     string
	LogoURL         string
	PrimaryColor    string
	BackgroundColor string
	ClientID        string
	AuthMethod      string
	TLSServerCA     string
	// MaxAge, when set, asks every sign-in at the bank to be at most that
	// many seconds old (0: always sign in again).
	MaxAge      *int
	Credentials Credentials
}

// Patch changes a bank: nil fields stay; a set credential replaces the
// stored one (the certificate and key only together), unset ones stay.
type Patch struct {
	Issuer          *string
	DisplayName     *string
	LogoURL         *string
	PrimaryColor    *string
	BackgroundColor *string
	ClientID        *string
	AuthMethod      *string
	TLSServerCA     *string
	// MaxAge: nil keeps it; ClearMaxAge removes it.
	MaxAge      *int
	ClearMaxAge bool
	Credentials Credentials
}

// check validates everything a stored bank must satisfy.
func check(b *store.Bank, c Credentials) error {
	if err := checkIssuer(b.Issuer); err != nil {
		return err
	}
	if err := checkText("display_name", b.DisplayName, true); err != nil {
		return err
	}
	if b.LogoURL != "" {
		if err := checkURL("logo_url", b.LogoURL); err != nil {
			return err
		}
	}
	if err := checkColor("primary_color", b.PrimaryColor); err != nil {
		return err
	}
	if err := checkColor("background_color", b.BackgroundColor); err != nil {
		return err
	}
	if err := checkText("client_id", b.ClientID, true); err != nil {
		return err
	}
	if err := checkAuthMethod(b.AuthMethod); err != nil {
		return err
	}
	if err := checkServerCA(b.TLSServerCA); err != nil {
		return err
	}
	if err := checkMaxAge(b.MaxAge); err != nil {
		return err
	}
	return checkCredentials(b.AuthMethod, c)
}

// Create validates in, seals its credentials and stores the bank.
func (r *Registry) Create(ctx context.Context, projectID string, in Input) (Bank, error) {
	now := store.Now(r.Now)
	b := store.Bank{
		ID:              "bank-" + uuid.NewString(),
		ProjectID:       projectID,
		Issuer:          in.Issuer,
		DisplayName:     in.DisplayName,
		LogoURL:         in.LogoURL,
		PrimaryColor:    in.PrimaryColor,
		BackgroundColor: in.BackgroundColor,
		ClientID:        in.ClientID,
		AuthMethod:      in.AuthMethod,
		TLSServerCA:     in.TLSServerCA,
		MaxAge:          in.MaxAge,
		CreatedAt:       now,
		UpdatedAt:       now,
	}
	if err := check(&b, in.Credentials); err != nil {
		return Bank{}, err
	}
	b.SealedSecrets = r.Sealer.Seal(projectID, b.ID, in.Credentials)
	if err := r.Store.CreateBank(ctx, b); err != nil {
		return Bank{}, err
	}
	return view(b, in.Credentials), nil
}

// Get returns one of the project's banks.
func (r *Registry) Get(ctx context.Context, projectID, bankID string) (Bank, error) {
	b, err := r.Store.Bank(ctx, projectID, bankID)
	if err != nil {
		return Bank{}, err
	}
	return r.open(b)
}

// List returns the project's banks by display name.
func (r *Registry) List(ctx context.Context, projectID string) ([]Bank, error) {
	bs, err := r.Store.Banks(ctx, projectID)
	if err != nil {
		return nil, err
	}
	out := make([]Bank, 0, len(bs))
	for _, b := range bs {
		v, err := r.open(b)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Credentials returns a bank's credentials in clear, for the relying-party
// flow that authenticates to it.
func (r *Registry) Credentials(ctx context.Context, projectID, bankID string) (Credentials, error) {
	b, err := r.Store.Bank(ctx, projectID, bankID)
	if err != nil {
		return Credentials{}, err
	}
	return r.Sealer.Open(b.ProjectID, b.ID, b.SealedSecrets)
}

// Update applies p to the stored bank, checks the result as Create does
// and reseals the credentials, all in one store transaction.
func (r *Registry) Update(ctx context.Context, projectID, bankID string, p Patch) (Bank, error) {
	var creds Credentials
	b, err := r.Store.UpdateBank(ctx, projectID, bankID, func(b *store.Bank) error {
		c, err := r.Sealer.Open(b.ProjectID, b.ID, b.SealedSecrets)
		if err != nil {
			return err
		}
		for _, f := range []struct {
			dst *string
			src *string
		}{
			{&b.Issuer, p.Issuer}, {&b.DisplayName, p.DisplayName}, {&b.LogoURL, p.LogoURL},
			{&b.PrimaryColor, p.PrimaryColor}, {&b.BackgroundColor, p.BackgroundColor},
			{&b.ClientID, p.ClientID}, {&b.AuthMethod, p.AuthMethod}, {&b.TLSServerCA, p.TLSServerCA},
		} {
			if f.src != nil {
				*f.dst = *f.src
			}
		}
		switch {
		case p.ClearMaxAge:
			b.MaxAge = nil
		case p.MaxAge != nil:
			b.MaxAge = p.MaxAge
		}
		pc := p.Credentials
		if pc.ClientSecret != "" {
			c.ClientSecret = pc.ClientSecret
		}
		if pc.TLSClientCert != "" || pc.TLSClientKey != "" {
			c.TLSClientCert, c.TLSClientKey = pc.TLSClientCert, pc.TLSClientKey
		}
		if len(pc.JWKS) > 0 {
			c.JWKS = pc.JWKS
		}
		if err := check(b, c); err != nil {
			return err
		}
		b.SealedSecrets = r.Sealer.Seal(b.ProjectID, b.ID, c)
		b.UpdatedAt = store.Now(r.Now)
		creds = c
		return nil
	})
	if err != nil {
		return Bank{}, err
	}
	return view(b, creds), nil
}

// Delete removes a bank.
func (r *Registry) Delete(ctx context.Context, projectID, bankID string) error {
	return r.Store.DeleteBank(ctx, projectID, bankID)
}

func (r *Registry) open(b store.Bank) (Bank, error) {
	c, err := r.Sealer.Open(b.ProjectID, b.ID, b.SealedSecrets)
	if err != nil {
		return Bank{}, err
	}
	return view(b, c), nil
}

func view(b store.Bank, c Credentials) Bank {
	return Bank{
		Bank:             b,
		HasClientSecret:  c.ClientSecret != "",
		HasTLSClientCert: c.TLSClientCert != "",
		HasJWKS:          len(c.JWKS) > 0,
	}
}
