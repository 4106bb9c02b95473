package server

import "net/http"

// recorder is the ServeMux the packages mount their routes on, recording
// each pattern: TestRouteTables checks every one against the route tables
// of the package docs, so a route is documented the day it is mounted.
type recorder struct {
	*http.ServeMux
	patterns *[]string
}

// Handle records pattern and mounts handler.
func (m *recorder) Handle(pattern string, handler http.Handler) {
	*m.patterns = append(*m.patterns, pattern)
	m.ServeMux.Handle(pattern, handler)
}

// HandleFunc records pattern and mounts handler.
func (m *recorder) HandleFunc(pattern string, handler func(http.ResponseWriter, *http.Request)) {
	*m.patterns = append(*m.patterns, pattern)
	m.ServeMux.HandleFunc(pattern, handler)
}
