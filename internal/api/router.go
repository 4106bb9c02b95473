package api

import "net/http"

// Router is where a package mounts its routes: an *http.ServeMux, or the
// composition root's recorder of what was mounted (internal/server checks
// every mounted pattern against the route tables of the package docs).
type Router interface {
	Handle(pattern string, handler http.Handler)
	HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request))
}
