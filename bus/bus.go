// Package bus carries events from receivers to workers over NATS JetStream, so that one community can be
// served by several processes on several machines: receivers (the API, the webhooks, the pollers) publish
// each accepted event to a durable stream and answer once JetStream has stored it; workers (`plaudit serve
// --role worker`, any number) fetch from one shared durable pull consumer, append what they fetched to the
// store in one transaction through the service's one store path, and acknowledge only after the commit.
//
// Nothing is stored twice: a publish carries the event key (source/id) as its Nats-Msg-Id, so a publisher's
// retry within the stream's duplicate window is dropped by JetStream, and a message redelivered after a
// worker died between commit and acknowledgement is a duplicate of the stored event, which the store
// ignores (the event key is the log's idempotency key). Nothing is dropped either: the stream is a
// work queue on file storage that refuses new messages when it holds MaxBytes (DiscardNew), and a refused
// publish is retried until the caller's deadline, so receivers slow down while workers catch up.
package bus

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/plaudit/plaudit"
)

// SubjectPrefix begins every event's subject: plaudit.events.SOURCE (one subject per source, so that an
// operator can watch, limit or mirror one source).
const SubjectPrefix = "plaudit.events."

// Durable is the name of the workers' shared durable pull consumer.
const Durable = "plaudit-workers"

// Defaults of Config's zero fields.
const (
	DefaultStream   = "PLAUDIT_EVENTS"
	DefaultMaxBytes = 1 << 30
	DefaultBatch    = 500
	// DefaultAckWait is how long a fetched message may stay unacknowledged before JetStream redelivers it
	// to another worker: longer than any honest append of one batch.
	DefaultAckWait = 30 * time.Second
	// DefaultDuplicates is the stream's duplicate window: a publish repeating a Nats-Msg-Id seen within it
	// is acknowledged and dropped.
	DefaultDuplicates = 2 * time.Minute
)

// Config says where the bus is and how it is shaped. Zero fields take the defaults above.
type Config struct {
	URL      string        // the NATS server, nats://host:port
	Stream   string        // the stream's name
	MaxBytes int64         // what the stream holds before publishers must wait
	Batch    int           // messages a worker fetches and appends in one transaction
	AckWait  time.Duration // redelivery after this long without an acknowledgement
	Name     string        // the connection's name, shown by the NATS server (e.g. "plaudit worker host")
	Logger   *slog.Logger  // slog.Default() when nil
}

func (c Config) withDefaults() Config {
	if c.Stream == "" {
		c.Stream = DefaultStream
	}
	if c.MaxBytes <= 0 {
		c.MaxBytes = DefaultMaxBytes
	}
	if c.Batch <= 0 {
		c.Batch = DefaultBatch
	}
	if c.AckWait <= 0 {
		c.AckWait = DefaultAckWait
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Name == "" {
		c.Name = "plaudit"
	}
	return c
}

// Bus is a connection to the NATS server with the events stream in place. It is safe for concurrent use.
type Bus struct {
	cfg Config
	nc  *nats.Conn
	js  jetstream.JetStream
	log *slog.Logger

	published prometheus.Counter
	stored    *prometheus.CounterVec
	retries   prometheus.Counter
}

// Connect connects to the NATS server and creates (or updates) the events stream. The connection
// reconnects forever: a NATS restart makes publishes and fetches wait and retry, not fail for good.
func Connect(ctx context.Context, cfg Config) (*Bus, error) {
	cfg = cfg.withDefaults()
	b := &Bus{cfg: cfg, log: cfg.Logger}
	nc, err := nats.Connect(cfg.URL, nats.Name(cfg.Name), nats.MaxReconnects(-1), nats.ReconnectWait(250*time.Millisecond),
		nats.RetryOnFailedConnect(false), nats.Timeout(5*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			if err != nil {
				b.log.Warn("bus: disconnected from NATS, reconnecting", "url", cfg.URL, "err", err)
			}
		}),
		nats.ReconnectHandler(func(*nats.Conn) { b.log.Info("bus: reconnected to NATS", "url", cfg.URL) }))
	if err != nil {
		return nil, fmt.Errorf("connect to NATS at %s: %w", cfg.URL, err)
	}
	js, err := jetstream.New(nc, jetstream.WithPublishAsyncMaxPending(4096), jetstream.WithPublishAsyncTimeout(5*time.Second))
	if err != nil {
		nc.Close()
		return nil, fmt.Errorf("JetStream at %s: %w", cfg.URL, err)
	}
	b.nc, b.js = nc, js
	b.published = prometheus.NewCounter(prometheus.CounterOpts{Name: "plaudit_bus_published_total",
		Help: "Events published to the bus and acknowledged by JetStream."})
	b.retries = prometheus.NewCounter(prometheus.CounterOpts{Name: "plaudit_bus_publish_retries_total",
		Help: "Publishes retried because JetStream refused them (stream full) or did not answer (a NATS restart)."})
	b.stored = prometheus.NewCounterVec(prometheus.CounterOpts{Name: "plaudit_bus_consumed_total",
		Help: "Events a worker took from the bus, by what the store made of them: accepted, duplicate (a redelivery) or rejected."}, []string{"status"})
	if err := b.ensureStream(ctx); err != nil {
		nc.Close()
		return nil, err
	}
	return b, nil
}

// ensureStream creates the stream, or updates its limits to this process's configuration.
func (b *Bus) ensureStream(ctx context.Context) error {
	_, err := b.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name:        b.cfg.Stream,
		Description: "Plaudit events from receivers to workers",
		Subjects:    []string{SubjectPrefix + ">"},
		Retention:   jetstream.WorkQueuePolicy,
		Storage:     jetstream.FileStorage,
		MaxBytes:    b.cfg.MaxBytes,
		Discard:     jetstream.DiscardNew,
		Duplicates:  DefaultDuplicates,
	})
	if err != nil {
		return fmt.Errorf("create the JetStream stream %s: %w", b.cfg.Stream, err)
	}
	return nil
}

// Close drains nothing and closes the connection; publishes still waiting fail.
func (b *Bus) Close() { b.nc.Close() }

// Collectors are the bus's Prometheus metrics.
func (b *Bus) Collectors() []prometheus.Collector {
	return []prometheus.Collector{b.published, b.retries, b.stored}
}

// Ready reports whether the connection is up and the stream answers (GET /readyz).
func (b *Bus) Ready(ctx context.Context) error {
	if !b.nc.IsConnected() {
		return fmt.Errorf("not connected to NATS at %s (%s)", b.cfg.URL, b.nc.Status())
	}
	if _, err := b.js.Stream(ctx, b.cfg.Stream); err != nil {
		return fmt.Errorf("JetStream stream %s: %w", b.cfg.Stream, err)
	}
	return nil
}

// Subject returns the subject an event of source is published on.
func Subject(source plaudit.Source) string { return SubjectPrefix + string(source) }

// errStopped is what a wait returns when its context ended.
var errStopped = errors.New("stopped")

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return errors.Join(errStopped, ctx.Err())
	case <-t.C:
		return nil
	}
}
