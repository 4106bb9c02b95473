package store

import (
	"encoding/json"
	"time"
)

// Verification records that a bank vouched for a user: which bank, which of
// its customers (the bank's sub), what it asserted and when. It is the
// provenance of the user's bank-given details. A (Issuer, Subject) pair
// belongs to at most one user of a project, so the same bank customer
// verifying twice is the same user.
type Verification struct {
	ID       string // "verification-test-<uuid>"
	BankID   string // the registry entry it came through (kept if the bank is removed later)
	Issuer   string // the bank OP's issuer
	BankName string // the bank's display name when it verified
	Subject  string // the bank's sub for the person
	// Claims are the claims the bank released (ID token and userinfo,
	// without the protocol claims), a JSON object.
	Claims     json.RawMessage
	ACR        string    // the ID token's acr, if any
	VerifiedAt time.Time // the latest verification
	CreatedAt  time.Time // the first
}

// Bank verification flow states (BankVerification.Status).
const (
	// VerificationPending: made, no bank chosen or not yet sent to it.
	VerificationPending = "pending"
	// VerificationAtBank: the browser was sent to the bank with Proofs.
	VerificationAtBank = "at_bank"
	// VerificationCompleting: the bank's answer is being checked; the
	// callback that moved it here is the only one that may finish it.
	VerificationCompleting = "completing"
	// VerificationVerified: the user was created or linked (UserID,
	// VerificationID); an API flow's result token is not redeemed yet.
	VerificationVerified = "verified"
	// VerificationFailed: it ended with ErrorCode and ErrorMessage.
	VerificationFailed = "failed"
	// VerificationDone: the API flow's result token was redeemed, or a
	// login flow signed the person in and its authorization request is
	// about to resume.
	VerificationDone = "done"
	// VerificationResumed: a login flow's authorization request resumed
	// once; resuming again (a reload) no longer counts as a fresh sign-in.
	VerificationResumed = "resumed"
)

// Bank verification kinds (BankVerification.Kind).
const (
	// VerificationKindLogin: started on the hosted sign-in page for an
	// authorization request of ClientID, which resumes afterwards.
	VerificationKindLogin = "login"
	// VerificationKindAPI: started with POST /v1/bank_verifications/start;
	// it ends at RedirectURL.
	VerificationKindAPI = "api"
)

// BankVerification is one run of the relying-party flow to a bank, from
// its start to the verified user: which bank, the browser it is bound to,
// the one-time proofs sent to the bank, and where it goes afterwards. It
// lives until ExpiresAt; reads and updates ignore expired ones.
type BankVerification struct {
	ID        string // "bank-verification-test-<uuid>"
	ProjectID string
	Kind      string // VerificationKindLogin or VerificationKindAPI
	Status    string // VerificationPending, ...
	// ClientID and AuthorizationRequest (the hosted pages' carried
	// request, URL-encoded) are set for the login kind.
	ClientID             string
	AuthorizationRequest string
	// RedirectURL is where an API flow sends the browser at the end.
	RedirectURL string
	// UserID is, before the bank answers, the user an API flow links to
	// ("" to find or create one); afterwards the verified user.
	UserID    string
	BankID    string // "" until chosen
	VisitorID string // the account selector's visitor, if known
	Scopes    []string
	// Claims is the OIDC Core §5.5 claims request for the bank, or nil.
	Claims json.RawMessage
	// CodeChallenge is an API flow's RFC 7636 S256 challenge, which the
	// authenticate call must answer with its verifier ("" for none).
	CodeChallenge string
	// BeginHash is the hash of the one-time secret of an API flow's start
	// URL (nil once the browser used it); BindingHash the hash of the
	// secret in the browser cookie it is bound to (nil until bound);
	// ResultHash the hash of the secret of the result token an API flow
	// redeems once.
	BeginHash   []byte
	BindingHash []byte
	ResultHash  []byte
	// The relying-party proofs sent to the bank (state, nonce, PKCE
	// verifier), set with VerificationAtBank.
	State, Nonce, CodeVerifier string
	// Attempts counts the times the run was sent to a bank: more than one
	// when the person came Back and chose again, each attempt with fresh
	// proofs.
	Attempts int
	// VerificationID is the user's Verification a verified flow made or
	// refreshed.
	VerificationID string
	// ErrorCode and ErrorMessage say why a failed flow failed: a code for
	// programs, a sentence for the person.
	ErrorCode    string
	ErrorMessage string
	// SourceHash is a keyed hash of the client address that started a
	// run without credentials (the sign-in page's "Verify with your
	// bank"); nil for runs the API started. CreateBankVerification caps
	// the runs per source. It never changes.
	SourceHash []byte
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ExpiresAt  time.Time
}

// BankChoice is the bank a visitor of the account selector chose last,
// remembered for pre-selection until ExpiresAt. VisitorHash is a keyed
// hash of the visitor ID, never the ID itself; SourceHash a keyed hash
// of the client address the choice came from (nil if unknown), by which
// RememberBank caps the choices one address leaves.
type BankChoice struct {
	ProjectID   string
	VisitorHash []byte
	SourceHash  []byte
	BankID      string
	ChosenAt    time.Time
	ExpiresAt   time.Time
}
