package server

import (
	"net/http"
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
