package sqlstore

import (
	"context"
	"database/sql"
	"sync"
)

// changeTx runs fn in a write transaction that announces topic/key (see
// store.Changes) when it commits. With Dialect.Notify the announcement is
// part of the transaction (Postgres: pg_notify, which the server delivers
// at commit and drops on rollback), so no commit goes unannounced and no
// rollback is announced; the backend's listener delivers it to this
// process's subscribers like any other node's. Without it (SQLite, one
// process) this process's subscribers are told after the commit.
func (db *DB) changeTx(ctx context.Context, topic, key string, fn func(*sql.Tx) error) error {
	notify := db.d.Notify
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if notify == nil {
			return nil
		}
		return notify(ctx, tx, topic, key)
	})
	if err == nil && notify == nil {
		db.Deliver(topic, key)
	}
	return err
}

// Subscribe registers fn for the changes of topic (store.Changes). A
// backend whose changes come from other processes (Postgres) wraps it to
// start listening.
func (db *DB) Subscribe(topic string, fn func(key string)) (cancel func()) {
	return db.subs.add(topic, fn)
}

// Deliver tells this process's subscribers of topic that key changed. The
// backend's listener calls it for every notification it receives.
func (db *DB) Deliver(topic, key string) { db.subs.deliver(topic, key) }

// Flush tells every subscriber that anything may have changed (key ""):
// the backend's listener calls it when it (re)connects, because
// notifications sent while it was away are lost.
func (db *DB) Flush() { db.subs.flush() }

// subscribers are the callbacks of one store, by topic.
type subscribers struct {
	mu     sync.Mutex
	next   int
	topics map[string]map[int]func(string)
}

func (s *subscribers) add(topic string, fn func(string)) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.topics == nil {
		s.topics = map[string]map[int]func(string){}
	}
	if s.topics[topic] == nil {
		s.topics[topic] = map[int]func(string){}
	}
	id := s.next
	s.next++
	s.topics[topic][id] = fn
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		delete(s.topics[topic], id)
	}
}

// deliver calls the topic's callbacks outside the lock, so a callback
// may subscribe or cancel.
func (s *subscribers) deliver(topic, key string) {
	for _, fn := range s.list(topic) {
		fn(key)
	}
}

func (s *subscribers) flush() {
	s.mu.Lock()
	topics := make([]string, 0, len(s.topics))
	for t := range s.topics {
		topics = append(topics, t)
	}
	s.mu.Unlock()
	for _, t := range topics {
		s.deliver(t, "")
	}
}

func (s *subscribers) list(topic string) []func(string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fns := make([]func(string), 0, len(s.topics[topic]))
	for _, fn := range s.topics[topic] {
		fns = append(fns, fn)
	}
	return fns
}
