package plaudit

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAttrsBound checks that attrsMayExceed never says no when json.Marshal's output is too long, for
// values around the limit made of every kind of attribute value.
func TestAttrsBound(t *testing.T) {
	esc := strings.Repeat("\x01<\u2028\"", 10) // characters that json.Marshal escapes to six bytes
	for size := 0; size < 2*MaxAttrsLen/50; size += 7 {
		for _, v := range []any{
			strings.Repeat("a", size*50),
			strings.Repeat(esc, size/2),
			[]any{json.Number(strings.Repeat("1", size*50)), true, nil, 1.5, int64(7), 3},
			map[string]any{strings.Repeat("k", size*25): strings.Repeat("v", size*25)},
			[]any{map[string]any{"x": []any{esc, strings.Repeat("é", size*20)}}},
		} {
			attrs := map[string]any{"v": v}
			b, err := json.Marshal(attrs)
			if err != nil {
				t.Fatal(err)
			}
			if len(b) > MaxAttrsLen && !attrsMayExceed(attrs, MaxAttrsLen) {
				t.Fatalf("bound says %d bytes of JSON fit in %d", len(b), MaxAttrsLen)
			}
		}
	}
	if attrsMayExceed(map[string]any{"follower_count": json.Number("12"), "power_badge": true}, MaxAttrsLen) {
		t.Fatal("small attrs flagged")
	}
}
