package store

import "time"

// Page asks for one page of a listing. Cursor is opaque, from a previous
// Result; Limit is clamped by the caller.
type Page struct {
	Cursor string
	Limit  int
}

// UserField names a user search filter (the Stytch filter_name values that
// apply to what Signet stores).
type UserField string

// The filters a UserFilter may name.
const (
	UserByStatus         UserField = "status"        // Values[0]
	UserByID             UserField = "user_id"       // Values
	UserByEmail          UserField = "email_address" // Values, case-insensitive
	UserByEmailID        UserField = "email_id"      // Values
	UserByEmailFuzzy     UserField = "email_address_fuzzy"
	UserByPhone          UserField = "phone_number" // Values
	UserByPhoneID        UserField = "phone_id"     // Values
	UserByPhoneFuzzy     UserField = "phone_number_fuzzy"
	UserByFullNameFuzzy  UserField = "full_name_fuzzy"         // Values[0], substring of "first middle last"
	UserByCreatedAfter   UserField = "created_at_greater_than" // From
	UserByCreatedBefore  UserField = "created_at_less_than"    // To
	UserByCreatedBetween UserField = "created_at_between"      // From and To
	UserByEmailVerified  UserField = "email_verified"          // Bool
	UserByPhoneVerified  UserField = "phone_verified"          // Bool
	UserByPasswordExists UserField = "password_exists"         // Bool
)

// UserFilter is one operand of a user search.
type UserFilter struct {
	Field    UserField
	Values   []string
	Bool     bool
	From, To time.Time
}

// UserQuery is a user search: filters joined by AND (default) or OR.
type UserQuery struct {
	Or      bool
	Filters []UserFilter
	Page
}

// UserResult is one page of users, oldest first.
type UserResult struct {
	Users []User
	// Total counts the matches, up to MaxSearchTotal: a search matching
	// more reports MaxSearchTotal (a lower bound), so no page ever counts
	// a whole large project. Paging follows NextCursor, never Total.
	Total      int
	NextCursor string // "" on the last page
}

// MaxSearchTotal bounds UserResult.Total (and so results_metadata.total
// of users.search). Counting is what a search of a large project costs
// most: an unfiltered count of a million users takes tens of milliseconds
// (the index is read whole), and a fuzzy filter that one user in thirty
// matches reads thirty rows per match counted. With the bound, a count
// stops after 1,000 matches.
const MaxSearchTotal = 1_000

// M2MQuery filters M2M clients: by client ID, status or any-of scopes.
type M2MQuery struct {
	Or        bool
	ClientIDs []string
	Status    string
	Scopes    []string
	Page
}

// M2MResult is one page of M2M clients, oldest first.
type M2MResult struct {
	Clients    []M2MClient
	Total      int
	NextCursor string
}
