package main

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// --error-url-base (or SIGNET_ERROR_URL_BASE, or the file's error-url-base) must be a URL error_url can
// append "#<error_type>" to.
func TestServeErrorURLBaseChecked(t *testing.T) {
	for _, tt := range []struct{ env, flag, file string }{
		{"", "ftp://docs.example.com/errors", ""},
		{"", "/docs/errors", ""},
		{"", "https://docs.example.com/errors#top", ""},
		{"https://docs.example.com/errors#", "", ""},
		{"", "", "error-url-base: /docs/errors\n"}, // a setting: the config file's key too
	} {
		t.Run(tt.env+tt.flag+tt.file, func(t *testing.T) {
			t.Setenv("SIGNET_ERROR_URL_BASE", tt.env)
			args := []string{"serve", "--db", "sqlite:" + t.TempDir() + "/x.db"}
			if tt.file != "" {
				args = append(args, "--config", writeConfig(t, tt.file))
			}
			if tt.flag != "" {
				args = append(args, "--error-url-base", tt.flag)
			}
			err := run(t.Context(), args, io.Discard, io.Discard)
			if err == nil || !strings.Contains(err.Error(), "--error-url-base") {
				t.Errorf("serve = %v, want an error naming --error-url-base", err)
			}
		})
	}
}

// A running serve puts the configured base in error_url.
func TestServeErrorURLBase(t *testing.T) {
	t.Setenv("SIGNET_ERROR_URL_BASE", "https://docs.example.com/signet/errors")
	done, log, _ := runServe(t, "--db", "sqlite:"+t.TempDir()+"/x.db")
	var m []string
	deadline := time.After(time.Minute)
	for m == nil {
		select {
		case err := <-done:
			t.Fatalf("serve ended: %v\n%s", err, log)
		case <-deadline:
			t.Fatalf("serve did not come up:\n%s", log)
		case <-time.After(20 * time.Millisecond):
			m = listeningRE.FindStringSubmatch(log.String())
		}
	}
	resp, err := http.Get("http://" + m[1] + "/v1/nope")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	json.NewDecoder(resp.Body).Decode(&body)
	if want := "https://docs.example.com/signet/errors#route_not_found"; body["error_url"] != want {
		t.Fatalf("error_url = %v, want %s", body["error_url"], want)
	}
}
