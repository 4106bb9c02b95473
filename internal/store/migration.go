package store

import "time"

// Migration is one numbered schema migration of a backend and whether it
// is applied (`signet migrate --status`).
type Migration struct {
	Version   int64
	Name      string     // "0015_master_key_check.sql"
	AppliedAt *time.Time // nil while pending
}
