package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// Cross-node change notification (store.Changes) is PostgreSQL
// LISTEN/NOTIFY. A write that changes a cached record runs
// pg_notify(channel, "topic:key") inside its transaction, so the server
// sends it when, and only if, the transaction commits. Every node that
// has subscribers holds one extra connection, LISTENing on the channel,
// and hands what arrives to its subscribers.
//
// Channel names are global to the database while Signet's tables live in
// a schema (search_path), so the channel is named after the schema:
// instances in different schemas of one database, such as parallel
// tests, never hear each other.
const (
	// listenPing is how long the listener waits for a notification before
	// it checks, with a ping, that its connection still works: a server
	// that froze or a network that silently dropped the connection is
	// noticed within listenPing+pingTimeout, and the caches flushed when
	// the listener is back.
	listenPing  = 15 * time.Second
	pingTimeout = 5 * time.Second
	// connectTimeout bounds one connection attempt; failed attempts are
	// retried with backoff from retryMin up to retryMax.
	connectTimeout = 10 * time.Second
	retryMin       = 100 * time.Millisecond
	retryMax       = 5 * time.Second
	// maxChannel is NAMEDATALEN-1, the longest identifier PostgreSQL keeps.
	maxChannel = 63
	// applicationName marks the listener's session in pg_stat_activity.
	applicationName = "signet-listener"
)

// channelFor returns the notification channel of schema.
func channelFor(schema string) string {
	c := "signet:" + schema
	if len(c) > maxChannel {
		sum := sha256.Sum256([]byte(schema))
		c = "signet:" + hex.EncodeToString(sum[:16])
	}
	return c
}

// currentSchema is the schema the pool's connections keep Signet's tables
// in, or, if no schema of the search_path exists yet, the search_path.
func currentSchema(ctx context.Context, pool *sql.DB) (string, error) {
	var s string
	if err := pool.QueryRowContext(ctx, `SELECT COALESCE(current_schema(), current_setting('search_path'))`).Scan(&s); err != nil {
		return "", fmt.Errorf("current schema: %w", err)
	}
	return s, nil
}

// notifier returns the Dialect.Notify of channel.
func notifier(channel string) func(ctx context.Context, tx *sql.Tx, topic, key string) error {
	return func(ctx context.Context, tx *sql.Tx, topic, key string) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, channel, topic+":"+key); err != nil {
			return fmt.Errorf("postgres: notify %s: %w", topic, err)
		}
		return nil
	}
}

// listener holds the LISTEN connection of one DB. It starts with the
// first subscriber and stops with Close.
type listener struct {
	url     string
	channel string
	deliver func(topic, key string)
	flush   func()

	once   sync.Once
	cancel context.CancelFunc
	done   chan struct{}
}

func (l *listener) start() {
	l.once.Do(func() {
		ctx, cancel := context.WithCancel(context.Background())
		l.cancel, l.done = cancel, make(chan struct{})
		go l.run(ctx)
	})
}

// stop ends the listener, if it started, and waits for it.
func (l *listener) stop() {
	l.once.Do(func() {}) // a later start does nothing
	if l.cancel != nil {
		l.cancel()
		<-l.done
	}
}

// run keeps a listening session up until ctx ends: when one fails it
// waits (backing off while attempts keep failing) and starts another.
func (l *listener) run(ctx context.Context) {
	defer close(l.done)
	wait := retryMin
	for {
		listened, err := l.session(ctx)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = retryMin
		}
		slog.Warn("postgres: change listener disconnected; caches rely on their TTL until it is back",
			"channel", l.channel, "retry_in", wait, "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, retryMax)
	}
}

// session connects, LISTENs, flushes the subscribers (whatever changed
// while no session listened went unheard) and delivers notifications
// until the connection fails. listened reports whether it got as far as
// listening.
func (l *listener) session(ctx context.Context) (listened bool, err error) {
	cfg, err := pgx.ParseConfig(l.url)
	if err != nil {
		return false, err
	}
	cfg.RuntimeParams["application_name"] = applicationName
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	conn, err := pgx.ConnectConfig(cctx, cfg)
	cancel()
	if err != nil {
		return false, err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), time.Second)
		conn.Close(cctx)
		cancel()
	}()
	cctx, cancel = context.WithTimeout(ctx, connectTimeout)
	_, err = conn.Exec(cctx, "LISTEN "+pgx.Identifier{l.channel}.Sanitize())
	cancel()
	if err != nil {
		return false, err
	}
	l.flush()
	for {
		wctx, cancel := context.WithTimeout(ctx, listenPing)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			if topic, key, ok := strings.Cut(n.Payload, ":"); ok {
				l.deliver(topic, key)
			}
			continue
		case ctx.Err() != nil:
			return true, ctx.Err()
		case !errors.Is(err, context.DeadlineExceeded):
			return true, err
		}
		// Quiet for listenPing: check the connection is still alive.
		pctx, cancel := context.WithTimeout(ctx, pingTimeout)
		err = conn.Ping(pctx)
		cancel()
		if err != nil {
			return true, err
		}
	}
}
