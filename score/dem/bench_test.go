package dem

import (
	"strconv"
	"testing"

	"github.com/plaudit/plaudit"
)

// BenchmarkScore scores X posts of a linked community account that mention the project and carry a
// tracked keyword, the common case: ns per event.
func BenchmarkScore(b *testing.B) {
	p := DefaultParams()
	p.Keywords = []string{"acme protocol", "#acmedao", "governance"}
	p.ProjectAccounts = []string{"acme_hq"}
	tr := NewTracker(p)
	dir := directory()
	evs := make([]plaudit.Event, 1000)
	for i := range evs {
		evs[i] = xEvent(strconv.Itoa(i), plaudit.KindPost, "200", "alice",
			"Voted on the Acme Protocol governance proposal today, thanks @acme_hq and @someone_else #AcmeDAO #gm", nil)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := &evs[i%len(evs)]
		if r := tr.Score(e, dir); r.Points == 0 {
			b.Fatal("scored 0")
		}
	}
}
