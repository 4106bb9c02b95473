package token

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/signet-id/signet/internal/api"
	"github.com/signet-id/signet/internal/keys"
)

// BenchmarkClientCredentials measures one whole token request through the
// handler (parse, client lookup from the cache, HMAC check, sign, JSON
// answer) per access-token algorithm, without the network. Run with
// -cpu 1,2 to see the per-core cost and the 2-core throughput
// (docs/benchmarks.md).
func BenchmarkClientCredentials(b *testing.B) {
	e := newEnv(b)
	for _, alg := range []string{keys.ES256, keys.EdDSA, keys.RS256, keys.PS256} {
		pid := "project-test-" + alg
		e.project(pid, alg)
		e.client(pid, "client-"+alg, "secret-0123456789abcdef", "read:users", "write:users")
		body := "grant_type=client_credentials&client_id=client-" + alg + "&client_secret=secret-0123456789abcdef"
		path := "/v1/public/" + pid + "/oauth2/token"
		b.Run(alg, func(b *testing.B) {
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest("POST", path, strings.NewReader(body))
					req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
					rec := httptest.NewRecorder()
					e.mux.ServeHTTP(rec, api.WithRequestID(req))
					if rec.Code != 200 {
						b.Fatalf("token = %d %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
