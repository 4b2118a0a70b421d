package sqlstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// TestDecodeVerdicts checks that the verdicts decoded in parts side by side are the texts in order, and that
// a bad text is the error, named by its place, whichever part it falls in.
func TestDecodeVerdicts(t *testing.T) {
	for _, n := range []int{0, 1, verdictPart - 1, verdictPart, 3*verdictPart + 17} {
		texts := make([]string, n)
		want := make([]plaudit.Verdict, n)
		for i := range n {
			want[i] = plaudit.Verdict{Subject: fmt.Sprintf("member:m%d", i), Multiplier: plaudit.Ratio(i % 7),
				Reasons: []plaudit.Reason{{Check: "velocity", Multiplier: plaudit.Ratio(i % 3)}}}
			b, err := json.Marshal(want[i])
			if err != nil {
				t.Fatal(err)
			}
			texts[i] = string(b)
		}
		got, err := decodeVerdicts(texts)
		if err != nil {
			t.Fatalf("%d verdicts: %v", n, err)
		}
		if n == 0 {
			if got != nil {
				t.Fatalf("no verdicts decoded to %v, want nil", got)
			}
			continue
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%d verdicts: decoded differ from the texts' (first %+v, want %+v)", n, got[0], want[0])
		}
		if n < 2 {
			continue
		}
		for _, bad := range []int{0, n / 2, n - 1} {
			broken := append([]string(nil), texts...)
			broken[bad] = `{"subject":`
			if _, err := decodeVerdicts(broken); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("verdict %d:", bad+1)) {
				t.Fatalf("%d verdicts, text %d broken: error %v, want one naming verdict %d", n, bad+1, err, bad+1)
			}
		}
	}
}
