package server

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

// With Config.Tracing every request is a server span: named after its
// route ("unmatched" requests keep the method), a fresh trace without a
// traceparent, the caller's trace with one, an error on a 5xx only, with
// the project once it authenticated.
func TestRequestSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	ts := newTestServer(t, func(c *Config) { c.Tracing = tp })
	const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"

	req, _ := http.NewRequest("GET", ts.URL+"/v1/users/user-test-nope", nil)
	req.SetBasicAuth(ts.projectID, ts.secret)
	req.Header.Set("Traceparent", traceparent)
	if resp, err := ts.Client().Do(req); err != nil || resp.StatusCode != 404 {
		t.Fatalf("GET user: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	if resp, _ := ts.do(t, "GET", "/nope", "", "", false); resp.StatusCode != 404 {
		t.Fatal("unmatched")
	}
	_ = ts.st.Close() // every call that reaches the database now fails: a 500
	if resp, _ := ts.do(t, "GET", "/v1/users/user-test-nope", "", "", true); resp.StatusCode != 500 {
		t.Fatalf("on a closed store: %d", resp.StatusCode)
	}

	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	attrs := func(s sdktrace.ReadOnlySpan) map[string]any {
		m := map[string]any{}
		for _, kv := range s.Attributes() {
			m[string(kv.Key)] = kv.Value.AsInterface()
		}
		return m
	}
	user, unmatched, fault := spans[0], spans[1], spans[2]
	if user.Name() != "GET /v1/users/{user_id}" || user.SpanKind() != trace.SpanKindServer ||
		user.SpanContext().TraceID().String() != "4bf92f3577b34da6a3ce929d0e0e4736" || user.Parent().SpanID().String() != "00f067aa0ba902b7" {
		t.Errorf("span %q kind %v trace %s parent %s", user.Name(), user.SpanKind(), user.SpanContext().TraceID(), user.Parent().SpanID())
	}
	if a := attrs(user); a["http.response.status_code"] != int64(404) || a["signet.project_id"] != ts.projectID || a["http.route"] != "GET /v1/users/{user_id}" {
		t.Errorf("span attributes %v", a)
	}
	if user.Status().Code == codes.Error {
		t.Error("a 404 marked the span an error")
	}
	if unmatched.Name() != "GET" || unmatched.Parent().IsValid() || unmatched.SpanContext().TraceID() == user.SpanContext().TraceID() {
		t.Errorf("unmatched span %q parent %v", unmatched.Name(), unmatched.Parent())
	}
	if fault.Status().Code != codes.Error {
		t.Errorf("a 500's span status = %v", fault.Status())
	}
}

// With tracing, the clients of outbound calls (jwks_uri fetches, banks)
// make a client span, a child of the request being served, and send its
// traceparent on; the banks' client still follows no redirect.
func TestOutboundSpans(t *testing.T) {
	var got []string
	callee := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = append(got, r.Header.Get("Traceparent"))
		if r.URL.Path == "/moved" {
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNotFound)
	}))
	defer callee.Close()
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	s := &Server{tracer: tp.Tracer("test")}
	jwks, banks := s.outboundClients()

	ctx, parent := tp.Tracer("test").Start(t.Context(), "request")
	for _, c := range []struct {
		client *http.Client
		path   string
		status int
	}{{jwks, "/jwks.json", 404}, {banks, "/moved", 302}} {
		req, _ := http.NewRequestWithContext(ctx, "GET", callee.URL+c.path, nil)
		resp, err := c.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.status {
			t.Errorf("GET %s = %d, want %d", c.path, resp.StatusCode, c.status)
		}
	}
	parent.End()
	spans := rec.Ended()
	if len(spans) != 3 || len(got) != 2 {
		t.Fatalf("%d spans, %d calls; want 3 and 2 (no redirect followed)", len(spans), len(got))
	}
	for i, sp := range spans[:2] {
		want := "00-" + parent.SpanContext().TraceID().String() + "-" + sp.SpanContext().SpanID().String() + "-01"
		if sp.SpanKind() != trace.SpanKindClient || sp.Parent().SpanID() != parent.SpanContext().SpanID() || got[i] != want {
			t.Errorf("call %d: span kind %v parent %v, traceparent sent %q want %q", i, sp.SpanKind(), sp.Parent().SpanID(), got[i], want)
		}
	}
	if spans[0].Status().Code != codes.Error {
		t.Error("a 404 from the callee is no error on the client span")
	}
	if none, _ := (&Server{}).outboundClients(); none != nil {
		t.Error("without tracing, outbound clients are not replaced")
	}
}
