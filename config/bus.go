package config

import (
	"net/url"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Defaults of the bus section.
const (
	// DefaultBusStream is bus.stream's default: the JetStream stream the events go through.
	DefaultBusStream = "PLAUDIT_EVENTS"
	// DefaultBusMaxBytes is bus.max_bytes's default: what the stream holds for workers that fall behind
	// before receivers are made to wait (1 GiB, about two million typical events).
	DefaultBusMaxBytes = 1 << 30
	// DefaultBusBatch is bus.batch's default: how many messages a worker fetches and stores in one
	// transaction.
	DefaultBusBatch = 500
	// DefaultBusAckWait is bus.ack_wait's default.
	DefaultBusAckWait = 30 * time.Second
)

// Bus is the bus section: with it, receivers (the API, the webhooks, the pollers) publish each accepted
// event to a NATS JetStream stream and workers (`plaudit serve --role worker`) store and score them.
// Written either as a URL (`bus: nats://127.0.0.1:4222`) or as a mapping with url, stream, max_bytes and
// batch. Nil (no bus section) runs everything in one process, as without a bus.
type Bus struct {
	// URL is the NATS server's address (nats:// or tls://); credentials are not taken from the file.
	URL string
	// Stream is the JetStream stream's name (DefaultBusStream unless set).
	Stream string
	// MaxBytes bounds the stream: when workers fall behind by this much, publishing waits (receivers slow
	// down and, past api.store_timeout, answer 503 with Retry-After) instead of dropping events.
	MaxBytes int64
	// Batch is how many messages a worker fetches and appends in one transaction.
	Batch int
	// AckWait is how long a fetched batch may stay unacknowledged (its worker died) before JetStream
	// hands it to another worker (bus.ack_wait, 30s unless set): longer than one batch's append.
	AckWait time.Duration
}

// bus decodes the bus section: a URL, or a mapping.
func (d *decoder) bus(n *yaml.Node, path string, c *Config) {
	if !d.usable(n, path) {
		return
	}
	b := &Bus{Stream: DefaultBusStream, MaxBytes: DefaultBusMaxBytes, Batch: DefaultBusBatch, AckWait: DefaultBusAckWait}
	if n.Kind == yaml.ScalarNode {
		d.busURL(n, path, &b.URL)
	} else {
		d.mapping(n, path, map[string]field{
			"url":       func(n *yaml.Node, p string) { d.busURL(n, p, &b.URL) },
			"stream":    func(n *yaml.Node, p string) { d.busStream(n, p, &b.Stream) },
			"max_bytes": func(n *yaml.Node, p string) { d.size(n, p, &b.MaxBytes) },
			"batch":     func(n *yaml.Node, p string) { d.positiveInt(n, p, &b.Batch) },
			"ack_wait":  func(n *yaml.Node, p string) { d.duration(n, p, &b.AckWait) },
		})
		if b.URL == "" && n.Kind == yaml.MappingNode && !d.failedUnder(path+".url") {
			d.fail(n, path+".url", "required: the NATS server's address, such as nats://127.0.0.1:4222")
		}
	}
	c.Bus = b
}

// failedUnder reports whether a problem was already reported for path.
func (d *decoder) failedUnder(path string) bool {
	for _, e := range d.errs {
		if e.Field == path {
			return true
		}
	}
	return false
}

// busURL checks a NATS server address: nats:// or tls://, a host and a port, nothing else.
func (d *decoder) busURL(n *yaml.Node, path string, dst *string) {
	const want = "a NATS URL such as nats://127.0.0.1:4222"
	s, ok := d.str(n, path, want)
	if !ok {
		return
	}
	u, err := url.Parse(s)
	switch {
	case err != nil || (u.Scheme != "nats" && u.Scheme != "tls") || u.Host == "" || u.Port() == "":
		d.fail(n, path, "want %s, got %q", want, truncate(s, 60))
	case u.User != nil:
		d.fail(n, path, "credentials do not belong in the file: run NATS without them on a private network, or use TLS")
	case (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "":
		d.fail(n, path, "want only scheme, host and port, got %q", truncate(s, 60))
	default:
		*dst = u.Scheme + "://" + u.Host
	}
}

// busStream checks a JetStream stream name: letters, digits, '-' and '_', at most 32.
func (d *decoder) busStream(n *yaml.Node, path string, dst *string) {
	const want = "a stream name of letters, digits, '-' and '_'"
	s, ok := d.str(n, path, want)
	if !ok {
		return
	}
	if s == "" || len(s) > 32 || strings.IndexFunc(s, func(r rune) bool {
		return !(r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_')
	}) >= 0 {
		d.fail(n, path, "want %s (at most 32), got %q", want, truncate(s, 40))
		return
	}
	*dst = s
}
