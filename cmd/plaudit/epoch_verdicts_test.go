package main

import (
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
)

// TestParseVerdictsRefusesDuplicates: a key given twice in one verdict (encoding/json kept the last) and a
// subject given twice (the second silently replaced the first) are refused, every problem is reported, and
// each error names the file and the verdict.
func TestParseVerdictsRefusesDuplicates(t *testing.T) {
	for _, tc := range []struct {
		doc  string
		want []string
	}{
		{`[{"subject":"x/1","multiplier":0.5,"multiplier":1}]`, []string{"verdicts v.json: 1 problem(s): [0]: key multiplier given twice"}},
		{`[{"subject":"x/1","multiplier":1,"reasons":[{"check":"a","check":"b","detail":"","multiplier":1}]}]`, []string{"[0]: key reasons[0].check given twice"}},
		{`[{"subject":"x/1","multiplier":0.5},{"subject":"x/2","multiplier":1},{"subject":"x/1","multiplier":1}]`, []string{"[2] (x/1): subject already given in [0]"}},
		{`[{"subject":"","multiplier":1},{"subject":"x/1","multiplier":2}]`, []string{"2 problem(s)", "[0]: missing subject", "[1] (x/1): multiplier 2 outside 0–1"}},
		{`[{"subject":"x/1","multiplier":1,"extra":1}]`, []string{"[0]: json: unknown field"}},
	} {
		_, err := parseVerdicts([]byte(tc.doc), "v.json")
		if plaudit.ErrorCode(err) != plaudit.EINVALID {
			t.Fatalf("%s: %v, want EINVALID", tc.doc, err)
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) || !strings.Contains(err.Error(), "verdicts v.json: ") {
				t.Errorf("%s: %v, want it to say %q", tc.doc, err, w)
			}
		}
	}
	vs, err := parseVerdicts([]byte(`[{"subject":"x/1","multiplier":0.5},{"subject":"member:alice","multiplier":0}]`), "v.json")
	if err != nil || len(vs) != 2 || vs[0].Multiplier != plaudit.One/2 {
		t.Fatalf("good file: %+v %v", vs, err)
	}
}
