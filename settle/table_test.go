package settle

import (
	"fmt"
	"strings"
	"testing"
	"unsafe"
)

// TestTableMatchesMap grows the table past its first size with short, boundary-length and long handles and
// checks every tally against a plain map.
func TestTableMatchesMap(t *testing.T) {
	tab := newTable(0)
	want := map[string]int64{}
	for i := 0; i < 20_000; i++ {
		h := fmt.Sprintf("x:%d", i%5000)
		switch i % 7 {
		case 0:
			h = strings.Repeat("g", inlineKey-4) + fmt.Sprintf("%04d", i%300) // exactly inlineKey bytes
		case 1:
			h = "github:" + strings.Repeat("long", 10) + fmt.Sprint(i%50) // kept in the long map
		}
		tab.get(h).points += int64(i)
		want[h] += int64(i)
	}
	if tab.len() != len(want) {
		t.Fatalf("table holds %d members, want %d", tab.len(), len(want))
	}
	seen := 0
	tab.each(func(h string, m memberTally) {
		seen++
		if m.points != want[h] {
			t.Errorf("%s: %d, want %d", h, m.points, want[h])
		}
		if got, ok := tab.lookup(h); !ok || got.points != want[h] {
			t.Errorf("lookup %s: %v %d", h, ok, got.points)
		}
	})
	if seen != len(want) {
		t.Fatalf("each visited %d", seen)
	}
	if _, ok := tab.lookup("nobody"); ok {
		t.Fatal("found a member never added")
	}
}

func TestSlotIsOneCacheLine(t *testing.T) {
	if n := unsafe.Sizeof(slot{}); n != slotSize {
		t.Fatalf("slot is %d bytes, want %d", n, slotSize)
	}
}
