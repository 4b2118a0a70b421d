package reputation

import (
	"math"
	"strings"
	"testing"
)

func FuzzReadPretrust(f *testing.F) {
	f.Add("i,v\n15357,0.795\n277952,0.2\n")
	f.Add("alice 1\nbob\n# comment\n")
	f.Add("i,v\n1,-1\n")
	f.Add("a 1e308\na 1e308\n")
	f.Fuzz(func(t *testing.T, in string) {
		m, err := ReadPretrust(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		for id, v := range m {
			if id == "" || !(v >= 0) || math.IsInf(v, 0) {
				t.Fatalf("accepted %q = %v", id, v)
			}
		}
	})
}
