package service_test

import (
	"context"
	"errors"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/service"
)

// TestLogSourcePages: a walk of the log, read in pages with the next page read while the consumer takes
// this one, yields the log in seq order through the seq asked, and a consumer's error stops it and is
// returned, on both stores.
func TestLogSourcePages(t *testing.T) {
	ctx := context.Background()
	defer service.SetLogPage(97)()
	forEachStore(t, func(t *testing.T, st plaudit.Store) {
		svc := setUp(t, st)
		log, err := svc.ReadLog(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(log.Events) < 1000 {
			t.Fatalf("the fixture has %d events: too few pages to prove much", len(log.Events))
		}
		walk := func(through int64, stopAfter int) ([]int64, error) {
			var seqs []int64
			err := service.LogSource(ctx, svc, through)(func(e *plaudit.Event) error {
				seqs = append(seqs, e.Seq)
				if len(seqs) == stopAfter {
					return errStop
				}
				return nil
			})
			return seqs, err
		}
		want := make([]int64, len(log.Events))
		for i := range log.Events {
			want[i] = log.Events[i].Seq
		}
		for _, through := range []int64{0, want[len(want)/2], want[97*3-1]} {
			got, err := walk(through, -1)
			if err != nil {
				t.Fatal(err)
			}
			n := len(want)
			if through > 0 {
				n = 0
				for n < len(want) && want[n] <= through {
					n++
				}
			}
			if len(got) != n || (n > 0 && (got[0] != want[0] || got[n-1] != want[n-1])) {
				t.Fatalf("walk through %d: %d events (%v…), want %d", through, len(got), got[:min(3, len(got))], n)
			}
			for i := 1; i < len(got); i++ {
				if got[i] <= got[i-1] {
					t.Fatalf("walk through %d: seq %d after %d", through, got[i], got[i-1])
				}
			}
		}
		for _, stop := range []int{1, 97, 98, 500} {
			got, err := walk(0, stop)
			if !errors.Is(err, errStop) || len(got) != stop {
				t.Fatalf("a walk whose consumer stops after %d events: %d events, %v", stop, len(got), err)
			}
		}
	})
}

var errStop = errors.New("stop here")
