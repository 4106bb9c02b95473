package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// benchRedirect is the connected app's redirect URL. Nothing is fetched
// from it: the consent API returns the redirect as JSON.
const benchRedirect = "https://bench.example/callback"

// codeFlow is the Connected Apps authorization-code flow of one
// iteration: the consent API's authorize call (pre-encoded: the same
// client, user, state and nonce every time, each call issuing a new code),
// then the token request, whose body ends with that code.
type codeFlow struct {
	addr      string
	authorize []byte // the whole authorize request
	tokenHead []byte // the token request up to and including "Content-Length: "
	tokenBody []byte // its body up to and including "&code="
}

func newCodeFlow(addr string, p credentials, clientID, clientSecret, userID string) *codeFlow {
	authz, _ := json.Marshal(map[string]any{
		"client_id":       clientID,
		"redirect_uri":    benchRedirect,
		"response_type":   "code",
		"scopes":          []string{"openid"},
		"user_id":         userID,
		"consent_granted": true,
		"state":           "bench-state",
		"nonce":           "bench-nonce",
	})
	f := &codeFlow{addr: addr}
	f.authorize = newTarget(addr, "POST", "/v1/idp/oauth/authorize", map[string]string{
		"Content-Type":  "application/json",
		"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte(p.id+":"+p.secret)),
	}, authz).raw
	f.tokenHead = []byte("POST /v1/oauth2/token HTTP/1.1\r\nHost: " + addr +
		"\r\nUser-Agent: signet-bench\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Basic " +
		base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(clientID)+":"+url.QueryEscape(clientSecret))) +
		"\r\nContent-Length: ")
	f.tokenBody = []byte("grant_type=authorization_code&redirect_uri=" + url.QueryEscape(benchRedirect) + "&code=")
	return f
}

// appendTokenRequest appends the token request for code to dst.
func (f *codeFlow) appendTokenRequest(dst, code []byte) []byte {
	dst = append(dst, f.tokenHead...)
	dst = strconv.AppendInt(dst, int64(len(f.tokenBody)+len(code)), 10)
	dst = append(dst, "\r\n\r\n"...)
	dst = append(dst, f.tokenBody...)
	return append(dst, code...)
}

var errNoCode = errors.New("authorize: no authorization code in the answer")

// loop is one connection's flows until stop: a flow counts when both
// answers are 200, and its latency is from the first write to the end of
// the second answer.
func (f *codeFlow) loop(measureFrom, stop time.Time) result {
	body := make([]byte, 0, 1024)
	req := make([]byte, 0, 1024)
	dial := func() (net.Conn, error) { return net.DialTimeout("tcp", f.addr, ioTimeout) }
	return runConn(dial, measureFrom, stop, 1<<14, func(conn net.Conn, br *bufio.Reader, start time.Time) error {
		if err := conn.SetDeadline(start.Add(2 * ioTimeout)); err != nil {
			return err
		}
		if _, err := conn.Write(f.authorize); err != nil {
			return err
		}
		status, b, err := readResponseBody(br, body, true)
		body = b[:0:cap(b)]
		if err != nil {
			return err
		}
		if status != 200 {
			// Counted even outside the window: no flow goes on from here.
			return fmt.Errorf("authorize: HTTP %d %.200s", status, b)
		}
		code, ok := authorizationCode(b)
		if !ok {
			return fmt.Errorf("%w: %.200s", errNoCode, b)
		}
		req = f.appendTokenRequest(req[:0], code)
		if _, err := conn.Write(req); err != nil {
			return err
		}
		return wantStatus(br, 200, "token: ")
	})
}

// authorizationCode finds the code in the consent API's answer without
// decoding the JSON: the "authorization_code" member, or else the code
// parameter of "redirect_uri". Codes are base64url, so a code with any
// other byte (an escape, a quote) is refused rather than half-read.
func authorizationCode(body []byte) ([]byte, bool) {
	if v, ok := jsonStringMember(body, "authorization_code"); ok {
		return v, len(v) > 0 && unreserved(v)
	}
	uri, ok := jsonStringMember(body, "redirect_uri")
	if !ok {
		return nil, false
	}
	_, query, ok := bytes.Cut(uri, []byte("?"))
	if !ok {
		return nil, false
	}
	// encoding/json writes & as \u0026.
	for param := range bytes.SplitSeq(bytes.ReplaceAll(query, []byte(`\u0026`), []byte("&")), []byte("&")) {
		if v, ok := bytes.CutPrefix(param, []byte("code=")); ok {
			if i := bytes.IndexByte(v, '#'); i >= 0 {
				v = v[:i]
			}
			return v, len(v) > 0 && unreserved(v)
		}
	}
	return nil, false
}

// jsonStringMember returns the raw (still escaped) value of the first
// string member named key, a quick search good for the flat answers here.
func jsonStringMember(body []byte, key string) ([]byte, bool) {
	i := bytes.Index(body, []byte(`"`+key+`"`))
	if i < 0 {
		return nil, false
	}
	rest := bytes.TrimLeft(body[i+len(key)+2:], " \t\r\n")
	rest, ok := bytes.CutPrefix(rest, []byte(":"))
	if !ok {
		return nil, false
	}
	rest, ok = bytes.CutPrefix(bytes.TrimLeft(rest, " \t\r\n"), []byte(`"`))
	if !ok {
		return nil, false
	}
	for j := 0; j < len(rest); j++ {
		switch rest[j] {
		case '\\':
			j++
		case '"':
			return rest[:j], true
		}
	}
	return nil, false
}

// unreserved reports whether b holds only RFC 3986 unreserved bytes, so it
// goes into a form body as is.
func unreserved(b []byte) bool {
	for _, c := range b {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~':
		default:
			return false
		}
	}
	return true
}

// connectedApps makes a third_party connected app and a user, runs one
// flow with full decoding to check it and label the token algorithms,
// then loads flows. The client (with its consents, codes and tokens) and
// the user are deleted afterwards.
func connectedApps(cfg *config, out io.Writer) error {
	if err := cfg.needProjects(); err != nil {
		return err
	}
	p := cfg.projects[0]
	var created struct {
		ConnectedApp struct {
			ClientID     string `json:"client_id"`
			ClientSecret string `json:"client_secret"`
		} `json:"connected_app"`
	}
	_, err := api(cfg, p, "POST", "/v1/connected_apps/clients", map[string]any{
		"client_type":   "third_party",
		"client_name":   "signet-bench",
		"redirect_urls": []string{benchRedirect},
	}, &created)
	if errors.Is(err, errSkip) {
		fmt.Fprintf(out, "%-28s skipped: this server has no /v1/connected_apps/clients\n", "connected_apps")
		return nil
	}
	if err != nil {
		return err
	}
	clientID := created.ConnectedApp.ClientID
	var b [9]byte
	rand.Read(b[:])
	var user struct {
		UserID string `json:"user_id"`
	}
	_, err = api(cfg, p, "POST", "/v1/users", map[string]any{
		"email": "bench-ca-" + strings.ToLower(fmt.Sprintf("%x", b)) + "@example.com",
	}, &user)
	if err == nil {
		f := newCodeFlow(cfg.base.Host, p, clientID, created.ConnectedApp.ClientSecret, user.UserID)
		var label string
		if label, err = f.check(); err == nil {
			fmt.Fprintf(out, "%-28s each flow = 2 requests (consent-API authorize + code exchange) on one connection; label = access/ID token alg; req/s = flows/s, latencies and srv CPU per flow\n", "connected_apps")
			measureWith(cfg, out, "connected_apps "+label, func() result {
				return runWith(cfg.conns, cfg.warmup, cfg.duration, f.loop)
			})
		}
	}
	if user.UserID != "" {
		if _, derr := api(cfg, p, "DELETE", "/v1/users/"+url.PathEscape(user.UserID), nil, nil); err == nil {
			err = derr
		}
	}
	if _, derr := api(cfg, p, "DELETE", "/v1/connected_apps/clients/"+url.PathEscape(clientID), nil, nil); err == nil {
		err = derr
	}
	return err
}

// check runs one flow over its own connection, decoding the token answer
// fully, and returns "<access token alg>/<ID token alg>" for the line's
// label.
func (f *codeFlow) check() (string, error) {
	conn, err := net.DialTimeout("tcp", f.addr, ioTimeout)
	if err != nil {
		return "", err
	}
	defer func() { _ = conn.Close() }() // the answer is read and checked; closing adds nothing
	if err := conn.SetDeadline(time.Now().Add(2 * ioTimeout)); err != nil {
		return "", err
	}
	br := bufio.NewReader(conn)
	if _, err := conn.Write(f.authorize); err != nil {
		return "", err
	}
	status, body, err := readResponseBody(br, nil, true)
	if err != nil {
		return "", err
	}
	if status != 200 {
		return "", fmt.Errorf("authorize: HTTP %d %s", status, body)
	}
	code, ok := authorizationCode(body)
	if !ok {
		return "", fmt.Errorf("%w: %s", errNoCode, body)
	}
	// The very bytes the load loop sends, on the same connection.
	if _, err := conn.Write(f.appendTokenRequest(nil, code)); err != nil {
		return "", err
	}
	status, tb, err := readResponseBody(br, nil, true)
	if err != nil {
		return "", err
	}
	var tok struct {
		AccessToken string `json:"access_token"`
		IDToken     string `json:"id_token"`
	}
	if status != 200 || json.Unmarshal(tb, &tok) != nil || tok.IDToken == "" {
		return "", fmt.Errorf("token: HTTP %d %s", status, tb)
	}
	return jwsAlg(tok.AccessToken) + "/" + jwsAlg(tok.IDToken), nil
}

// jwsAlg is the alg of a compact JWS header, or "?".
func jwsAlg(jws string) string {
	h, _, _ := strings.Cut(jws, ".")
	hb, err := base64.RawURLEncoding.DecodeString(h)
	var header struct {
		Alg string `json:"alg"`
	}
	if err != nil || json.Unmarshal(hb, &header) != nil || header.Alg == "" {
		return "?"
	}
	return header.Alg
}
