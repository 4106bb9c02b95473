package api

import "net/http"

// Handle adapts an unauthenticated handler that returns an error; the
// query is checked as in projects.Auth.Wrap.
func Handle(h func(w http.ResponseWriter, r *http.Request) error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		err := CheckQuery(r)
		if err == nil {
			err = h(w, r)
		}
		if err != nil {
			WriteError(w, r, err)
		}
	})
}

// CheckQuery is the query's edge for the management API (paths are the
// server's, bodies Decode's): every name and value must be text.
func CheckQuery(r *http.Request) error {
	if r.URL.RawQuery != "" && !ValidValues(r.URL.Query()) {
		return BadRequest("invalid_request", "The query string holds text that is not valid UTF-8, or a NUL.")
	}
	return nil
}
