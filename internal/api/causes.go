package api

import "errors"

// The store's sentinels that are not server faults (store.ErrUnavailable,
// store.ErrInvalidText, store.ErrInvalidCursor) are recognised by the one
// method each has, so that this package, the wire conventions, does not
// import the store (the fences of internal/archtest).

// storeUnavailable reports whether err comes from a store that did not
// answer in time or cannot be reached: a 503 the caller may retry.
func storeUnavailable(err error) bool {
	var c interface{ Unavailable() bool }
	return errors.As(err, &c) && c.Unavailable()
}

// storeInvalidText reports whether err is the store refusing text the
// edges should have refused first: the caller's 400.
func storeInvalidText(err error) bool {
	var c interface{ InvalidText() bool }
	return errors.As(err, &c) && c.InvalidText()
}

// storeInvalidCursor reports whether err is a search cursor no listing of
// the store made: the caller's 400.
func storeInvalidCursor(err error) bool {
	var c interface{ InvalidCursor() bool }
	return errors.As(err, &c) && c.InvalidCursor()
}
