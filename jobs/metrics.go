package jobs

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the Scheduler's Prometheus collectors; the server registers them in its own registry.
type metrics struct {
	runs     *prometheus.CounterVec
	duration *prometheus.HistogramVec
	failures *prometheus.CounterVec
}

func newMetrics() *metrics {
	return &metrics{
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_job_runs_total",
			Help: "Job attempts finished in this process, by kind and status (succeeded, failed, cancelled).",
		}, []string{"kind", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "plaudit_job_duration_seconds",
			Help:    "How long job attempts ran in this process, by kind.",
			Buckets: []float64{0.01, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600},
		}, []string{"kind"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "plaudit_job_failures_total",
			Help: "Job attempts that failed with an error in this process, by kind.",
		}, []string{"kind"}),
	}
}

func (m *metrics) observe(kind string, st Status, took time.Duration) {
	m.runs.WithLabelValues(kind, string(st)).Inc()
	m.duration.WithLabelValues(kind).Observe(took.Seconds())
	if st == StatusFailed {
		m.failures.WithLabelValues(kind).Inc()
	}
}

// Collectors returns the Scheduler's Prometheus collectors (plaudit_job_runs_total{kind,status},
// plaudit_job_duration_seconds{kind}, plaudit_job_failures_total{kind}) for the server to register in its
// own registry. They count the attempts this process ran; the history (List) covers every process.
func (s *Scheduler) Collectors() []prometheus.Collector {
	return []prometheus.Collector{s.metrics.runs, s.metrics.duration, s.metrics.failures}
}
