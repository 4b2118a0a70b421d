package moderation

import (
	"fmt"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

// BenchmarkSample draws 1% of an epoch of 100,000 rewarded events from a Merkle-root seed.
func BenchmarkSample(b *testing.B) {
	keys := make([]string, 100_000)
	for i := range keys {
		keys[i] = fmt.Sprintf("discord/%d", 1_000_000_000+i)
	}
	b.ReportAllocs()
	for b.Loop() {
		if s := Sample("0x9c3a5bd1e07f4c2a8e61d2b3f4a5c6d7e8f90123456789abcdef0123456789ab", keys, 1000); len(s) != 1000 {
			b.Fatal(len(s))
		}
	}
}

// BenchmarkVerdicts turns 10,000 flags (half confirmed, a fifth with exclusions) into one epoch's verdicts.
func BenchmarkVerdicts(b *testing.B) {
	flags := make([]plaudit.Flag, 10_000)
	at := time.Date(2026, 11, 18, 12, 0, 0, 0, time.UTC)
	for i := range flags {
		subject := fmt.Sprintf("discord/%d", i)
		if i%3 == 0 {
			subject = fmt.Sprintf("member:m%d", i%2000)
		}
		f, err := New(subject, fmt.Sprintf("m%d", i%2000), "reporter", "spam", at)
		if err != nil {
			b.Fatal(err)
		}
		f.ID = int64(i + 1)
		if i%2 == 0 {
			eff, err := DefaultConfig().Effects(func(t time.Time) (time.Time, time.Time, error) {
				d := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
				return d, d.AddDate(0, 0, 7), nil
			}, at, i%5)
			if err != nil {
				b.Fatal(err)
			}
			if err := Confirm(f, Actor{Handle: "mod", Moderator: true}, at, "", eff); err != nil {
				b.Fatal(err)
			}
		}
		flags[i] = *f
	}
	start := time.Date(2026, 11, 16, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if vs := Verdicts(flags, start, start.AddDate(0, 0, 7)); len(vs) == 0 {
			b.Fatal("no verdicts")
		}
	}
}
