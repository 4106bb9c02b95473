package main

import (
	"bufio"
	"io"
	"strings"
	"testing"
)

func TestReadResponse(t *testing.T) {
	for _, tt := range []struct {
		name, raw  string
		wantStatus int
		wantErr    bool
		wantRest   string // what must remain for the next response
	}{
		{"content-length", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT", 200, false, "NEXT"},
		{"chunked", "HTTP/1.1 401 Unauthorized\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\nNEXT", 401, false, "NEXT"},
		{"chunked with trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n\r\nNEXT", 200, false, "NEXT"},
		{"no length", "HTTP/1.1 200 OK\r\n\r\nbody", 0, true, ""},
		{"not HTTP", "SSH-2.0-OpenSSH\r\n", 0, true, ""},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", 0, true, ""},
		{"truncated", "HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", 200, true, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			br := bufio.NewReader(strings.NewReader(tt.raw))
			status, err := readResponse(br)
			if (err != nil) != tt.wantErr || (!tt.wantErr && status != tt.wantStatus) {
				t.Fatalf("readResponse = %d, %v", status, err)
			}
			if !tt.wantErr {
				rest, _ := io.ReadAll(br)
				if string(rest) != tt.wantRest {
					t.Errorf("left %q, want %q", rest, tt.wantRest)
				}
			}
		})
	}
}

func FuzzReadResponse(f *testing.F) {
	f.Add("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
	f.Add("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n")
	f.Fuzz(func(t *testing.T, raw string) {
		readResponse(bufio.NewReader(strings.NewReader(raw))) // must not panic or hang
	})
}

func TestFlagsLoopbackOnly(t *testing.T) {
	for _, tt := range []struct {
		url string
		ok  bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://[::1]:8080", true},
		{"http://10.0.0.1:8080", false},
		{"http://example.com", false},
		{"https://127.0.0.1:8443", false},
	} {
		_, err := parseFlags([]string{"-url", tt.url}, io.Discard)
		if (err == nil) != tt.ok {
			t.Errorf("-url %s: err = %v, want ok %v", tt.url, err, tt.ok)
		}
	}
	if _, err := parseFlags([]string{"-duration", "1h"}, io.Discard); err == nil {
		t.Error("an hour-long run was accepted")
	}
	if _, err := parseFlags([]string{"-project", "a,b", "-secret", "s"}, io.Discard); err == nil {
		t.Error("unpaired -project/-secret accepted")
	}
}
