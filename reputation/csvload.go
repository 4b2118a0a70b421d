package reputation

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/graph"
)

// errSlowPath says that the parallel reader met a line it does not accept: the serial reader
// (graph.Builder.ReadEdges) reads the file again to report every problem with its line and field, so that
// error messages have one author.
var errSlowPath = errors.New("edge list needs the serial reader")

// maxLine is the longest line the readers accept (graph's scanner buffer).
const maxLine = 1 << 20

// edgeChunk is what one worker parsed of a part of an edge list: the edges over its own dictionary of
// node ids (local indices), in file order.
type edgeChunk struct {
	data []byte // the part of the file parsed
	csv  bool
	// num holds the edges when every id in the part is a decimal number (numericIDs); nil otherwise.
	num      *numChunk
	ids      []string         // local index → id
	index    map[string]int32 // id → local index
	src, dst []int32
	w        []float64
	remap    []int32 // local index → index in the sorted ids of the whole graph
}

// loadEdgesParallel reads edge-list files (uncompressing gzip) whole into memory, parses parts of each in
// parallel, and builds the graph over every file's edges and the extra nodes. It accepts exactly what
// graph.ReadEdges accepts and gives the same graph bit for bit (edges are summed in file order); on any
// line it would refuse it returns errSlowPath.
func loadEdgesParallel(paths []string, extra []string) (*graph.Graph, error) {
	var chunks []*edgeChunk
	for _, path := range paths {
		data, err := readAll(path)
		if err != nil {
			return nil, err
		}
		cs, err := parseEdges(data)
		if err != nil {
			return nil, err
		}
		chunks = append(chunks, cs...)
	}
	if g, ok, err := numericGraph(chunks, extra); ok || err != nil {
		return g, err
	}
	// Some id is not a number: the parts read as numbers are read again with their dictionaries.
	for i, c := range chunks {
		if c.num != nil {
			sc, err := parseStrings(c.data, c.csv)
			if err != nil {
				return nil, err
			}
			chunks[i] = sc
		}
	}
	if len(extra) > 0 {
		c := &edgeChunk{index: make(map[string]int32, len(extra))}
		for _, id := range extra {
			c.intern([]byte(id))
		}
		chunks = append(chunks, c)
	}
	ids := mergeIDs(chunks)
	var m int
	for _, c := range chunks {
		m += len(c.src)
	}
	src, dst, w := make([]int32, m), make([]int32, m), make([]float64, m)
	var wg sync.WaitGroup
	off := 0
	for _, c := range chunks {
		o := off
		off += len(c.src)
		wg.Go(func() {
			for k := range c.src {
				src[o+k], dst[o+k], w[o+k] = c.remap[c.src[k]], c.remap[c.dst[k]], c.w[k]
			}
		})
	}
	wg.Wait()
	chunks = nil
	return graph.FromCOO(ids, src, dst, w, nil)
}

// readAll reads a file whole, uncompressing gzip content.
func readAll(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("load edges: %w", err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<16)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, errSlowPath
		}
		defer zr.Close()
		data, err := io.ReadAll(zr)
		if err != nil {
			return nil, errSlowPath
		}
		return data, nil
	}
	var buf bytes.Buffer
	if fi, err := f.Stat(); err == nil && fi.Size() > 0 {
		buf.Grow(int(fi.Size()) + 1)
	}
	if _, err := buf.ReadFrom(br); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return buf.Bytes(), nil
}

// parseEdges splits data at line ends into one part per CPU (at least 4 MiB each) and parses them in
// parallel. The first data line decides the format (comma-separated or whitespace) and may be a header.
func parseEdges(data []byte) ([]*edgeChunk, error) {
	// The first data line: the format, and a header to skip.
	pos := 0
	csv, start := false, -1
	for pos < len(data) {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += pos
		}
		line := bytes.TrimSpace(data[pos:end])
		next := end + 1
		if len(line) > 0 && line[0] != '#' && line[0] != '%' {
			csv = bytes.IndexByte(line, ',') >= 0
			var f [4][]byte
			n := splitFields(line, csv, &f)
			if n == 3 && !isNumber(f[2]) {
				start = next // a header
			} else {
				start = pos
			}
			break
		}
		pos = next
	}
	if start < 0 || start >= len(data) {
		return nil, nil
	}
	data = data[start:]
	parts := runtime.GOMAXPROCS(0) * 2
	size := max(len(data)/parts+1, 4<<20)
	var bounds []int
	for b := 0; b < len(data); {
		e := min(b+size, len(data))
		if e < len(data) {
			nl := bytes.IndexByte(data[e:], '\n')
			if nl < 0 {
				e = len(data)
			} else {
				e += nl + 1
			}
		}
		bounds = append(bounds, b, e)
		b = e
	}
	chunks := make([]*edgeChunk, len(bounds)/2)
	errs := make([]error, len(chunks))
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range chunks {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			chunks[i], errs[i] = parseChunk(data[bounds[2*i]:bounds[2*i+1]], csv)
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return chunks, nil
}

// parseChunk parses whole lines of edges: as numbers when every id is one (parseNumbers), else with a
// dictionary of ids (parseStrings).
func parseChunk(data []byte, csv bool) (*edgeChunk, error) {
	c, err := parseNumbers(data, csv)
	if c != nil || err != nil {
		return c, err
	}
	return parseStrings(data, csv)
}

// parseStrings parses whole lines of edges over a dictionary of node ids.
func parseStrings(data []byte, csv bool) (*edgeChunk, error) {
	est := len(data)/24 + 1
	c := &edgeChunk{data: data, csv: csv, index: make(map[string]int32, est/8), src: make([]int32, 0, est), dst: make([]int32, 0, est), w: make([]float64, 0, est)}
	err := eachEdge(data, csv, func(src, dst []byte, w float64) error {
		for _, id := range [2][]byte{src, dst} {
			if len(id) == 0 || len(id) > plaudit.MaxIDLen || !utf8.Valid(id) {
				return errSlowPath
			}
		}
		c.src = append(c.src, c.intern(src))
		c.dst = append(c.dst, c.intern(dst))
		c.w = append(c.w, w)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}

// eachEdge calls fn with the ids and weight of each edge line of data (whole lines), skipping blank and
// comment lines, and stops at the first error fn returns. A line the serial reader refuses (too long, not
// two or three fields, a bad weight) is errSlowPath.
func eachEdge(data []byte, csv bool, fn func(src, dst []byte, w float64) error) error {
	var f [4][]byte
	for pos := 0; pos < len(data); {
		end := bytes.IndexByte(data[pos:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += pos
		}
		if end-pos > maxLine {
			return errSlowPath
		}
		line := bytes.TrimSpace(data[pos:end])
		pos = end + 1
		if len(line) == 0 || line[0] == '#' || line[0] == '%' {
			continue
		}
		n := splitFields(line, csv, &f)
		if n != 2 && n != 3 {
			return errSlowPath
		}
		w := 1.0
		if n == 3 {
			v, ok := parseWeight(f[2])
			if !ok {
				return errSlowPath
			}
			w = v
		}
		if err := fn(f[0], f[1], w); err != nil {
			return err
		}
	}
	return nil
}

// parseWeight parses an edge's weight as graph's reader does (a finite number ≥ 0; one too large for a
// float64 is refused, too small becomes 0), with a fast path for whole numbers of up to 15 digits, which
// a float64 holds exactly.
func parseWeight(b []byte) (float64, bool) {
	if len(b) > 0 && len(b) <= 15 {
		var v uint64
		digits := true
		for _, ch := range b {
			if ch < '0' || ch > '9' {
				digits = false
				break
			}
			v = v*10 + uint64(ch-'0')
		}
		if digits {
			return float64(v), true
		}
	}
	v, err := strconv.ParseFloat(string(b), 64)
	if (err != nil && !errors.Is(err, strconv.ErrRange)) || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, false
	}
	return v, true
}

// splitFields splits a trimmed line as graph's reader does: at commas (each field trimmed and unquoted)
// or at runs of white space. It fills at most 4 fields and returns how many there are (up to 5, meaning
// too many).
func splitFields(line []byte, csv bool, f *[4][]byte) int {
	n := 0
	if csv {
		for {
			i := bytes.IndexByte(line, ',')
			field := line
			if i >= 0 {
				field = line[:i]
			}
			if n == 4 {
				return 5
			}
			f[n] = unquoteBytes(bytes.TrimSpace(field))
			n++
			if i < 0 {
				return n
			}
			line = line[i+1:]
		}
	}
	for _, field := range bytes.Fields(line) {
		if n == 4 {
			return 5
		}
		f[n] = field
		n++
	}
	return n
}

// unquoteBytes is graph's unquote: a field in double quotes loses them, and "" inside becomes ".
func unquoteBytes(s []byte) []byte {
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return bytes.ReplaceAll(s[1:len(s)-1], []byte(`""`), []byte(`"`))
	}
	return s
}

func isNumber(s []byte) bool {
	_, err := strconv.ParseFloat(string(s), 64)
	return err == nil || errors.Is(err, strconv.ErrRange)
}

func (c *edgeChunk) intern(id []byte) int32 {
	if i, ok := c.index[string(id)]; ok {
		return i
	}
	i := int32(len(c.ids))
	s := string(id)
	c.index[s] = i
	c.ids = append(c.ids, s)
	return i
}

// mergeIDs sorts each chunk's ids (in parallel), merges them into the graph's sorted unique ids, and
// fills each chunk's remap from local to global index.
func mergeIDs(chunks []*edgeChunk) []string {
	orders := make([][]int32, len(chunks))
	var wg sync.WaitGroup
	for ci, c := range chunks {
		c.index = nil
		wg.Go(func() {
			o := make([]int32, len(c.ids))
			for i := range o {
				o[i] = int32(i)
			}
			slices.SortFunc(o, func(a, b int32) int {
				switch {
				case c.ids[a] < c.ids[b]:
					return -1
				case c.ids[a] > c.ids[b]:
					return 1
				}
				return 0
			})
			orders[ci] = o
			c.remap = make([]int32, len(c.ids))
		})
	}
	wg.Wait()
	heads := make([]int, len(chunks))
	var ids []string
	for {
		best := -1
		for ci, c := range chunks {
			if heads[ci] < len(orders[ci]) && (best < 0 || c.ids[orders[ci][heads[ci]]] < chunks[best].ids[orders[best][heads[best]]]) {
				best = ci
			}
		}
		if best < 0 {
			return ids
		}
		id := chunks[best].ids[orders[best][heads[best]]]
		g := int32(len(ids))
		ids = append(ids, id)
		for ci, c := range chunks {
			if h := heads[ci]; h < len(orders[ci]) && c.ids[orders[ci][h]] == id {
				c.remap[orders[ci][h]] = g
				heads[ci]++
			}
		}
	}
}
