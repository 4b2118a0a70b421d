package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func init() { register(11, "BulkAppend", testBulk) }

func testBulk(t *testing.T, open Opener) {
	for _, tc := range []struct {
		name string
		run  func(*testing.T, plaudit.BulkEventStore)
	}{
		{"CommitAndClose", testBulkCommitAndClose},
		{"FailedBatch", testBulkFailedBatch},
		{"Cancelled", testBulkCancelled},
		{"OtherWriterWaits", testBulkOtherWriterWaits},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			bs, ok := s.(plaudit.BulkEventStore)
			if !ok {
				t.Skipf("%T does not offer bulk appends (plaudit.BulkEventStore)", s)
			}
			tc.run(t, bs)
		})
	}
}

func beginAppend(t *testing.T, s plaudit.BulkEventStore) plaudit.EventAppender {
	t.Helper()
	a, err := s.BeginAppend(context.Background())
	if err != nil {
		t.Fatalf("BeginAppend: %v", err)
	}
	t.Cleanup(func() { a.Close() })
	return a
}

func bulkAppend(t *testing.T, a plaudit.EventAppender, evs []plaudit.Event) []plaudit.AppendResult {
	t.Helper()
	res, err := a.AppendEvents(context.Background(), evs)
	if err != nil {
		t.Fatalf("bulk AppendEvents(%d events): %v", len(evs), err)
	}
	if len(res) != len(evs) {
		t.Fatalf("bulk AppendEvents(%d events) returned %d results", len(evs), len(res))
	}
	return res
}

// testBulkCommitAndClose checks what a bulk append promises: batches see the batches before them, nothing is
// visible or durable before Commit, Commit makes everything so, and Close discards what was not committed.
func testBulkCommitAndClose(t *testing.T, s plaudit.BulkEventStore) {
	a := beginAppend(t, s)
	first := bulkAppend(t, a, events(0, 100))
	for i, r := range first {
		if r.Status != plaudit.Accepted || (i > 0 && r.Seq <= first[i-1].Seq) {
			t.Fatalf("event %d: %+v after %+v; want accepted with increasing seqs", i, r, first[max(i-1, 0)])
		}
	}
	if n := count(t, s); n != 0 {
		t.Fatalf("before Commit other readers see %d events, want 0", n)
	}
	// Half of the second batch was in the first: duplicates with the first batch's seqs. (Seqs may skip
	// numbers, as PostgreSQL's do after a rolled-back attempt, but never go back.)
	second := bulkAppend(t, a, events(50, 150))
	last := first[99].Seq
	for i, r := range second {
		if i < 50 {
			if want := (plaudit.AppendResult{Status: plaudit.Duplicate, Seq: first[50+i].Seq}); r != want {
				t.Fatalf("second batch, event %d: %+v, want %+v", i, r, want)
			}
			continue
		}
		if r.Status != plaudit.Accepted || r.Seq <= last {
			t.Fatalf("second batch, event %d: %+v, want accepted after seq %d", i, r, last)
		}
		last = r.Seq
	}
	if err := a.Commit(context.Background()); err != nil {
		t.Fatalf("Commit: %v", err)
	}
	if n := count(t, s); n != 150 {
		t.Fatalf("after Commit the store holds %d events, want 150", n)
	}
	// After a Commit the appender goes on; what it appends and does not commit is gone with Close.
	bulkAppend(t, a, events(150, 200))
	if err := a.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if err := a.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
	if n := count(t, s); n != 150 {
		t.Fatalf("after Close without Commit the store holds %d events, want 150", n)
	}
	if _, err := a.AppendEvents(context.Background(), events(200, 201)); err == nil {
		t.Fatal("AppendEvents after Close succeeded")
	}
	res, err := s.AppendEvents(context.Background(), events(150, 200))
	if err != nil || res[0].Status != plaudit.Accepted || res[0].Seq <= second[99].Seq {
		t.Fatalf("appending the discarded events again: %v, %v; want them accepted after seq %d", res, err, second[99].Seq)
	}
}

// testBulkFailedBatch checks that a batch the store refuses discards everything since the last Commit and
// leaves the appender closed to more batches.
func testBulkFailedBatch(t *testing.T, s plaudit.BulkEventStore) {
	a := beginAppend(t, s)
	bulkAppend(t, a, events(0, 10))
	if err := a.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	bulkAppend(t, a, events(10, 20))
	bad := event(20_000)
	bad.Content = "a\x00b"
	_, err := a.AppendEvents(context.Background(), append(events(20, 3000), bad))
	if code := plaudit.ErrorCode(err); code != plaudit.EINVALID {
		t.Fatalf("appending an event with a NUL byte: %v (code %s), want %s", err, code, plaudit.EINVALID)
	}
	if _, err := a.AppendEvents(context.Background(), events(30, 31)); err == nil {
		t.Fatal("AppendEvents after a failed batch succeeded")
	}
	if err := a.Commit(context.Background()); err == nil {
		t.Fatal("Commit after a failed batch succeeded")
	}
	if err := a.Close(); err != nil {
		t.Fatalf("Close after a failed batch: %v", err)
	}
	if n := count(t, s); n != 10 {
		t.Fatalf("the store holds %d events, want the 10 committed", n)
	}
}

// testBulkCancelled cancels batches of a bulk append at many points: each time, exactly what was committed
// before stays stored.
func testBulkCancelled(t *testing.T, s plaudit.BulkEventStore) {
	stored, failed := 0, 0
	for round, after := range []int64{1, 3, 8, 21, 55, 144, 1000} {
		a := beginAppend(t, s)
		bulkAppend(t, a, events(round*10_000, round*10_000+500))
		if err := a.Commit(context.Background()); err != nil {
			t.Fatal(err)
		}
		stored += 500
		ctx := newCountdownCtx(after)
		_, err := a.AppendEvents(ctx, events(round*10_000+500, round*10_000+6_500))
		if err == nil {
			err = a.Commit(ctx)
		}
		ctx.cancel()
		a.Close()
		n := count(t, s)
		switch {
		case err != nil && n == stored:
			failed++
		case err == nil && n == stored+6_000:
			stored = n
		default:
			t.Fatalf("cancelled after %d context checks: error %v and %d events stored, want %d or %d", after, err, n, stored, stored+6_000)
		}
	}
	if failed == 0 {
		t.Fatal("no cancellation interrupted a bulk append: the test proved nothing")
	}
}

// testBulkOtherWriterWaits checks that another writer waits for the bulk append and then appends after it:
// sequence numbers stay in commit order.
func testBulkOtherWriterWaits(t *testing.T, s plaudit.BulkEventStore) {
	a := beginAppend(t, s)
	bulk := bulkAppend(t, a, events(0, 100))
	done := make(chan []plaudit.AppendResult, 1)
	errc := make(chan error, 1)
	go func() {
		res, err := s.AppendEvents(context.Background(), events(100, 110))
		if err != nil {
			errc <- err
			return
		}
		done <- res
	}()
	select {
	case res := <-done:
		t.Fatalf("another writer appended while a bulk append was open: %v", res)
	case err := <-errc:
		t.Fatalf("another writer failed instead of waiting: %v", err)
	case <-time.After(300 * time.Millisecond):
	}
	if err := a.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	select {
	case res := <-done:
		if res[0].Status != plaudit.Accepted || res[0].Seq <= bulk[99].Seq {
			t.Fatalf("the waiting writer's first event: %+v, want accepted after seq %d", res[0], bulk[99].Seq)
		}
	case err := <-errc:
		t.Fatalf("the waiting writer failed: %v", err)
	case <-time.After(15 * time.Second):
		t.Fatal("the waiting writer did not finish after the bulk append closed")
	}
	if n := count(t, s); n != 110 {
		t.Fatalf("the store holds %d events, want 110", n)
	}
}
