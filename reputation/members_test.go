package reputation

import (
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestDerivePretrust(t *testing.T) {
	day := 24 * time.Hour
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	events := []plaudit.Event{
		{Source: "x", ExternalID: "1", Kind: plaudit.KindLink, Actor: "p", Time: now.Add(-day), Attrs: map[string]any{"member": "proj", "member_kind": "project"}},
		{Source: "x", ExternalID: "2", Kind: plaudit.KindPost, Actor: "old", Time: now.Add(-day), Attrs: map[string]any{"account_created": "2020-01-01T00:00:00Z"}},
		{Source: "x", ExternalID: "3", Kind: plaudit.KindPost, Actor: "new", Time: now.Add(-day), Attrs: map[string]any{"account_created": "2026-05-01T00:00:00Z"}},
		{Source: "x", ExternalID: "4", Kind: plaudit.KindPost, Actor: "unknown", Time: now.Add(-day)},
		{Source: "x", ExternalID: "5", Kind: plaudit.KindPost, Actor: "early", Time: now.Add(-400 * day)},
	}
	dir := plaudit.BuildDirectory(events)
	got := DerivePretrust(events, dir, PretrustParams{At: now})
	want := map[string]float64{"proj": 2, "x:old": 1, "x:early": 1}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
}

func TestDiscount(t *testing.T) {
	g := edges(t, "r1 r2 5\nr2 r1 5\nr1 h 1\nh r1 1\ns h 4\ns r2 1\nh s 1\n")
	d := Discount(g, [][]string{{"r1", "r2"}}, []string{"s"})
	var got []string
	for i := int32(0); int(i) < d.Len(); i++ {
		dst, _ := d.Out(i)
		for _, j := range dst {
			got = append(got, d.IDs[i]+">"+d.IDs[j])
		}
	}
	if strings.Join(got, " ") != "h>r1 h>s r1>h" {
		t.Errorf("kept edges %v", got)
	}
}
