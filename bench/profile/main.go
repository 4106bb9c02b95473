// Command profile runs Signet's real HTTP server (internal/server, the same
// wiring as `signet serve`) on a throwaway SQLite database with one project
// whose access tokens use -alg, and serves net/http/pprof on a second
// loopback port. It prints the project's credentials as JSON, for
// cmd/signet-bench. It exists to take the CPU profiles in
// docs/benchmarks.md; `signet serve` deliberately has no pprof endpoint.
//
//	go run ./bench/profile -alg ES256 > creds.json &
//	signet-bench -url http://127.0.0.1:18090 -project ... -secret ... -scenarios client_credentials &
//	go tool pprof -top http://127.0.0.1:18091/debug/pprof/profile?seconds=10
package main

import (
	"context"
	"encoding/json"
	"flag"
	"log"
	"log/slog"
	"net/http"
	_ "net/http/pprof" // on the pprof listener only (http.DefaultServeMux)
	"os"
	"path/filepath"
	"time"

	"github.com/signet-id/signet/internal/keys"
	"github.com/signet-id/signet/internal/projects"
	"github.com/signet-id/signet/internal/secrets"
	"github.com/signet-id/signet/internal/server"
	"github.com/signet-id/signet/internal/store/sqlite"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:18090", "Signet listen address (loopback)")
	pprofAddr := flag.String("pprof", "127.0.0.1:18091", "pprof listen address (loopback)")
	alg := flag.String("alg", keys.ES256, "the project's access-token algorithm")
	flag.Parse()
	ctx := context.Background()
	dir, err := os.MkdirTemp("", "signet-profile-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	st, err := sqlite.OpenAndMigrate(ctx, filepath.Join(dir, "signet.db"))
	if err != nil {
		log.Fatal(err)
	}
	mk := keys.GenerateMasterKey()
	pepper := secrets.NewPepper(mk.Derive("signet/pepper/v1"))
	km := keys.NewManager(st, mk, keys.Options{})
	p, secret, err := projects.Create(ctx, st, km, pepper, "profile", time.Now())
	if err != nil {
		log.Fatal(err)
	}
	if err := km.EnsureKey(ctx, p.ID, *alg); err != nil {
		log.Fatal(err)
	}
	// A key the project was not created with (EdDSA) signs only once
	// every node could serve it (internal/keys).
	from, err := km.SignsFrom(ctx, p.ID, *alg)
	if err != nil {
		log.Fatal(err)
	}
	if d := time.Until(from); d > 0 {
		log.Printf("waiting %s until the new %s key signs", d.Round(time.Second), *alg)
		time.Sleep(d)
	}
	if err := st.SetProjectTokenAlg(ctx, p.ID, *alg); err != nil {
		log.Fatal(err)
	}
	json.NewEncoder(os.Stdout).Encode(map[string]string{"project_id": p.ID, "secret": secret})
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	srv := server.New(server.Config{Issuer: "http://" + *addr, Store: st, Keys: km, Pepper: pepper})
	go func() { log.Fatal(http.ListenAndServe(*pprofAddr, nil)) }()
	log.Fatal(http.ListenAndServe(*addr, srv))
}
