package reputation

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"strconv"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// ReadPretrust reads pre-trust weights by node id: OpenRank's seed format ("i,v" CSV with a header) or
// whitespace-separated "id weight" lines; a line with only an id weighs 1. Repeated ids are summed. Errors
// name the input, the line and the field.
func ReadPretrust(r io.Reader, name string) (map[string]float64, error) {
	out := map[string]float64{}
	err := graph.ReadTable(r, name, func(_ int, id string, v float64) { out[id] += v })
	if err != nil {
		return nil, err
	}
	for _, id := range sortedKeys(out) {
		if math.IsInf(out[id], 0) {
			return nil, plaudit.Errorf(plaudit.EINVALID, "%s: pre-trust of %q overflows when its lines are summed", name, id)
		}
	}
	return out, nil
}

// LoadPretrust reads a pre-trust file (see ReadPretrust); .gz files are decompressed.
func LoadPretrust(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load pre-trust: %w", err)
	}
	defer f.Close()
	return ReadPretrust(f, path)
}

// LoadGraph builds one graph from the edge-list files at paths (see graph.ReadEdges; pairs repeated across
// files are summed) and makes every pre-trusted id a node, as OpenRank counts seed peers as peers even when
// they have no edges.
//
// Files are read whole and parsed in parallel (one part per CPU); a file with a line the reader refuses is
// read again serially, so that every problem is reported with its line and field.
func LoadGraph(paths []string, pretrust map[string]float64) (*graph.Graph, error) {
	g, err := loadEdgesParallel(paths, sortedKeys(pretrust))
	if !errors.Is(err, errSlowPath) {
		return g, err
	}
	b := graph.NewBuilder()
	for _, path := range paths {
		f, err := os.Open(path)
		if err != nil {
			return nil, fmt.Errorf("load edges: %w", err)
		}
		err = b.ReadEdges(f, path)
		f.Close()
		if err != nil {
			return nil, err
		}
	}
	for _, id := range sortedKeys(pretrust) {
		b.AddNode(id)
	}
	return b.Build(), nil
}

func sortedKeys(m map[string]float64) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// WriteScores writes "id,score" CSV with a header, in ranking order (score descending, then id ascending).
// Scores are printed in the shortest form that reads back to the same float64, so the output carries every
// bit of the result.
func WriteScores(w io.Writer, r *Result) error {
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"id", "score"}); err != nil {
		return err
	}
	for _, x := range r.Ranking() {
		if err := cw.Write([]string{x.ID, strconv.FormatFloat(x.Score, 'g', -1, 64)}); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
