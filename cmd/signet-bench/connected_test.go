package main

import (
	"bufio"
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestAuthorizationCode(t *testing.T) {
	for _, tt := range []struct {
		name, body, want string
		ok               bool
	}{
		{"member", `{"redirect_uri":"https://a.example/cb?code=zzz\u0026state=s","authorization_code":"Ab-_9","request_id":"r","status_code":200}`, "Ab-_9", true},
		{"member with spaces", `{ "authorization_code" : "abc" }`, "abc", true},
		{"redirect only, escaped &", `{"redirect_uri":"https://a.example/cb?state=s\u0026code=xyz-1\u0026iss=x","status_code":200}`, "xyz-1", true},
		{"redirect only, plain &", `{"redirect_uri":"https://a.example/cb?code=q_2&state=s"}`, "q_2", true},
		{"redirect with fragment", `{"redirect_uri":"https://a.example/cb?code=q#f"}`, "q", true},
		{"denied", `{"redirect_uri":"https://a.example/cb?error=access_denied\u0026state=s","status_code":200}`, "", false},
		{"empty code", `{"authorization_code":""}`, "", false},
		{"escaped code refused", `{"authorization_code":"a\"b"}`, "", false},
		{"percent in code refused", `{"redirect_uri":"https://a.example/cb?code=a%2Fb"}`, "", false},
		{"unterminated", `{"authorization_code":"abc`, "", false},
		{"not a string", `{"authorization_code":12}`, "", false},
		{"error envelope", `{"status_code":400,"error_type":"invalid_client_id"}`, "", false},
		{"empty", ``, "", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := authorizationCode([]byte(tt.body))
			if ok != tt.ok || (ok && string(got) != tt.want) {
				t.Errorf("authorizationCode = %q, %v; want %q, %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzAuthorizationCode(f *testing.F) {
	f.Add(`{"authorization_code":"abc"}`)
	f.Add(`{"redirect_uri":"https://a/cb?x=1\u0026code=y"}`)
	f.Fuzz(func(t *testing.T, body string) {
		if code, ok := authorizationCode([]byte(body)); ok && (len(code) == 0 || !unreserved(code)) {
			t.Fatalf("accepted %q", code)
		}
	})
}

// The token request built per flow must be one well-formed HTTP request
// with the code at the end of its form body.
func TestAppendTokenRequest(t *testing.T) {
	f := newCodeFlow("127.0.0.1:1", credentials{"project-test-1", "s"}, "connected-app-test-1", "se+cr/et", "user-test-1")
	raw := f.appendTokenRequest([]byte("junk"), []byte("Code_1-x"))[len("junk"):]
	br := bufio.NewReader(bytes.NewReader(append(raw, "NEXT"...)))
	req, err := http.ReadRequest(br)
	if err != nil {
		t.Fatal(err)
	}
	if err := req.ParseForm(); err != nil {
		t.Fatal(err)
	}
	if req.URL.Path != "/v1/oauth2/token" || req.PostForm.Get("grant_type") != "authorization_code" ||
		req.PostForm.Get("code") != "Code_1-x" || req.PostForm.Get("redirect_uri") != benchRedirect {
		t.Errorf("request %s %v", req.URL, req.PostForm)
	}
	if id, secret, ok := req.BasicAuth(); !ok || id != "connected-app-test-1" || secret != "se%2Bcr%2Fet" {
		t.Errorf("basic auth %q %q %v (RFC 6749 §2.3.1: form-encoded, then Basic)", id, secret, ok)
	}
	if rest, _ := io.ReadAll(br); string(rest) != "NEXT" {
		t.Errorf("left %q after the request", rest)
	}
	if !strings.Contains(string(f.authorize), `"consent_granted":true`) {
		t.Errorf("authorize body: %s", f.authorize)
	}
}

func TestReadResponseBody(t *testing.T) {
	for _, raw := range []string{
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhelloNEXT",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhel\r\n2;x=y\r\nlo\r\n0\r\nX-T: 1\r\n\r\nNEXT",
	} {
		br := bufio.NewReader(strings.NewReader(raw))
		status, body, err := readResponseBody(br, make([]byte, 0, 2), true)
		if err != nil || status != 200 || string(body) != "hello" {
			t.Errorf("readResponseBody = %d, %q, %v", status, body, err)
		}
		if rest, _ := io.ReadAll(br); string(rest) != "NEXT" {
			t.Errorf("left %q", rest)
		}
	}
	if _, _, err := readResponseBody(bufio.NewReader(strings.NewReader("HTTP/1.1 200 OK\r\nContent-Length: 99999999\r\n\r\n")), nil, true); err == nil {
		t.Error("a huge body was kept")
	}
}
