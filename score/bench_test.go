package score_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/score"
	"github.com/plaudit/plaudit/score/cast"
	"github.com/plaudit/plaudit/score/tiered"
)

// cpuMeter measures the process's CPU time (user + system) while a benchmark's timer runs, so that the
// per-core cost can be read even when other work shares the machine and stretches the wall clock.
type cpuMeter struct {
	start, total time.Duration
}

func cpuNow() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func (m *cpuMeter) Start() { m.start = cpuNow() }
func (m *cpuMeter) Stop()  { m.total += cpuNow() - m.start }

// report adds cpu-ns/op and events/cpu-s: events per second of CPU on one core (run with -cpu 1).
func (m *cpuMeter) report(b *testing.B) {
	m.Stop()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	if m.total > 0 {
		b.ReportMetric(float64(m.total.Nanoseconds())/float64(b.N), "cpu-ns/op")
		b.ReportMetric(float64(b.N)/m.total.Seconds(), "events/cpu-s")
	}
}

// tieredEvents makes a stream of x events: 1,000 submitted posts and engagements on them by 10,000
// accounts, with a few tier changes, in time order.
func tieredEvents(n int) []plaudit.Event {
	r := rand.New(rand.NewPCG(1, 2))
	kinds := []plaudit.Kind{plaudit.KindLike, plaudit.KindLike, plaudit.KindRepost, plaudit.KindReply}
	events := make([]plaudit.Event, 0, n+1000)
	for i := 0; i < 1000; i++ {
		events = append(events, x("s"+strconv.Itoa(i), plaudit.KindSubmit, "a"+strconv.Itoa(i%500), "p"+strconv.Itoa(i), "a"+strconv.Itoa(i%500), time.Duration(i)*time.Second, nil))
	}
	for i := 0; i < n; i++ {
		post := r.IntN(1000)
		events = append(events, x("e"+strconv.Itoa(i), kinds[r.IntN(len(kinds))], "m"+strconv.Itoa(r.IntN(10000)), "p"+strconv.Itoa(post),
			"a"+strconv.Itoa(post%500), time.Hour+time.Duration(i)*time.Millisecond, nil))
	}
	return events
}

// BenchmarkTiered scores decoded x events through the engine (directory lookups, tier at the time,
// once-ever awards, a score with its explanation line for every award).
func BenchmarkTiered(b *testing.B) {
	p := mustPreset(b, "tiered")
	events := tieredEvents(200_000)
	dir := plaudit.BuildDirectory(events)
	newEngine := func() *score.Engine {
		en, err := score.New(p, dir, nil)
		if err != nil {
			b.Fatal(err)
		}
		for i := range events[:1000] {
			en.Observe(&events[i])
		}
		return en
	}
	en := newEngine()
	awarded := 0
	b.ReportAllocs()
	var cpu cpuMeter
	b.ResetTimer()
	cpu.Start()
	for i, j := 0, 1000; i < b.N; i, j = i+1, j+1 {
		if j == len(events) {
			b.StopTimer()
			cpu.Stop()
			en, j = newEngine(), 1000
			cpu.Start()
			b.StartTimer()
		}
		awarded += len(en.Score(&events[j]))
	}
	cpu.report(b)
	_ = awarded
}

// BenchmarkTieredCore prices decoded engagements with package tiered alone (no directory, no explanation).
func BenchmarkTieredCore(b *testing.B) {
	events := tieredEvents(200_000)
	type eng struct {
		post   tiered.PostKey
		member string
		kind   plaudit.Kind
		at     time.Time
	}
	engs := make([]eng, 0, len(events))
	for _, e := range events[1000:] {
		engs = append(engs, eng{tiered.PostKey{Source: plaudit.SourceX, ID: e.Target}, "x:" + e.Actor, e.Kind, e.Time})
	}
	newTracker := func() *tiered.Tracker {
		t := tiered.NewTracker(tiered.DefaultParams())
		for _, e := range events[:1000] {
			t.Submit(tiered.Post{Key: tiered.PostKey{Source: plaudit.SourceX, ID: e.Target}, Submitted: e.Time, Submitter: "x:" + e.Actor, Author: "x:" + e.TargetAuthor})
		}
		return t
	}
	tr := newTracker()
	b.ReportAllocs()
	var cpu cpuMeter
	b.ResetTimer()
	cpu.Start()
	for i, j := 0, 0; i < b.N; i, j = i+1, j+1 {
		if j == len(engs) {
			b.StopTimer()
			cpu.Stop()
			tr, j = newTracker(), 0
			cpu.Start()
			b.StartTimer()
		}
		e := &engs[j]
		tr.Engage(e.post, e.member, e.kind, 1+j%3, e.at)
	}
	cpu.report(b)
}

var texts = []string{
	"gm ser",
	"I think this is a really interesting perspective on decentralized social networks. How do you see this evolving over the next year?",
	"lfg 🚀🚀🚀",
	"Shipped the new frame today, feedback welcome: what would you change first?",
	"helloooooo everyone",
	"thanks",
}

// castEvents makes farcaster post and reply events by 1,000 authors.
func castEvents(n int) []plaudit.Event {
	r := rand.New(rand.NewPCG(3, 4))
	out := make([]plaudit.Event, n)
	for i := range out {
		fid := strconv.Itoa(1 + r.IntN(1000))
		k, target := plaudit.KindPost, ""
		if i%3 == 0 {
			k, target = plaudit.KindReply, fmt.Sprintf("0x%x", i-1)
		}
		out[i] = plaudit.Event{Source: plaudit.SourceFarcaster, ExternalID: fmt.Sprintf("0x%x", i), Kind: k, Actor: fid, Target: target,
			Content: texts[r.IntN(len(texts))], Time: t0.Add(time.Duration(i) * time.Minute),
			Attrs: map[string]any{"fid": fid, "username": "u" + fid, "follower_count": json.Number(strconv.Itoa(r.IntN(3000))),
				"power_badge": r.IntN(5) == 0, "likes_count": json.Number(strconv.Itoa(r.IntN(20))), "recasts_count": json.Number(strconv.Itoa(r.IntN(10))),
				"replies_count": json.Number(strconv.Itoa(r.IntN(10))), "embeds": json.Number(strconv.Itoa(r.IntN(2))), "channel": "dev"}}
	}
	return out
}

// BenchmarkCast scores decoded casts (the Cast values a Neynar webhook or an event decodes to) with the
// author's history: the four metrics and the exact total, without building the explanation.
func BenchmarkCast(b *testing.B) {
	events := castEvents(100_000)
	casts := make([]*cast.Cast, len(events))
	for i := range events {
		c, err := cast.FromEvent(&events[i])
		if err != nil {
			b.Fatal(err)
		}
		casts[i] = c
	}
	tr := cast.NewTracker(cast.DefaultParams())
	b.ReportAllocs()
	var cpu cpuMeter
	b.ResetTimer()
	cpu.Start()
	var sum plaudit.Points
	for i := 0; i < b.N; i++ {
		sum += tr.Score(casts[i%len(casts)], false).Total
	}
	cpu.report(b)
	_ = sum
}

// BenchmarkCastEngine scores farcaster events through the engine: attribute decoding, history, and the
// full explanation stored with every score.
func BenchmarkCastEngine(b *testing.B) {
	p := mustPreset(b, "cast")
	events := castEvents(100_000)
	en, err := score.New(p, plaudit.BuildDirectory(events), nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	var cpu cpuMeter
	b.ResetTimer()
	cpu.Start()
	for i := 0; i < b.N; i++ {
		en.Score(&events[i%len(events)])
	}
	cpu.report(b)
}
