// Command ceiling is the loopback HTTP ceiling of docs/benchmarks.md: a
// plain net/http handler that answers every request with a fixed
// token-response-shaped JSON body encoded by encoding/json, and does
// nothing else. Whatever a real token endpoint reaches on the same machine
// is measured against it.
//
//	go run ./bench/ceiling -addr 127.0.0.1:18081
package main

import (
	"encoding/json"
	"flag"
	"log"
	"net/http"
)

type response struct {
	AccessToken string `json:"access_token"`
	ExpiresIn   int    `json:"expires_in"`
	TokenType   string `json:"token_type"`
}

func main() {
	addr := flag.String("addr", "127.0.0.1:18081", "listen address (loopback)")
	flag.Parse()
	body := response{
		AccessToken: "eyJhbGciOiJFUzI1NiIsImtpZCI6ImNlaWxpbmcifQ.e30.c2lnbmF0dXJlLWNlaWxpbmctYmVuY2htYXJrLXBhZGRpbmctcGFkZGluZy1wYWRkaW5n",
		ExpiresIn:   3600,
		TokenType:   "bearer",
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(body) // a failed write is a client gone: no one to tell
	})
	log.Fatal(http.ListenAndServe(*addr, mux))
}
