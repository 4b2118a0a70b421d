package service_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/service"
	"github.com/plaudit/plaudit/sqlstore"
)

// BenchmarkAppendDuringRescore measures how long an append of 50 events waits while the whole log's scores
// are rewritten on SQLite, whose writers queue on one lock: "bounded" rewrites them as ReplaceScores does
// (transactions of about 5,000 scores), "one-transaction" as one transaction (the way before, the
// baseline, measured in the same run). It reports the slowest and the median append.
//
//	go test ./service -run '^$' -bench AppendDuringRescore -benchtime 3x -count 3
func BenchmarkAppendDuringRescore(b *testing.B) {
	ctx := context.Background()
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 3000, Days: 28, Seed: 5}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), "bench.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	appendAll(b, st, events)
	svc := newService(st)
	pol, err := svc.ActivatePolicy(ctx, testPolicy(b), "test.yml", "bench")
	if err != nil {
		b.Fatal(err)
	}
	log, err := svc.ReadLog(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	scores, _, err := score.Run(pol, log.Events, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("%d events, %d scores", len(log.Events), len(scores))
	for _, mode := range []string{"bounded", "one-transaction"} {
		b.Run(mode, func(b *testing.B) {
			var waits []time.Duration
			n := 0
			for i := 0; i < b.N; i++ {
				done := make(chan error, 1)
				go func() {
					through := log.Seq
					if mode == "one-transaction" {
						through = 0
					}
					done <- st.ReplaceScores(ctx, pol.Hash(), through, scores)
				}()
				var mu sync.Mutex
			loop:
				for {
					select {
					case err := <-done:
						if err != nil {
							b.Fatal(err)
						}
						break loop
					case <-time.After(20 * time.Millisecond):
					}
					batch := make([]plaudit.Event, 50)
					for j := range batch {
						n++
						batch[j] = plaudit.Event{Source: plaudit.SourceAPI, ExternalID: fmt.Sprintf("bench-%s-%d", mode, n), Kind: plaudit.KindPost,
							Actor: "bench", Content: "during a rescore", Time: at("2026-01-20")}
					}
					start := time.Now()
					if _, err := st.AppendEvents(ctx, batch); err != nil {
						b.Fatal(err)
					}
					mu.Lock()
					waits = append(waits, time.Since(start))
					mu.Unlock()
				}
			}
			sort.Slice(waits, func(i, j int) bool { return waits[i] < waits[j] })
			if len(waits) > 0 {
				b.ReportMetric(float64(waits[len(waits)-1].Microseconds())/1000, "max-append-ms")
				b.ReportMetric(float64(waits[len(waits)/2].Microseconds())/1000, "median-append-ms")
				b.ReportMetric(float64(len(waits))/float64(b.N), "appends/op")
			}
		})
	}
}

// BenchmarkStreamedCatchUp is what a bus worker does: after a whole-history score of half a generated
// community (2,000 members, 7 days) under the default preset, the other half arrives in batches of 500
// events, each followed by a streaming catch-up. It reports the streamed events per second.
//
//	go test ./service -run '^$' -bench StreamedCatchUp -benchtime 1x -count 3
func BenchmarkStreamedCatchUp(b *testing.B) {
	ctx := context.Background()
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: 2000, Days: 7, Seed: 5}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	src, err := policy.PresetSource("default")
	if err != nil {
		b.Fatal(err)
	}
	half := len(events) / 2
	var streamed time.Duration
	for range b.N {
		st, err := sqlstore.Open(ctx, filepath.Join(b.TempDir(), fmt.Sprintf("bench-%d.db", time.Now().UnixNano())))
		if err != nil {
			b.Fatal(err)
		}
		appendAll(b, st, events[:half])
		svc := service.New(st, service.Options{Now: func() time.Time { return testNow }, Streaming: true})
		if _, err := svc.ActivatePolicy(ctx, src, "preset:default", "bench"); err != nil {
			b.Fatal(err)
		}
		if _, err := svc.CatchUp(ctx); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		for lo := half; lo < len(events); lo += 500 {
			appendAll(b, st, events[lo:min(lo+500, len(events))])
			if _, err := svc.CatchUp(ctx); err != nil {
				b.Fatal(err)
			}
		}
		streamed += time.Since(start)
		st.Close()
	}
	b.ReportMetric(float64(len(events)-half)*float64(b.N)/streamed.Seconds(), "events/s")
}
