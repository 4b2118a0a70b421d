package bus

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// PublishEvents publishes each event (canonical JSON, on its source's subject, with its key as the
// Nats-Msg-Id) and returns once JetStream has stored every one: service.Publisher. A publish that
// JetStream refuses (the stream is full) or does not answer (the server restarts) is retried, with a
// growing pause, until ctx ends; then the error says how many are not known to be stored, and the caller
// answers so that the sender retries (a retry is harmless: duplicates are dropped by id).
func (b *Bus) PublishEvents(ctx context.Context, events []plaudit.Event) error {
	msgs := make([]*nats.Msg, len(events))
	for i := range events {
		data, err := eventio.AppendEvent(nil, &events[i])
		if err != nil {
			return err
		}
		msgs[i] = &nats.Msg{Subject: Subject(events[i].Source), Data: data, Header: nats.Header{}}
		msgs[i].Header.Set(jetstream.MsgIDHeader, events[i].Key())
	}
	pending := msgs
	pause := 50 * time.Millisecond
	for {
		failed, lastErr := b.publishOnce(ctx, pending)
		b.published.Add(float64(len(pending) - len(failed)))
		if len(failed) == 0 {
			return nil
		}
		pending = failed
		b.retries.Add(float64(len(failed)))
		if err := sleep(ctx, pause); err != nil {
			return fmt.Errorf("%d of %d events not acknowledged by JetStream (last: %v): %w", len(pending), len(events), lastErr, ctx.Err())
		}
		pause = min(2*pause, time.Second)
	}
}

// publishOnce publishes msgs asynchronously and waits for every acknowledgement; it returns those that
// failed and the last error.
func (b *Bus) publishOnce(ctx context.Context, msgs []*nats.Msg) ([]*nats.Msg, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(msgs))
	var failed []*nats.Msg
	var lastErr error
	for i, m := range msgs {
		// A copy: a retried message is published again, and the client keeps the one it was given.
		f, err := b.js.PublishMsgAsync(&nats.Msg{Subject: m.Subject, Data: m.Data, Header: m.Header},
			jetstream.WithExpectStream(b.cfg.Stream), jetstream.WithStallWait(time.Second))
		if err != nil {
			lastErr = err
			failed = append(failed, msgs[i:]...)
			break
		}
		futures = append(futures, f)
	}
	for i, f := range futures {
		select {
		case <-f.Ok():
		case err := <-f.Err():
			lastErr = err
			failed = append(failed, msgs[i])
		case <-ctx.Done():
			return append(failed, msgs[i:len(futures)]...), ctx.Err()
		}
	}
	return failed, lastErr
}
