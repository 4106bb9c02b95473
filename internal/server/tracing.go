package server

import (
	"net/http"

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
