package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/signet-id/signet/rp/rptest"
)

// BenchmarkSelector is one account selector page (GET /select-bank) for
// a visitor with a remembered bank, four banks listed, over loopback.
func BenchmarkSelector(b *testing.B) {
	e := newBankEnv(b)
	var bankID string
	for _, n := range []string{"Alpha", "Beta", "Gamma", "Delta"} {
		_, bankID = e.addBank(n, rptest.Options{})
	}
	br := newBrowser(b)
	q := url.Values{"client_id": {e.clientID}, "visitor_id": {"v-1"}, "scope": {"openid"}}.Encode()
	_, fields := br.get(e.URL+"/select-bank?"+q).form(e.t, "/select-bank")
	fields.Set("bank_id", bankID)
	br.send("POST", e.URL+"/select-bank", fields)
	// The choice is remembered for the browser's visitor cookie, which
	// every request below carries.
	if p := br.get(e.URL + "/select-bank?" + q); !strings.Contains(p.body, "Used last time") {
		b.Fatalf("no remembered bank:\n%s", p.body)
	}
	u, _ := url.Parse(e.URL)
	cookies := br.hc.Jar.Cookies(u)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		hc := e.Client()
		for pb.Next() {
			req, _ := http.NewRequest(http.MethodGet, e.URL+"/select-bank?"+q, nil)
			for _, c := range cookies {
				req.AddCookie(c)
			}
			resp, err := hc.Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Error(err, resp)
				return
			}
			resp.Body.Close()
		}
	})
}

// BenchmarkBankCallback is the whole verification of a returning bank
// customer from the bank's redirect on: the run's state change, the JARM
// check, the token and userinfo calls to the (fake, loopback) bank, the
// user lookup and update, the session, and the resumed authorization
// request. The walk to the bank is set up outside the timer.
func BenchmarkBankCallback(b *testing.B) {
	// Every journey comes from 127.0.0.1: no bound on what one address
	// may write.
	e := newBankEnv(b, func(c *Config) { c.BankLimits = unlimited })
	bank, bankID := e.addBank("Mikomo Bank", rptest.Options{Subject: "cust-1"})
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		br := newBrowser(b)
		cb, err := bank.Authorize(e.toBank(br, bankID).location)
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if p := br.get(cb); p.status != http.StatusOK || !strings.Contains(p.body, "/verify/resume") {
			b.Fatalf("callback: %d\n%s", p.status, p.body)
		}
		if p := br.get(e.URL + "/verify/resume"); p.status != http.StatusFound || !strings.HasPrefix(p.location, e.redirect+"?code=") {
			b.Fatalf("resume: %d %q", p.status, p.location)
		}
	}
}
