package api

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/plaudit/plaudit"
)

// NewRegistry returns a Prometheus registry with the Go runtime and process collectors, for a Server's
// Options.Registry. Each server owns its registry (never the global default one), so that two servers in
// one process, or in one test binary, never collide; other components of the process (the scheduler)
// register their collectors into the same registry to appear on the same GET /metrics.
func NewRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// metrics are the API's own collectors.
type metrics struct {
	requests *prometheus.CounterVec   // plaudit_http_requests_total{route,code}
	duration *prometheus.HistogramVec // plaudit_http_request_duration_seconds{route}
	appended *prometheus.CounterVec   // plaudit_events_appended_total{source,status}
}

func newMetrics(reg prometheus.Registerer) *metrics {
	return &metrics{
		requests: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_http_requests_total",
			Help: "HTTP requests answered by the API, by route (the ServeMux pattern, or \"unmatched\") and status code.",
		}, []string{"route", "code"})),
		duration: register(reg, prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "plaudit_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by route (the ServeMux pattern, or \"unmatched\").",
			Buckets: prometheus.DefBuckets,
		}, []string{"route"})),
		appended: register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_events_appended_total",
			Help: "Events received by POST /v1/events, by source (\"unknown\" when it is not a known source) and outcome (accepted, duplicate, rejected).",
		}, []string{"source", "status"})),
	}
}

// register adds c to reg, or returns the collector already registered under the same description, so
// that several servers may share one registry.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) C {
	if err := reg.Register(c); err != nil {
		var are prometheus.AlreadyRegisteredError
		if errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing
			}
		}
		panic("api: register metrics: " + err.Error())
	}
	return c
}

// observe records one answered request. route is the ServeMux pattern that matched, never the path, so
// that the number of series stays bounded.
func (m *metrics) observe(route string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	m.requests.WithLabelValues(route, strconv.Itoa(status)).Inc()
	m.duration.WithLabelValues(route).Observe(took.Seconds())
}

// event counts one event of a POST /v1/events batch.
func (m *metrics) event(src plaudit.Source, status string) {
	source := string(src)
	if !src.Valid() {
		source = "unknown"
	}
	m.appended.WithLabelValues(source, status).Inc()
}

// metricsHandler serves the registry in Prometheus's text format.
func (s *Server) metricsHandler() http.Handler {
	return promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{ErrorLog: promLogger{s}})
}

// promLogger sends promhttp's errors to the server's log.
type promLogger struct{ s *Server }

func (l promLogger) Println(v ...any) { l.s.Logger.Error("api: metrics", "err", v) }
