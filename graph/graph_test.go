package graph

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/plaudit/plaudit"
)

func TestBuilderSortsSumsAndDrops(t *testing.T) {
	b := NewBuilder()
	mustAdd := func(s, d string, w float64) {
		t.Helper()
		if err := b.AddEdge(s, d, w); err != nil {
			t.Fatal(err)
		}
	}
	mustAdd("c", "a", 1)
	mustAdd("a", "c", 2)
	mustAdd("a", "b", 1)
	mustAdd("a", "c", 0.5) // repeated: summed
	mustAdd("b", "b", 9)   // self-loop: dropped
	mustAdd("b", "a", 0)   // zero: dropped
	b.AddNode("d")         // isolated node kept
	g := b.Build()

	want := &Graph{
		IDs:   []string{"a", "b", "c", "d"},
		Off:   []int64{0, 2, 2, 3, 3},
		Dst:   []int32{1, 2, 0},
		W:     []float64{1, 2.5, 1},
		Count: []int32{1, 2, 1},
	}
	if !reflect.DeepEqual(g, want) {
		t.Fatalf("got %+v\nwant %+v", g, want)
	}
	if i, ok := g.Index("c"); !ok || i != 2 {
		t.Errorf("Index(c) = %d, %v", i, ok)
	}
	if _, ok := g.Index("zz"); ok {
		t.Error("Index(zz) found")
	}
	if w, ok := g.Weight(0, 2); !ok || w != 2.5 {
		t.Errorf("Weight(a,c) = %v, %v", w, ok)
	}
	if _, ok := g.Weight(1, 0); ok {
		t.Error("Weight(b,a) exists; zero edges must be dropped")
	}
	if g.OutWeight(0) != 3.5 {
		t.Errorf("OutWeight(a) = %v", g.OutWeight(0))
	}
}

func TestBuilderRejectsBadWeights(t *testing.T) {
	b := NewBuilder()
	for _, w := range []float64{-1, nan(), inf()} {
		if err := b.AddEdge("a", "b", w); err == nil {
			t.Errorf("AddEdge weight %v: no error", w)
		}
	}
}

func nan() float64 { z := 0.0; return z / z }
func inf() float64 { z := 0.0; return 1 / z }

func TestFromCOOChecks(t *testing.T) {
	if _, err := FromCOO([]string{"b", "a"}, nil, nil, nil, nil); err == nil {
		t.Error("unsorted ids accepted")
	}
	if _, err := FromCOO([]string{"a"}, []int32{0}, []int32{1}, []float64{1}, nil); err == nil {
		t.Error("out-of-range index accepted")
	}
	if _, err := FromCOO([]string{"a", "b"}, []int32{0}, []int32{1}, []float64{-1}, nil); err == nil {
		t.Error("negative weight accepted")
	}
}

func TestTransposeAndUndirected(t *testing.T) {
	b := NewBuilder()
	_ = b.AddEdge("a", "b", 1)
	_ = b.AddEdge("b", "a", 2)
	_ = b.AddEdge("a", "c", 4)
	_ = b.AddEdge("c", "b", 8)
	g := b.Build()
	tr := g.Transpose()
	want := &Graph{IDs: g.IDs, Off: []int64{0, 1, 3, 4}, Dst: []int32{1, 0, 2, 0}, W: []float64{2, 1, 8, 4}, Count: []int32{1, 1, 1, 1}}
	if !reflect.DeepEqual(tr, want) {
		t.Fatalf("transpose: got %+v\nwant %+v", tr, want)
	}
	u := g.Undirected()
	wantU := &Graph{IDs: g.IDs, Off: []int64{0, 2, 4, 6}, Dst: []int32{1, 2, 0, 2, 0, 1}, W: []float64{3, 4, 3, 8, 4, 8}, Count: []int32{2, 1, 2, 1, 1, 1}}
	if !reflect.DeepEqual(u, wantU) {
		t.Fatalf("undirected: got %+v\nwant %+v", u, wantU)
	}
}

func TestReadEdgesFormats(t *testing.T) {
	csv := "i,j,v\n1,2,3\n2,1,1\n1,2,2\n3,3,5\n"
	ws := "# comment\n1 2 3\n2\t1  1\n\n1 2 2\n3 3 5\n"
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	_, _ = zw.Write([]byte(ws))
	_ = zw.Close()
	for name, in := range map[string]string{"csv": csv, "ws": ws, "gz": gz.String()} {
		g, err := ReadEdges(strings.NewReader(in), name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want := &Graph{IDs: []string{"1", "2", "3"}, Off: []int64{0, 1, 2, 2}, Dst: []int32{1, 0}, W: []float64{5, 1}, Count: []int32{2, 1}}
		if !reflect.DeepEqual(g, want) {
			t.Errorf("%s: got %+v\nwant %+v", name, g, want)
		}
	}
	// Two fields: weight 1; a first line with a numeric third field is data, not a header.
	g, err := ReadEdges(strings.NewReader("a,b\nb,a,2\n"), "two")
	if err != nil {
		t.Fatal(err)
	}
	if g.Edges() != 2 || g.W[0] != 1 || g.W[1] != 2 {
		t.Errorf("two-field lines: %+v", g)
	}
}

func TestReadEdgesErrorsNameLineAndField(t *testing.T) {
	cases := []struct{ in, want string }{
		{"i,j,v\n1,2,x\n", `line 2: field v: "x" is not a number`},
		{"i,j,v\n1,2,-1\n", "line 2: field v: -1 is negative"},
		{"i,j,v\n1,2,NaN\n", `line 2: field v: "NaN" is not finite`},
		{"i,j,v\n,2,1\n", "line 2: field i: missing id"},
		{"i,j,v\n1,,1\n", "line 2: field j: missing id"},
		{"i,j,v\n1,2,3,4\n", "line 2: 4 fields, want 3 comma-separated"},
		{"1 2 3\n1 2 3 4\n", "line 2: 4 fields, want 3 whitespace-separated"},
		{"1 2 3\n1 2 1e999\n", "line 2: field v:"},
	}
	for _, c := range cases {
		_, err := ReadEdges(strings.NewReader(c.in), "edges.csv")
		var ve *plaudit.ValidationError
		if !errors.As(err, &ve) {
			t.Errorf("%q: got %v, want a ValidationError", c.in, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "edges.csv: 1 invalid") || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %q does not contain %q", c.in, err, c.want)
		}
	}
}

func TestReadTable(t *testing.T) {
	type row struct {
		id string
		v  float64
	}
	var got []row
	err := ReadTable(strings.NewReader("i,v\n7,0.5\n9,2\n"), "seed.csv", func(_ int, id string, v float64) { got = append(got, row{id, v}) })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []row{{"7", 0.5}, {"9", 2}}) {
		t.Errorf("got %v", got)
	}
	err = ReadTable(strings.NewReader("a 1\nb oops\n"), "seed.txt", func(int, string, float64) {})
	if err == nil || !strings.Contains(err.Error(), `line 2: field v: "oops" is not a number`) {
		t.Errorf("got %v", err)
	}
}

func ev(src plaudit.Source, id string, kind plaudit.Kind, actor, targetAuthor string, attrs map[string]any) plaudit.Event {
	return plaudit.Event{Source: src, ExternalID: id, Kind: kind, Actor: actor, Target: "t" + id, TargetAuthor: targetAuthor,
		Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(len(id)) * time.Hour), Attrs: attrs}
}

func TestFromEvents(t *testing.T) {
	events := []plaudit.Event{
		ev("x", "l1", plaudit.KindLink, "alice1", "", map[string]any{"member": "alice"}),
		ev("x", "l2", plaudit.KindLink, "alice2", "", map[string]any{"member": "alice"}),
		ev("x", "l3", plaudit.KindLink, "bob1", "", map[string]any{"member": "bob"}),
		ev("x", "p1", plaudit.KindPost, "bob1", "", nil),
		ev("x", "r1", plaudit.KindReply, "alice1", "bob1", nil),
		ev("x", "k1", plaudit.KindLike, "alice2", "bob1", nil),
		ev("x", "k2", plaudit.KindLike, "alice2", "alice1", nil), // same member: dropped
		ev("x", "k3", plaudit.KindLike, "carol", "bob1", nil),
		{Source: "x", ExternalID: "f1", Kind: plaudit.KindFollow, Actor: "bob1", Target: "carol", Time: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)},
		ev("github", "c1", plaudit.KindComment, "dave", "", map[string]any{"issue_author": "carol"}),
		ev("farcaster", "c2", plaudit.KindPost, "11", "", map[string]any{"username": "Erin"}),
		ev("farcaster", "c3", plaudit.KindPost, "12", "", map[string]any{"username": "frank", "mentioned": []any{"erin", "nobody"}}),
	}
	events[9].Time = time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC)
	dir := plaudit.BuildDirectory(events)
	g, err := FromEvents(events, dir, EventOptions{})
	if err != nil {
		t.Fatal(err)
	}
	wantIDs := []string{"alice", "bob", "farcaster:11", "farcaster:12", "github:carol", "github:dave", "x:carol"}
	if !reflect.DeepEqual(g.IDs, wantIDs) {
		t.Fatalf("ids %v, want %v", g.IDs, wantIDs)
	}
	type e struct {
		from, to string
		w        float64
		n        int32
	}
	var got []e
	for i := int32(0); int(i) < g.Len(); i++ {
		dst, w := g.Out(i)
		for k := range dst {
			got = append(got, e{g.IDs[i], g.IDs[dst[k]], w[k], g.OutCounts(i)[k]})
		}
	}
	want := []e{
		{"alice", "bob", 4, 2},
		{"bob", "x:carol", 1, 1},
		{"farcaster:12", "farcaster:11", 1, 1},
		{"github:dave", "github:carol", 2, 1},
		{"x:carol", "bob", 1, 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("edges\n got %v\nwant %v", got, want)
	}

	// An epoch window drops the 2027 comment; custom weights apply.
	g, err = FromEvents(events, dir, EventOptions{Until: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC), Weights: Weights{plaudit.KindLike: 5}})
	if err != nil {
		t.Fatal(err)
	}
	if g.Edges() != 2 {
		t.Errorf("windowed likes-only graph: %d edges, want 2", g.Edges())
	}
	if _, err := FromEvents(events, dir, EventOptions{Weights: Weights{plaudit.KindLike: -1}}); err == nil {
		t.Error("negative weight accepted")
	}
}

func TestBuildDeterministic(t *testing.T) {
	in := "i,j,v\nz,y,0.1\ny,z,0.2\nz,y,0.7\nx,z,1e-3\n"
	a, _ := ReadEdges(strings.NewReader(in), "a")
	b, _ := ReadEdges(strings.NewReader(in), "b")
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	if !bytes.Equal(ja, jb) {
		t.Error("same input, different graphs")
	}
}

func FuzzReadEdges(f *testing.F) {
	f.Add("i,j,v\n1,2,3\n2,1,1\n")
	f.Add("1 2 3\n# c\n2 3\n")
	f.Add("a,b\n\"q,\",b,1\n")
	f.Add("1 1 1e308\n1 2 1e308\n1 2 1e308\n")
	f.Fuzz(func(t *testing.T, in string) {
		g, err := ReadEdges(strings.NewReader(in), "fuzz")
		if err != nil {
			return
		}
		if len(g.Off) != g.Len()+1 || g.Off[g.Len()] != int64(g.Edges()) {
			t.Fatalf("bad offsets %v for %d edges", g.Off, g.Edges())
		}
		for i := int32(0); int(i) < g.Len(); i++ {
			dst, w := g.Out(i)
			for k := range dst {
				if dst[k] == i || (k > 0 && dst[k] <= dst[k-1]) || !(w[k] > 0) {
					t.Fatalf("row %d not sorted, unique, loop-free and positive: %v %v", i, dst, w)
				}
			}
		}
		for i := 1; i < g.Len(); i++ {
			if g.IDs[i-1] >= g.IDs[i] {
				t.Fatalf("ids not sorted: %q", g.IDs)
			}
		}
	})
}

func TestFilterAndMutual(t *testing.T) {
	b := NewBuilder()
	_ = b.AddEdge("a", "b", 3)
	_ = b.AddEdge("b", "a", 1)
	_ = b.AddEdge("a", "c", 2)
	g := b.Build()
	m := g.Mutual()
	want := &Graph{IDs: g.IDs, Off: []int64{0, 1, 2, 2}, Dst: []int32{1, 0}, W: []float64{1, 1}, Count: []int32{1, 1}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("mutual: got %+v\nwant %+v", m, want)
	}
	f := g.Filter(func(i, j int32) bool { return j != 1 })
	wantF := &Graph{IDs: g.IDs, Off: []int64{0, 1, 2, 2}, Dst: []int32{2, 0}, W: []float64{2, 1}, Count: []int32{1, 1}}
	if !reflect.DeepEqual(f, wantF) {
		t.Errorf("filter: got %+v\nwant %+v", f, wantF)
	}
}
