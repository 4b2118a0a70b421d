package graph_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/gen"
	"github.com/plaudit/plaudit/graph"
	"github.com/plaudit/plaudit/internal/testenv"
)

func generated(t testing.TB, members int) []plaudit.Event {
	t.Helper()
	var events []plaudit.Event
	if _, err := gen.Generate(gen.Config{Members: members, Days: 14, Seed: 7}, func(e *plaudit.Event) error {
		events = append(events, *e)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return events
}

// TestFromStreamMatchesReference builds the interaction graph of a generated community (Farcaster mentions,
// follows and GitHub comments included) from a buffer-reusing stream, with and without an epoch window, and
// checks it equals the graph the pre-stream implementation (kept below as the reference) builds from the
// slice.
func TestFromStreamMatchesReference(t *testing.T) {
	events := generated(t, 400)
	dir := plaudit.BuildDirectory(events)
	mid := events[len(events)/2].Time
	for _, opt := range []graph.EventOptions{{}, {Since: mid}, {Until: mid}} {
		want, err := fromEventsReference(events, dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		got, err := graph.FromStream(testenv.ReusingStream(events), dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		if want.Edges() == 0 {
			t.Fatalf("%+v: the reference graph has no edges: the comparison says nothing", opt)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%+v: stream graph (%d nodes, %d edges) differs from the reference (%d nodes, %d edges)", opt, got.Len(), got.Edges(), want.Len(), want.Edges())
		}
		slice, err := graph.FromEvents(events, dir, opt)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(slice, want) {
			t.Fatalf("%+v: FromEvents differs from the reference", opt)
		}
	}
}

// BenchmarkFromStream builds the interaction graph of a generated 2,000-member community from a stream.
func BenchmarkFromStream(b *testing.B) {
	events := generated(b, 2000)
	dir := plaudit.BuildDirectory(events)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		if _, err := graph.FromStream(testenv.ReusingStream(events), dir, graph.EventOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// fromEventsReference is FromEvents as it was before FromStream: the oracle the stream version must match.
func fromEventsReference(events []plaudit.Event, dir *plaudit.Directory, opt graph.EventOptions) (*graph.Graph, error) {
	weights := opt.Weights
	if weights == nil {
		weights = graph.DefaultWeights()
	}
	if err := weights.Validate(); err != nil {
		return nil, err
	}
	b := graph.NewBuilder()
	for _, m := range dir.Members() {
		b.AddNode(m.Handle)
	}
	// Farcaster mentions name usernames; casts carry their author's username, so learn the mapping first.
	usernames := map[string]string{}
	for i := range events {
		e := &events[i]
		if e.Source != plaudit.SourceFarcaster {
			continue
		}
		if u, ok := e.AttrString("username"); ok && u != "" {
			if _, seen := usernames[strings.ToLower(u)]; !seen {
				usernames[strings.ToLower(u)] = e.Actor
			}
		}
	}
	add := func(from, toAccount string, w float64) {
		to := dir.MemberOf(toAccount)
		if to == "" {
			to = toAccount // never seen as an actor: a member of its own, as the Directory would make it
		}
		if to == from {
			return
		}
		_ = b.AddEdge(from, to, w) // weights were validated
	}
	for i := range events {
		e := &events[i]
		if e.Kind.IsIdentity() || e.Source == plaudit.SourcePlaudit {
			continue
		}
		if !opt.Since.IsZero() && e.Time.Before(opt.Since) {
			continue
		}
		if !opt.Until.IsZero() && !e.Time.Before(opt.Until) {
			continue
		}
		from := dir.MemberOfActor(e)
		if from == "" {
			continue
		}
		if w, ok := weights[e.Kind]; ok && w > 0 {
			switch {
			case e.TargetAuthor != "":
				add(from, e.TargetAccountKey(), w)
			case e.Kind == plaudit.KindFollow && e.Target != "":
				add(from, string(e.Source)+":"+e.Target, w)
			case e.Kind == plaudit.KindComment:
				if a, ok := e.AttrString("issue_author"); ok && a != "" {
					add(from, string(e.Source)+":"+a, w)
				}
			}
		}
		if e.Source == plaudit.SourceFarcaster && e.Kind != plaudit.KindMention {
			if w := weights[plaudit.KindMention]; w > 0 {
				if list, ok := e.Attrs["mentioned"].([]any); ok {
					for _, v := range list {
						u, _ := v.(string)
						if fid, ok := usernames[strings.ToLower(u)]; ok {
							add(from, "farcaster:"+fid, w)
						}
					}
				}
			}
		}
	}
	return b.Build(), nil
}
