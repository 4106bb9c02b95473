package memberauth

import (
	"encoding/json"
	"net/http"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/orgs"
	"github.com/signet-id/signet/internal/password"
	"github.com/signet-id/signet/internal/store"
)

type saltsConfig struct {
	PrependSalt string `json:"prepend_salt"`
	AppendSalt  string `json:"append_salt"`
}

type argon2Config struct {
	Salt            string `json:"salt"`
	IterationAmount int    `json:"iteration_amount"`
	Memory          int    `json:"memory"`
	Threads         int    `json:"threads"`
	KeyLength       int    `json:"key_length"`
}

type scryptConfig struct {
	Salt       string `json:"salt"`
	NParameter int    `json:"n_parameter"`
	RParameter int    `json:"r_parameter"`
	PParameter int    `json:"p_parameter"`
	KeyLength  int    `json:"key_length"`
}

type pbkdf2Config struct {
	Salt            string `json:"salt"`
	IterationAmount int    `json:"iteration_amount"`
	KeyLength       int    `json:"key_length"`
	Algorithm       string `json:"algorithm"`
}

// migrateRequest is B2BPasswordsMigrateRequest.
type migrateRequest struct {
	OrganizationID           string          `json:"organization_id"`
	EmailAddress             string          `json:"email_address"`
	Hash                     string          `json:"hash"`
	HashType                 string          `json:"hash_type"`
	MD5Config                *saltsConfig    `json:"md_5_config"`
	SHA1Config               *saltsConfig    `json:"sha_1_config"`
	SHA512Config             *saltsConfig    `json:"sha_512_config"`
	Argon2Config             *argon2Config   `json:"argon_2_config"`
	ScryptConfig             *scryptConfig   `json:"scrypt_config"`
	PBKDF2Config             *pbkdf2Config   `json:"pbkdf_2_config"`
	Name                     *string         `json:"name"`
	TrustedMetadata          json.RawMessage `json:"trusted_metadata"`
	UntrustedMetadata        json.RawMessage `json:"untrusted_metadata"`
	Roles                    *[]string       `json:"roles"`
	PreserveExistingSessions bool            `json:"preserve_existing_sessions"`
	MFAPhoneNumber           *string         `json:"mfa_phone_number"`
	SetPhoneNumberVerified   bool            `json:"set_phone_number_verified"`
	ExternalID               *string         `json:"external_id"`
}

// legacy is the hash and its config, as package password reads them.
func (req migrateRequest) legacy() password.Legacy {
	l := password.Legacy{Type: req.HashType, Hash: req.Hash}
	for _, c := range []*saltsConfig{req.MD5Config, req.SHA1Config, req.SHA512Config} {
		if c != nil {
			l.PrependSalt, l.AppendSalt = c.PrependSalt, c.AppendSalt
		}
	}
	if c := req.Argon2Config; c != nil {
		l.Salt, l.Iterations, l.Memory, l.Threads, l.KeyLength = c.Salt, c.IterationAmount, c.Memory, c.Threads, c.KeyLength
	}
	if c := req.ScryptConfig; c != nil {
		l.Salt, l.N, l.R, l.P, l.KeyLength = c.Salt, c.NParameter, c.RParameter, c.PParameter, c.KeyLength
	}
	if c := req.PBKDF2Config; c != nil {
		l.Salt, l.Iterations, l.KeyLength, l.Algorithm = c.Salt, c.IterationAmount, c.KeyLength, c.Algorithm
	}
	return l
}

type migrateResponse struct {
	api.Meta
	MemberID      string `json:"member_id"`
	MemberCreated bool   `json:"member_created"`
	Member        any    `json:"member"`
	Organization  any    `json:"organization"`
}

// migrate is POST /v1/b2b/passwords/migrate. set_phone_number_verified is
// refused, not ignored: Signet verifies phone numbers only by an OTP it
// sent.
func (h *Handler) migrate(w http.ResponseWriter, r *http.Request, p store.Project) error {
	var req migrateRequest
	if err := api.Decode(w, r, &req); err != nil {
		return err
	}
	switch {
	case req.OrganizationID == "":
		return api.BadRequest("invalid_organization_id", "organization_id is required.")
	case req.Hash == "":
		return api.BadRequest("invalid_hash", "hash is required.")
	case req.SetPhoneNumberVerified:
		return api.BadRequest("invalid_argument", "set_phone_number_verified is not supported: Signet verifies phone numbers only by a passcode it sent.")
	}
	email := req.EmailAddress
	m, o, created, err := h.Service.MigratePassword(r.Context(), p.ID, Migration{
		Organization: req.OrganizationID,
		Hash:         req.legacy(),
		Member: orgs.MemberFields{Email: &email, Name: req.Name, TrustedMetadata: req.TrustedMetadata,
			UntrustedMetadata: req.UntrustedMetadata, Roles: req.Roles, MFAPhoneNumber: req.MFAPhoneNumber, ExternalID: req.ExternalID},
	})
	if err != nil {
		return err
	}
	api.Write(w, r, http.StatusOK, &migrateResponse{MemberID: m.ID, MemberCreated: created,
		Member: orgs.MemberObject(m, o), Organization: orgs.OrganizationObject(o)})
	return nil
}
