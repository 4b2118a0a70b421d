package api

import (
	"fmt"
	"testing"
	"time"
)

// TestLimiterForgetsFullBuckets: the limiter keeps buckets only for keys that were active within the time a
// bucket takes to refill, and forgetting a full bucket changes no answer.
func TestLimiterForgetsFullBuckets(t *testing.T) {
	now := time.Date(2026, 3, 4, 0, 0, 0, 0, time.UTC)
	l := newLimiter(RateLimit{PerSecond: 10, Burst: 20})
	l.now = func() time.Time { return now }
	for i := range 1000 {
		if ok, _ := l.allow(fmt.Sprintf("key-%d", i)); !ok {
			t.Fatalf("key %d refused its first request", i)
		}
	}
	for range 19 {
		l.allow("busy")
	}
	if ok, _ := l.allow("busy"); !ok {
		t.Fatal("the 20th request of a burst of 20 was refused")
	}
	if ok, _ := l.allow("busy"); ok {
		t.Fatal("the 21st request of a burst of 20 was allowed")
	}
	if len(l.buckets) != 1001 {
		t.Fatalf("%d buckets, want 1001", len(l.buckets))
	}
	now = now.Add(sweepEvery) // every bucket refilled (20 tokens at 10/s take 2s)
	if ok, _ := l.allow("busy"); !ok {
		t.Fatal("a refilled bucket refused")
	}
	if len(l.buckets) != 1 {
		t.Fatalf("%d buckets after a minute, want only the active key's", len(l.buckets))
	}
}
