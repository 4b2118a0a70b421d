package ingest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit/eventio"
)

// TestCheckParallelMatchesSerial checks that the parallel check reports exactly what a serial decoder does —
// the same counts, the same bad lines with the same line numbers, errors and raw bytes, in the same order —
// on inputs that cross block boundaries with every kind of line.
func TestCheckParallelMatchesSerial(t *testing.T) {
	good := `{"source":"x","id":"%d","kind":"like","actor":"u","target":"p","time":"2024-05-01T12:00:00Z","attrs":{"n":%d}}`
	kinds := []func(i int) string{
		func(i int) string { return fmt.Sprintf(good, i, i) },
		func(i int) string { return fmt.Sprintf(good, i, i) + "\r" }, // CRLF
		func(i int) string { return "" },                             // blank
		func(i int) string { return "   " },
		func(i int) string {
			return `{"source":"x","id":"` + fmt.Sprint(i) + `","kind":"liek","actor":"u","time":"2024-05-01T12:00:00Z"}`
		},
		func(i int) string { return "not json \xff" },
		func(i int) string { return "\xef\xbb\xbf" + fmt.Sprintf(good, i, i) }, // a BOM not at the start: bad
		func(i int) string { // a long but valid line
			return strings.Replace(fmt.Sprintf(good, i, i), `"actor":"u"`, `"actor":"u","content":"`+strings.Repeat("z", 60000)+`"`, 1)
		},
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 6 {
		var b strings.Builder
		if trial%2 == 0 {
			b.WriteString("\xef\xbb\xbf") // a BOM at the start is fine
		}
		for i := 0; b.Len() < 3<<20; i++ {
			switch r := rng.IntN(1000); {
			case r == 0 && trial >= 3:
				b.WriteString(strings.Repeat("y", 2*eventio.MaxLineLen+rng.IntN(3*eventio.MaxLineLen))) // too long to hold
			case r == 1 && trial >= 3:
				b.WriteString(strings.Repeat("y", eventio.MaxLineLen-10+rng.IntN(20))) // around the limit
			default:
				b.WriteString(kinds[rng.IntN(len(kinds))](i))
			}
			b.WriteByte('\n')
		}
		in := b.String()
		if trial == 1 {
			in = strings.TrimSuffix(in, "\n") // no final newline
		}
		type line struct {
			err string
			raw string
		}
		run := func(check func(func(*eventio.LineError, []byte)) (*CheckResult, error)) (*CheckResult, []line) {
			var got []line
			res, err := check(func(le *eventio.LineError, raw []byte) { got = append(got, line{le.Error(), string(raw)}) })
			if err != nil {
				t.Fatal(err)
			}
			return res, got
		}
		sres, sbad := run(func(f func(*eventio.LineError, []byte)) (*CheckResult, error) {
			return checkSerial(context.Background(), strings.NewReader(in), eventio.JSONL, nil, f)
		})
		pres, pbad := run(func(f func(*eventio.LineError, []byte)) (*CheckResult, error) {
			return checkParallel(context.Background(), strings.NewReader(in), 3, nil, f)
		})
		if sres.Events != pres.Events || sres.Bad != pres.Bad || len(sbad) != len(pbad) {
			t.Fatalf("trial %d: serial %d events %d bad, parallel %d events %d bad", trial, sres.Events, sres.Bad, pres.Events, pres.Bad)
		}
		if sres.Events == 0 || sres.Bad == 0 {
			t.Fatalf("trial %d: a weak input: %d events, %d bad", trial, sres.Events, sres.Bad)
		}
		for i := range sbad {
			if sbad[i] != pbad[i] {
				t.Fatalf("trial %d, bad line %d:\nserial   %.200s\nparallel %.200s", trial, i, sbad[i].err, pbad[i].err)
			}
		}
	}
}

// TestCheckParallelCancel cancels a check half-way: it must return the context's error, not hang.
func TestCheckParallelCancel(t *testing.T) {
	var b strings.Builder
	for i := 0; b.Len() < 4<<20; i++ {
		fmt.Fprintf(&b, `{"source":"x","id":"%d","kind":"like","actor":"u","time":"2024-05-01T12:00:00Z"}`+"\n", i)
	}
	for trial := range 10 {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		done := make(chan error, 1)
		go func() {
			_, err := checkParallel(ctx, strings.NewReader(b.String()), 2, func(int64) {
				if calls++; calls == 1+trial%3 {
					cancel()
				}
			}, nil)
			done <- err
		}()
		select {
		case err := <-done:
			if err != context.Canceled {
				t.Fatalf("trial %d: err = %v, want context.Canceled", trial, err)
			}
		case <-time.After(2 * time.Minute):
			t.Fatalf("trial %d: a cancelled check hangs", trial)
		}
		cancel()
	}
}
