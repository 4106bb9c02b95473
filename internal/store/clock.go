package store

import "time"

// Precision is the resolution at which every backend keeps times
// (PostgreSQL's timestamptz holds microseconds; the SQLite backend stores
// the same). A time written at a finer precision would read back different
// from what the write's response showed.
const Precision = time.Microsecond

// Time is t as a store keeps it: UTC at [Precision]. A record built with it
// reads back Equal to what its writer returned.
func Time(t time.Time) time.Time { return t.UTC().Truncate(Precision) }

// Now is the current time of clock (time.Now when clock is nil) as a store
// keeps it: the time a service writes into a record. Services hold a
// clock func (a test's fake, or nil) and call Now(clock) where they write.
func Now(clock func() time.Time) time.Time {
	if clock == nil {
		clock = time.Now
	}
	return Time(clock())
}
