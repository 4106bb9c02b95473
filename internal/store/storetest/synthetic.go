package storetest

import (
	"fmt"
	"time"

	"github.com/signet-id/signet/internal/store"
)

// Synthetic names: 64 first names and surnames of two or three of 40
// syllables (64,000 surnames), so a search for one person's surname is
// as selective as in a real directory, and a three-letter fragment is
// not.
var (
	firstNames = []string{
		"Ada", "Alan", "Grace", "Edsger", "Barbara", "Donald", "Frances", "John",
		"Margaret", "Dennis", "Radia", "Ken", "Shafi", "Leslie", "Hedy", "Tim",
		"Karen", "Niklaus", "Sophie", "Claude", "Annie", "Linus", "Joan", "Guido",
		"Anita", "Bjarne", "Katherine", "Brian", "Mary", "Whitfield", "Evelyn", "Martin",
		"Jean", "Robin", "Lynn", "Vint", "Ruth", "Butler", "Dorothy", "Edgar",
		"Betty", "Fran", "Kathleen", "Robert", "Susan", "Andrew", "Carol", "Tony",
		"Elizabeth", "Peter", "Ida", "Ivan", "Jennifer", "Judea", "Kristen", "Larry",
		"Marian", "Michael", "Nancy", "Oliver", "Priya", "Quentin", "Rosa", "Yukihiro",
	}
	syllables = []string{
		"lo", "ve", "la", "ce", "hop", "per", "tu", "ring", "dijk", "stra",
		"knu", "th", "al", "len", "rit", "chie", "thomp", "son", "gold", "wa",
		"ser", "lam", "port", "mar", "kov", "ber", "ners", "lee", "wirth", "sha",
		"non", "bor", "ga", "van", "ros", "sum", "kay", "back", "us", "mo",
	}
)

// SyntheticUsers makes n users of projectID for load and plan tests:
// distinct IDs, emails and phone numbers, names from the lists above,
// created one millisecond apart from t0. Index i always gives the same
// user, so two runs seed the same data.
func SyntheticUsers(projectID string, start, n int, t0 time.Time) []store.User {
	users := make([]store.User, n)
	for k := range users {
		i := start + k
		first := firstNames[i%len(firstNames)]
		s := i / len(firstNames)
		last := syllables[s%40] + syllables[s/40%40]
		if s/1600%25 > 0 {
			last += syllables[s/1600%25+15]
		}
		last = string(last[0]-'a'+'A') + last[1:]
		at := t0.Add(time.Duration(i) * time.Millisecond)
		users[k] = store.User{
			ID:        fmt.Sprintf("user-test-%08x-0000-4000-8000-%012x", i, i),
			ProjectID: projectID,
			Status:    "active",
			Name:      store.Name{First: first, Last: last},
			Email: &store.Email{
				ID:       fmt.Sprintf("email-test-%08x-0000-4000-8000-%012x", i, i),
				Address:  fmt.Sprintf("%s.%s.%d@example.com", first, last, i),
				Verified: i%3 != 0,
			},
			Phone: &store.Phone{
				ID:     fmt.Sprintf("phone-number-test-%08x-0000-4000-8000-%012x", i, i),
				Number: fmt.Sprintf("+1555%07d", i%10_000_000),
			},
			CreatedAt: at,
			UpdatedAt: at,
		}
	}
	return users
}
