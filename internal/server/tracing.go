package server

import (
	"net/http"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/signet-id/signet/internal/api"
)

// traceContext reads the caller's W3C Trace Context (traceparent and
// tracestate headers, https://www.w3.org/TR/trace-context/ §3), so a
// request's span joins the trace of the service that called Signet.
var traceContext = propagation.TraceContext{}

// startSpan starts the request's server span (nil without tracing), as a
// child of the caller's traceparent when it carries a valid one, and puts
// it in the request's context. Its name becomes the route pattern once
// the mux has matched one (endSpan): OpenTelemetry's HTTP conventions
// name server spans "{method} {route}", which is exactly Go's pattern.
func (s *Server) startSpan(r *http.Request) (*http.Request, trace.Span) {
	if s.tracer == nil {
		return r, nil
	}
	ctx := traceContext.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
	ctx, span := s.tracer.Start(ctx, r.Method, trace.WithSpanKind(trace.SpanKindServer),
		trace.WithAttributes(
			attribute.String("http.request.method", r.Method),
			attribute.String("url.path", r.URL.Path),
			attribute.String("signet.request_id", api.RequestID(r)),
		))
	return r.WithContext(ctx), span
}

// endSpan names the span after its route and ends it with the status; a
// 5xx marks it an error (OpenTelemetry HTTP semantic conventions: a
// server span's 4xx is the client's error, not the span's).
func endSpan(span trace.Span, r *http.Request, route string, status int) {
	if span == nil {
		return
	}
	if status == 0 {
		status = http.StatusOK
	}
	if route != "unmatched" {
		span.SetName(route)
		span.SetAttributes(attribute.String("http.route", route))
	}
	span.SetAttributes(attribute.Int("http.response.status_code", status))
	if p := api.NotedProject(r.Context()); p != "" {
		span.SetAttributes(attribute.String("signet.project_id", p))
	}
	if status >= 500 {
		span.SetStatus(codes.Error, http.StatusText(status))
	}
	span.End()
}

// tracedTransport makes a client span of every outbound request (to a
// bank, to a client's jwks_uri), a child of the request being served, and
// sends its W3C traceparent on, so the callee's spans join the trace.
type tracedTransport struct {
	base   http.RoundTripper
	tracer trace.Tracer
}

func (t tracedTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	ctx, span := t.tracer.Start(req.Context(), req.Method, trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("http.request.method", req.Method),
			attribute.String("server.address", req.URL.Hostname()),
			attribute.String("url.full", req.URL.Redacted()),
		))
	defer span.End()
	req = req.Clone(ctx) // a RoundTripper must not change the caller's request
	traceContext.Inject(ctx, propagation.HeaderCarrier(req.Header))
	resp, err := t.base.RoundTrip(req)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
		return nil, err
	}
	span.SetAttributes(attribute.Int("http.response.status_code", resp.StatusCode))
	if resp.StatusCode >= 400 {
		// A client span's 4xx is an error too (OpenTelemetry HTTP
		// conventions): the call did not get what it asked for.
		span.SetStatus(codes.Error, http.StatusText(resp.StatusCode))
	}
	return resp, nil
}

// outboundClients are the HTTP clients of the outbound calls with
// tracing (nil, nil without it: each package's default client): one for
// jwks_uri fetches (a 5 s timeout, as clientauth's default), one for the
// banks (no redirects followed, as package rp's default; banks with a TLS
// client certificate or CA of their own keep rp's transport, untraced).
func (s *Server) outboundClients() (jwks, banks *http.Client) {
	if s.tracer == nil {
		return nil, nil
	}
	tr := tracedTransport{base: http.DefaultTransport, tracer: s.tracer}
	return &http.Client{Transport: tr, Timeout: 5 * time.Second},
		&http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
