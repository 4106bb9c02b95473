// Command seed fills a project with synthetic users for the search
// benchmarks of docs/benchmarks.md (storetest.SyntheticUsers: distinct
// emails and phone numbers, names from a 64,000-surname pool), in
// batches, then refreshes the planner's statistics. The project must
// exist (signet init). It migrates the database first, as serve would.
//
//	go run ./bench/seed -db sqlite:/tmp/signet.db -project project-test-... -n 1000000
//	go run ./bench/seed -db 'postgres://postgres@127.0.0.1:5432/test?sslmode=disable&search_path=bench' -project ... -n 1000000
//
// It is bounded: at most 5,000,000 users per run, and -timeout (default
// 20 minutes) for the whole load.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"
	"time"

	"github.com/signet-id/signet/internal/store"
	"github.com/signet-id/signet/internal/store/postgres"
	"github.com/signet-id/signet/internal/store/sqlite"
	"github.com/signet-id/signet/internal/store/storetest"
)

// seeder is what both backends offer (*sqlstore.DB underneath).
type seeder interface {
	store.Store
	Migrate(ctx context.Context) error
	SeedUsers(ctx context.Context, users []store.User) error
	Analyze(ctx context.Context) error
}

func main() {
	dsn := flag.String("db", "", "database: sqlite:PATH or a postgres:// URL")
	project := flag.String("project", "", "the project to fill")
	n := flag.Int("n", 1_000_000, "users to create")
	start := flag.Int("start", 0, "index of the first synthetic user (to add to an earlier run)")
	timeout := flag.Duration("timeout", 20*time.Minute, "bound on the whole load")
	flag.Parse()
	if *dsn == "" || *project == "" || *n <= 0 || *n > 5_000_000 {
		log.Fatal("seed: -db and -project are required, and 0 < -n <= 5,000,000")
	}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	var (
		db  seeder
		err error
	)
	if path, ok := strings.CutPrefix(*dsn, "sqlite:"); ok {
		db, err = sqlite.Open(ctx, path)
	} else {
		db, err = postgres.Open(ctx, *dsn)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer func() { _ = db.Close() }() // a read-mostly tool: nothing left to flush
	if err := db.Migrate(ctx); err != nil {
		log.Fatal(err)
	}
	if _, err := db.Project(ctx, *project); err != nil {
		log.Fatalf("seed: project %s: %v", *project, err)
	}
	began := time.Now()
	t0 := time.Now().Add(-time.Duration(*start+*n) * time.Millisecond)
	const chunk = 50_000
	for i := 0; i < *n; i += chunk {
		users := storetest.SyntheticUsers(*project, *start+i, min(chunk, *n-i), t0)
		if err := db.SeedUsers(ctx, users); err != nil {
			log.Fatalf("seed: after %d users: %v", i, err)
		}
		fmt.Printf("\r%d / %d users (%.0f/s)", i+len(users), *n, float64(i+len(users))/time.Since(began).Seconds())
	}
	fmt.Println()
	if err := db.Analyze(ctx); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("seeded %d users in %s\n", *n, time.Since(began).Round(time.Second))
}
