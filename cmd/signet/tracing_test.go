package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	collectortrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	commonpb "go.opentelemetry.io/proto/otlp/common/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an in-process OTLP/HTTP trace receiver (OTLP
// specification, "OTLP/HTTP": POST of a protobuf
// ExportTraceServiceRequest to /v1/traces).
type otlpReceiver struct {
	*httptest.Server
	mu    sync.Mutex
	spans []*tracepb.Span
	attrs map[string]string // resource attributes
}

func newOTLPReceiver(t *testing.T) *otlpReceiver {
	rc := &otlpReceiver{attrs: map[string]string{}}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		var req collectortrace.ExportTraceServiceRequest
		if r.Method != http.MethodPost || r.URL.Path != "/v1/traces" || r.Header.Get("Content-Type") != "application/x-protobuf" ||
			err != nil || proto.Unmarshal(body, &req) != nil {
			t.Errorf("OTLP receiver: %s %s %s: not an export request", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		rc.mu.Lock()
		for _, rs := range req.ResourceSpans {
			for _, kv := range rs.GetResource().GetAttributes() {
				rc.attrs[kv.Key] = kv.GetValue().GetStringValue()
			}
			for _, ss := range rs.ScopeSpans {
				rc.spans = append(rc.spans, ss.Spans...)
			}
		}
		rc.mu.Unlock()
		b, _ := proto.Marshal(&collectortrace.ExportTraceServiceResponse{})
		w.Header().Set("Content-Type", "application/x-protobuf")
		_, _ = w.Write(b)
	}))
	t.Cleanup(rc.Close)
	return rc
}

// span waits for the span named name.
func (rc *otlpReceiver) span(t *testing.T, name string, within time.Duration) *tracepb.Span {
	t.Helper()
	deadline := time.Now().Add(within)
	for time.Now().Before(deadline) {
		rc.mu.Lock()
		for _, s := range rc.spans {
			if s.Name == name {
				rc.mu.Unlock()
				return s
			}
		}
		rc.mu.Unlock()
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no span %q reached the receiver", name)
	return nil
}

func spanAttr(s *tracepb.Span, key string) any {
	for _, kv := range s.Attributes {
		if kv.Key != key {
			continue
		}
		switch v := kv.Value.Value.(type) {
		case *commonpb.AnyValue_StringValue:
			return v.StringValue
		case *commonpb.AnyValue_IntValue:
			return v.IntValue
		}
	}
	return nil
}

// serve --otlp-endpoint sends a server span of every request to an OTLP
// receiver, named after the route, in the trace of the caller's W3C
// traceparent, and flushes them when it stops; an endpoint that is not an
// http(s) URL is refused.
func TestServeTracing(t *testing.T) {
	rc := newOTLPReceiver(t)
	done, log, stop := runServe(t, "--db", "sqlite:"+t.TempDir()+"/x.db", "--log-format", "json",
		"--otlp-endpoint", rc.URL+"/v1/traces")
	addr := waitJSONListening(t, done, log)
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	req, _ := http.NewRequest("GET", "http://"+addr+"/healthz", nil)
	req.Header.Set("Traceparent", "00-"+traceID+"-"+parentID+"-01")
	req.Header.Set("X-Request-Id", "traced-1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// A stop flushes the batch.
	stop()
	<-done
	s := rc.span(t, "GET /healthz", 10*time.Second)
	if hex.EncodeToString(s.TraceId) != traceID || hex.EncodeToString(s.ParentSpanId) != parentID {
		t.Errorf("span trace %x parent %x, want the traceparent's %s %s", s.TraceId, s.ParentSpanId, traceID, parentID)
	}
	if s.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Errorf("span kind %v", s.Kind)
	}
	for k, want := range map[string]any{"http.route": "GET /healthz", "http.request.method": "GET",
		"http.response.status_code": int64(200), "signet.request_id": "traced-1"} {
		if got := spanAttr(s, k); got != want {
			t.Errorf("span %s = %v, want %v", k, got, want)
		}
	}
	rc.mu.Lock()
	service := rc.attrs["service.name"]
	rc.mu.Unlock()
	if service != "signet" {
		t.Errorf("service.name = %q", service)
	}

	t.Run("refused", func(t *testing.T) {
		done, _, _ := runServe(t, "--db", "sqlite:"+t.TempDir()+"/y.db", "--otlp-endpoint", "collector:4318")
		if err := <-done; err == nil || !strings.Contains(err.Error(), "--otlp-endpoint") {
			t.Errorf("a bad --otlp-endpoint: %v", err)
		}
	})
}
