package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
)

// apiStatusError is a management API call that did not answer 200.
type apiStatusError struct {
	Method, Path string
	Status       int
	Body         string
}

func (e *apiStatusError) Error() string {
	return fmt.Sprintf("%s %s: %d %s", e.Method, e.Path, e.Status, e.Body)
}

// callAPI sends one management API request to an instance's handler, in
// process (before it serves), authenticated as the project, and decodes
// a 200 answer into out (when not nil). body nil sends none.
func callAPI(ctx context.Context, h http.Handler, projectID, secret, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequestWithContext(ctx, method, path, rd)
	req.SetBasicAuth(projectID, secret)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		return &apiStatusError{Method: method, Path: path, Status: rec.Code, Body: string(bytes.TrimSpace(rec.Body.Bytes()))}
	}
	if out == nil {
		return nil
	}
	return json.Unmarshal(rec.Body.Bytes(), out)
}
