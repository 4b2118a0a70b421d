package bus_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/plaudit/plaudit/bus"
	"github.com/plaudit/plaudit/internal/testenv"
	"github.com/plaudit/plaudit/service"
)

// BenchmarkBusThroughput measures events per second through the bus into PostgreSQL: the events are
// published first (receiver side, reported as publish-events/s), then one or two workers store them in
// batches of 500 (reported as stored-events/s, from the first fetch to the last commit). Each round runs on
// a fresh database and a NATS server of its own, over a generated community of 2,000 members and 7 days.
func BenchmarkBusThroughput(b *testing.B) {
	for _, workers := range []int{1, 2} {
		b.Run(fmt.Sprintf("workers=%d", workers), func(b *testing.B) {
			evs := community(b, 2000)
			var pubRate, storeRate float64
			for b.Loop() {
				ns := testenv.StartNATS(b)
				st := openStore(b)
				recv := connect(b, ns.URL(), bus.Config{})
				ctx := context.Background()
				t0 := time.Now()
				for i := 0; i < len(evs); i += 1000 {
					if err := recv.PublishEvents(ctx, evs[i:min(i+1000, len(evs))]); err != nil {
						b.Fatal(err)
					}
				}
				pubRate += float64(len(evs)) / time.Since(t0).Seconds()
				wctx, cancel := context.WithCancel(ctx)
				var wg sync.WaitGroup
				t1 := time.Now()
				for range workers {
					w := connect(b, ns.URL(), bus.Config{Batch: 500})
					svc := service.New(st, service.Options{})
					wg.Go(func() { _ = w.Work(wctx, svc) })
				}
				for {
					s, err := st.EventStats(ctx)
					if err != nil {
						b.Fatal(err)
					}
					if s.Total >= int64(len(evs)) {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
				storeRate += float64(len(evs)) / time.Since(t1).Seconds()
				cancel()
				wg.Wait()
				ns.Stop()
			}
			b.ReportMetric(pubRate/float64(b.N), "publish-events/s")
			b.ReportMetric(storeRate/float64(b.N), "stored-events/s")
			b.ReportMetric(float64(len(evs)), "events")
		})
	}
}
