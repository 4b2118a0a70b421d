package bus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// Storer appends events to the store in one transaction through the service's one store path
// (service.Service.StoreEvents): a stored (source, id) is a duplicate and changes nothing.
type Storer interface {
	StoreEvents(ctx context.Context, events []plaudit.Event) ([]plaudit.AppendResult, error)
}

// consumer returns the workers' shared durable pull consumer, creating it when missing.
func (b *Bus) consumer(ctx context.Context) (jetstream.Consumer, error) {
	c, err := b.js.CreateOrUpdateConsumer(ctx, b.cfg.Stream, jetstream.ConsumerConfig{
		Durable:       Durable,
		Description:   "plaudit workers: append to the store, then acknowledge",
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       b.cfg.AckWait,
		MaxDeliver:    -1,
		MaxAckPending: 64 * b.cfg.Batch,
		FilterSubject: SubjectPrefix + ">",
	})
	if err != nil {
		return nil, fmt.Errorf("create the durable consumer %s on %s: %w", Durable, b.cfg.Stream, err)
	}
	return c, nil
}

// Work fetches batches from the shared durable consumer and stores each through st until ctx ends,
// acknowledging a batch's messages only after its transaction committed. A batch the store refuses (an
// outage) is not acknowledged and is fetched again after AckWait, by this worker or another; a NATS
// restart makes Work wait and go on. It returns nil when ctx ends.
func (b *Bus) Work(ctx context.Context, st Storer) error {
	var cons jetstream.Consumer
	pause := 100 * time.Millisecond
	for {
		if ctx.Err() != nil {
			return nil
		}
		if cons == nil {
			c, err := b.consumer(ctx)
			if err != nil {
				b.log.Warn("bus: no consumer yet, retrying", "err", err)
				if sleep(ctx, pause) != nil {
					return nil
				}
				pause = min(2*pause, 2*time.Second)
				continue
			}
			cons = c
		}
		n, err := b.workBatch(ctx, cons, st)
		switch {
		case ctx.Err() != nil:
			return nil
		case err != nil:
			b.log.Warn("bus: batch not stored, it will be redelivered", "err", err)
			if errors.Is(err, jetstream.ErrConsumerNotFound) || errors.Is(err, jetstream.ErrStreamNotFound) {
				cons = nil
			}
			if sleep(ctx, pause) != nil {
				return nil
			}
			pause = min(2*pause, 2*time.Second)
		case n > 0:
			pause = 100 * time.Millisecond
		}
	}
}

// workBatch fetches up to Batch messages (waiting at most a second for the first), stores them in one
// transaction and acknowledges them. It returns how many it took.
func (b *Bus) workBatch(ctx context.Context, cons jetstream.Consumer, st Storer) (int, error) {
	batch, err := cons.Fetch(b.cfg.Batch, jetstream.FetchMaxWait(time.Second))
	if err != nil {
		return 0, fmt.Errorf("fetch from %s: %w", b.cfg.Stream, err)
	}
	var msgs []jetstream.Msg
	var events []plaudit.Event
	for m := range batch.Messages() {
		var ev plaudit.Event
		if errs := eventio.ParseEvent(m.Data(), &ev); errs != nil {
			// Receivers publish only valid events, so this message was not published by Plaudit: it
			// can never be stored, and is terminated rather than redelivered forever.
			meta, _ := m.Metadata()
			var seq uint64
			if meta != nil {
				seq = meta.Sequence.Stream
			}
			b.log.Error("bus: a message that is not a valid event was dropped", "subject", m.Subject(), "stream_seq", seq,
				"field", errs[0].Field, "reason", errs[0].Reason)
			b.stored.WithLabelValues(string(plaudit.Rejected)).Inc()
			_ = m.Term()
			continue
		}
		msgs = append(msgs, m)
		events = append(events, ev)
	}
	if err := batch.Error(); err != nil && !errors.Is(err, jetstream.ErrNoMessages) && !errors.Is(err, context.DeadlineExceeded) && len(msgs) == 0 {
		return 0, fmt.Errorf("fetch from %s: %w", b.cfg.Stream, err)
	}
	if len(events) == 0 {
		return 0, nil
	}
	results, err := st.StoreEvents(ctx, events)
	if err != nil {
		for _, m := range msgs {
			_ = m.NakWithDelay(time.Second)
		}
		return 0, fmt.Errorf("store %d events: %w", len(events), err)
	}
	for i, m := range msgs {
		status := results[i].Status
		if status == plaudit.Rejected && results[i].Error != nil {
			b.log.Error("bus: the store rejected an event", "event", events[i].Key(), "field", results[i].Error.Field, "reason", results[i].Error.Reason)
		}
		b.stored.WithLabelValues(string(status)).Inc()
		// Acknowledged after the commit; a lost acknowledgement means a redelivery, which is a duplicate.
		if err := m.Ack(); err != nil {
			b.log.Warn("bus: acknowledgement not sent; the event will be redelivered as a duplicate", "event", events[i].Key(), "err", err)
		}
	}
	return len(msgs), nil
}

// Pending returns how many messages wait in the stream for the workers (not yet fetched or not yet
// acknowledged): how far the workers are behind.
func (b *Bus) Pending(ctx context.Context) (uint64, error) {
	s, err := b.js.Stream(ctx, b.cfg.Stream)
	if err != nil {
		return 0, fmt.Errorf("JetStream stream %s: %w", b.cfg.Stream, err)
	}
	info, err := s.Info(ctx)
	if err != nil {
		return 0, fmt.Errorf("JetStream stream %s: %w", b.cfg.Stream, err)
	}
	return info.State.Msgs, nil
}
