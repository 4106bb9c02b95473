package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// newTracing returns the tracer provider of serve --otlp-endpoint: spans
// batched and sent over OTLP/HTTP (protobuf) to endpoint, a full URL such
// as http://collector:4318/v1/traces, sampled as the caller's traceparent
// says and otherwise always. stop flushes what is pending and ends it.
// An empty endpoint is no tracing (nil, and a stop that does nothing).
func newTracing(ctx context.Context, endpoint, version string) (tp *sdktrace.TracerProvider, stop func(), err error) {
	if endpoint == "" {
		return nil, func() {}, nil
	}
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("--otlp-endpoint %q: want an http or https URL, such as http://collector:4318/v1/traces", endpoint)
	}
	exp, err := otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(endpoint))
	if err != nil {
		return nil, nil, fmt.Errorf("--otlp-endpoint: %w", err)
	}
	res := resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName("signet"), semconv.ServiceVersion(version))
	tp = sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.ParentBased(sdktrace.AlwaysSample())),
	)
	stop = func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := tp.Shutdown(ctx); err != nil {
			slog.Warn("tracing: spans not sent at shutdown", "err", err)
		}
	}
	return tp, stop, nil
}
