package config_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/config"
)

func TestBusSection(t *testing.T) {
	c, err := config.Parse([]byte("bus: nats://127.0.0.1:4222\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	want := config.Bus{URL: "nats://127.0.0.1:4222", Stream: config.DefaultBusStream, MaxBytes: config.DefaultBusMaxBytes, Batch: config.DefaultBusBatch, AckWait: config.DefaultBusAckWait}
	if c.Bus == nil || *c.Bus != want {
		t.Fatalf("scalar form: %+v, want %+v", c.Bus, want)
	}
	c, err = config.Parse([]byte("bus:\n  url: tls://nats.internal:4222\n  stream: EV_2\n  max_bytes: 64MiB\n  batch: 100\n  ack_wait: 5s\n"), "serve.yml")
	if err != nil {
		t.Fatal(err)
	}
	want = config.Bus{URL: "tls://nats.internal:4222", Stream: "EV_2", MaxBytes: 64 << 20, Batch: 100, AckWait: 5 * time.Second}
	if c.Bus == nil || *c.Bus != want {
		t.Fatalf("mapping form: %+v, want %+v", c.Bus, want)
	}
	if c, err := config.Parse([]byte("listen: 127.0.0.1:9\n"), "serve.yml"); err != nil || c.Bus != nil {
		t.Fatalf("no bus section: %+v, %v", c.Bus, err)
	}
}

func TestBusSectionErrors(t *testing.T) {
	for _, tc := range []struct{ doc, field, reason string }{
		{"bus: http://127.0.0.1:4222\n", "bus", "want a NATS URL"},
		{"bus: nats://127.0.0.1\n", "bus", "want a NATS URL"},
		{"bus: nats://u:secretpw@127.0.0.1:4222\n", "bus", "credentials do not belong"},
		{"bus: nats://127.0.0.1:4222/x\n", "bus", "only scheme, host and port"},
		{"bus: 42\n", "bus", "want a NATS URL"},
		{"bus:\n  stream: S\n", "bus.url", "required"},
		{"bus:\n  url: nats://h:1\n  stream: a.b\n", "bus.stream", "stream name"},
		{"bus:\n  url: nats://h:1\n  batch: 0\n", "bus.batch", "whole number"},
		{"bus:\n  url: nats://h:1\n  max_bytes: 10\n", "bus.max_bytes", "size"},
		{"bus:\n  url: nats://h:1\n  urls: x\n", "bus.urls", "unknown field"},
	} {
		_, err := config.Parse([]byte(tc.doc), "serve.yml")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) || len(ve.Errors) == 0 {
			t.Errorf("%q: want a validation error, got %v", tc.doc, err)
			continue
		}
		e := ve.Errors[0]
		if e.Field != tc.field || !strings.Contains(e.Reason, tc.reason) || e.Line == 0 {
			t.Errorf("%q: got %s line %d %q, want field %s with %q", tc.doc, e.Field, e.Line, e.Reason, tc.field, tc.reason)
		}
		if strings.Contains(err.Error(), "secretpw") {
			t.Errorf("%q: the error shows the password: %v", tc.doc, err)
		}
	}
}
