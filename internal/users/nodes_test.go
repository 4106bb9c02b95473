package users_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/server/servertest"
	"github.com/signet-id/signet/internal/testclock"
	"github.com/signet-id/signet/internal/testdb"
)

// Two nodes on one PostgreSQL database, on a frozen fake clock (so the
// cache's TTL never runs out): a session hot on node B is refused there
// once node A's revocation (or its user's change) is announced, which
// only the store's LISTEN/NOTIFY can have told B.
func TestHotSessionTwoNodes(t *testing.T) {
	if os.Getenv("SIGNET_TEST_POSTGRES") == "" {
		t.Skip("two nodes share a database on PostgreSQL (SIGNET_TEST_POSTGRES)")
	}
	clock := testclock.New(e0)
	a := servertest.Start(t, servertest.Options{Now: clock.Now})
	st := testdb.OpenDSN(t, a.DSN)
	km := keys.NewManager(st, a.MasterKey, keys.Options{Now: clock.Now})
	b := servertest.Serve(t, nil, func(c *server.Config) {
		c.Store, c.Keys, c.Pepper, c.Now, c.Issuer = st, km, a.Pepper, clock.Now, a.URL
	})
	call := func(base, path string, body any) (int, obj) {
		t.Helper()
		raw, _ := json.Marshal(body)
		req, _ := http.NewRequest("POST", base+path, bytes.NewReader(raw))
		if path == "/v1/users/delete" {
			req.Method, req.URL.Path = "DELETE", "/v1/users/"+body.(obj)["user_id"].(string)
			req.Body, req.ContentLength = http.NoBody, 0
		}
		req.SetBasicAuth(a.ProjectID, a.Secret)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out obj
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	// refusedOnB waits (real time; the fake clock stands still) for B
	// to refuse the session.
	refusedOnB := func(token string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			code, out := call(b.URL, "/v1/sessions/authenticate", obj{"session_token": token})
			if code == 404 {
				return
			}
			if code != 200 {
				t.Fatalf("B: authenticate = %d %v", code, out)
			}
			if time.Now().After(deadline) {
				t.Fatal("B never heard of the change")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i, write := range []func(u hotUser){
		func(u hotUser) { call(a.URL, "/v1/sessions/revoke", obj{"session_token": u.token}) },
		func(u hotUser) { call(a.URL, "/v1/users/delete", obj{"user_id": u.userID}) },
	} {
		code, out := call(a.URL, "/v1/passwords", obj{"email": "node" + string(rune('a'+i)) + "@example.com", "password": "correct-horse-battery-staple-9"})
		if code != 200 {
			t.Fatalf("passwords = %d %v", code, out)
		}
		u := hotUser{userID: out["user_id"].(string), token: out["session_token"].(string)}
		for range 2 { // the second is served from B's memory
			if code, out := call(b.URL, "/v1/sessions/authenticate", obj{"session_token": u.token}); code != 200 {
				t.Fatalf("B: authenticate = %d %v", code, out)
			}
		}
		write(u)
		if code, _ := call(a.URL, "/v1/sessions/authenticate", obj{"session_token": u.token}); code != 404 {
			t.Fatalf("A: authenticate after the write = %d, want 404", code)
		}
		refusedOnB(u.token)
	}
}
