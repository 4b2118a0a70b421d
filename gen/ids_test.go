package gen

import (
	"bytes"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// finishes runs f and fails the test if it has not returned within limit: the loops tested here used to draw
// forever once their fixed range was full, so without the guard a regression would hang the package's tests.
func finishes(t *testing.T, limit time.Duration, f func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		f()
	}()
	select {
	case <-done:
	case <-time.After(limit):
		t.Fatalf("did not finish within %s: a collision loop draws from a full range", limit)
	}
}

// TestFarcasterFidsWhenRangeIsFull is the regression test of `plaudit gen --members 100000` drawing fids
// forever: accounts created at the same instant share fidAt(created), and a fixed jitter of 50 held only 50 of
// them. Here 3,000 accounts are created at the Farcaster launch, where every older account's creation lands.
func TestFarcasterFidsWhenRangeIsFull(t *testing.T) {
	g := newGeneratorForTest(Config{Members: 10, Days: 1, Seed: 3})
	ids := map[string]bool{}
	created := launch[pFarcaster]
	const n = 3000
	got := make([]string, 0, n)
	finishes(t, 30*time.Second, func() {
		for range n {
			a := &account{platform: pFarcaster, created: created}
			got = append(got, g.accountID(a, ids))
		}
	})
	seen := map[string]bool{}
	base := fidAt(created)
	for _, id := range got {
		if seen[id] {
			t.Fatalf("fid %s given twice", id)
		}
		seen[id] = true
		fid, err := strconv.ParseInt(id, 10, 64)
		if err != nil || fid < base {
			t.Fatalf("fid %q: want a number from %d (fidAt of the creation time) up, err %v", id, base, err)
		}
	}
	// The first 50 are drawn from the original range, so small communities keep their exact ids.
	for _, id := range got[:40] {
		if fid, _ := strconv.ParseInt(id, 10, 64); fid >= base+50 {
			t.Errorf("fid %d of an early account is outside the original range [%d, %d)", fid, base, base+50)
		}
	}
}

// TestUsernamesWhenSuffixesAreFull: more members than the 10,000 numeric suffixes share one X user name base.
func TestUsernamesWhenSuffixesAreFull(t *testing.T) {
	g := newGeneratorForTest(Config{Members: 10, Days: 1, Seed: 3})
	used := map[string]bool{}
	m := &member{handle: "dmitri_kowalski1987"}
	const n = 12000
	finishes(t, 30*time.Second, func() {
		for range n {
			g.username(m, pX, used)
		}
	})
	if len(used) != n {
		t.Fatalf("%d distinct user names for %d accounts", len(used), n)
	}
	for name := range used {
		if !strings.HasPrefix(name, "dmitri_kowalski") {
			t.Fatalf("user name %q does not keep the base", name)
		}
	}
}

// TestWidenKeepsFirstDraws: the first widenAfter draws use the original range (byte-identical output for
// communities that never needed more), and the range then grows without bound of retries.
func TestWidenKeepsFirstDraws(t *testing.T) {
	for tries := range widenAfter {
		if w := widen(50, tries); w != 50 {
			t.Fatalf("widen(50, %d) = %d, want 50", tries, w)
		}
	}
	if w := widen(50, widenAfter); w != 100 {
		t.Errorf("widen(50, %d) = %d, want 100", widenAfter, w)
	}
	if w := widen(50, widenAfter+8*10); w <= widen(50, widenAfter+8*9) {
		t.Errorf("widen does not keep growing: %d", w)
	}
}

// TestLargeCommunityDraws draws the members of a 100,000-member community (no activity): the size at which fid
// drawing never ended. Every platform id must be unique.
func TestLargeCommunityDraws(t *testing.T) {
	if testing.Short() {
		t.Skip("draws 100,000 members; skipped in -short")
	}
	var g *generator
	finishes(t, 120*time.Second, func() { g = newGeneratorForTest(Config{Members: 100_000, Days: 14, Seed: 1}) })
	seen := map[string]bool{}
	for _, m := range g.members {
		for _, a := range m.acctList {
			k := string(platformSource[a.platform]) + ":" + a.id
			if seen[k] {
				t.Fatalf("account id %s given twice", k)
			}
			seen[k] = true
		}
	}
	if len(g.members) != 100_000 {
		t.Fatalf("%d members, want 100000", len(g.members))
	}
}

// TestEarlyFlushSameOutput: emitting an hour's events in parts (before an action later than all of them)
// gives the same bytes as sorting the hour whole, and keeps the buffer bounded. 20,000 members make some
// 54,000 identity events in the first hour, which the whole-hour buffer held at once.
func TestEarlyFlushSameOutput(t *testing.T) {
	cfg := Config{Members: 20_000, Days: 1, Seed: 11}
	encode := func(flushAt int) ([]byte, int) {
		g := newGeneratorForTest(cfg)
		g.flushAt = flushAt
		var buf bytes.Buffer
		enc := eventio.NewEncoder(&buf)
		most := 0
		_, err := g.run(func(e *plaudit.Event) error {
			most = max(most, len(g.buf))
			return enc.Encode(e)
		})
		if err != nil {
			t.Fatal(err)
		}
		return buf.Bytes(), most
	}
	whole, wholeMost := encode(math.MaxInt)
	parts, partsMost := encode(1000)
	if !bytes.Equal(whole, parts) {
		t.Fatalf("output with early flushes differs from whole hours (%d vs %d bytes)", len(parts), len(whole))
	}
	if wholeMost < 20_000 {
		t.Errorf("whole-hour buffer peaked at %d events; the test needs a first hour of more than 20,000", wholeMost)
	}
	if partsMost > 3000 {
		t.Errorf("buffer peaked at %d events with flushAt 1000, want it bounded near flushAt", partsMost)
	}
}
