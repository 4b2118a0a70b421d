// Package spool keeps a replayable event stream in a temporary file, so that a whole-history computation that
// walks the event log several times reads the store once.
//
// A walk of the store's log costs a query per page, the database's own work per row and the decoding of each
// event's attrs JSON: about 3 µs an event on SQLite, over half of what verifying an epoch spends, walked five
// or six times (the directory, the epoch reputation, the observers, the scoring, the checks). A Spool hands
// the first complete walk's events on as they come and writes them, in a compact binary form, to a file that
// later walks read instead: nothing is held in memory, and the store keeps no read snapshot open meanwhile.
package spool

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/internal/recent"
)

// Spool is an EventStream kept in a temporary file after its first complete walk. Walks run one at a
// time as a whole-history computation makes them; a walk that starts while another writes the file reads
// the source instead. Close removes the file.
type Spool struct {
	src plaudit.EventStream
	dir string

	mu       sync.Mutex
	f        *os.File // the file, once a walk has begun writing it
	writing  bool     // a walk is writing f
	readers  int      // walks reading the complete f
	complete bool     // f holds every event of the stream
	failed   bool     // writing failed once (a full disk): every walk reads the source
	unlinked bool     // f's name was removed when it was created
	n, size  int64    // events and bytes in f when complete
}

// New returns a spool of src whose file is created in dir (the system's temporary directory when dir is
// ""). Nothing is read or created until the first walk.
func New(src plaudit.EventStream, dir string) *Spool {
	return &Spool{src: src, dir: dir}
}

// Stream returns the spool as an EventStream: the first walk reads the source and writes the file; once
// a walk has read the source to its end, every later walk reads the file. A walk the consumer stops early
// leaves the file incomplete, and the next walk writes it again.
func (s *Spool) Stream() plaudit.EventStream {
	return func(yield func(*plaudit.Event) error) error { return s.walk(false, yield) }
}

// WithoutContent returns the spool's events with their Content left empty once the file is complete (and
// whole until then): for the walks that read no text, such as the epoch reputation's, which then neither
// decode nor allocate it. Content is most of an event's bytes, and what a walk allocates while the
// collector marks a large heap stays in it until the next cycle.
func (s *Spool) WithoutContent() plaudit.EventStream {
	return func(yield func(*plaudit.Event) error) error { return s.walk(true, yield) }
}

// Events returns how many events the file holds, or -1 while it is not complete.
func (s *Spool) Events() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.complete {
		return -1
	}
	return s.n
}

// Close removes the file. The spool reads the source again if walked after Close.
func (s *Spool) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.writing || s.readers > 0 {
		return errors.New("spool: close during a walk")
	}
	s.complete = false
	if s.f == nil {
		return nil
	}
	name := s.f.Name()
	err := s.f.Close()
	s.f = nil
	if !s.unlinked {
		if rerr := os.Remove(name); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("spool: remove %s: %w", name, err)
	}
	return nil
}

func (s *Spool) walk(noContent bool, yield func(*plaudit.Event) error) error {
	s.mu.Lock()
	switch {
	case s.complete:
		f, size := s.f, s.size
		s.readers++
		s.mu.Unlock()
		defer func() { s.mu.Lock(); s.readers--; s.mu.Unlock() }()
		return replay(f, size, noContent, yield)
	case s.writing || s.failed:
		s.mu.Unlock()
		return s.src(yield)
	}
	s.writing = true
	s.mu.Unlock()
	defer func() { s.mu.Lock(); s.writing = false; s.mu.Unlock() }()

	w, err := s.rewind()
	if err != nil {
		s.fail()
		return s.src(yield)
	}
	var (
		n, size int64
		werr    error
		buf     []byte
		head    [binary.MaxVarintLen64]byte
	)
	enc := &encoder{names: map[string]uint64{}}
	err = s.src(func(e *plaudit.Event) error {
		if werr == nil {
			if buf, werr = enc.event(buf[:0], e); werr == nil {
				h := binary.PutUvarint(head[:], uint64(len(buf)))
				if _, werr = w.Write(head[:h]); werr == nil {
					_, werr = w.Write(buf)
				}
				n, size = n+1, size+int64(h+len(buf))
			}
		}
		return yield(e)
	})
	if err != nil {
		return err // the file is incomplete: the next walk writes it again
	}
	if werr == nil {
		werr = w.Flush()
	}
	if werr != nil {
		s.fail()
		return nil
	}
	s.mu.Lock()
	s.complete, s.n, s.size = true, n, size
	s.mu.Unlock()
	return nil
}

// rewind readies the file for a new first walk: created on the first, emptied after an incomplete one.
func (s *Spool) rewind() (*bufio.Writer, error) {
	if s.f == nil {
		f, err := os.CreateTemp(s.dir, "plaudit-events-*.spool")
		if err != nil {
			return nil, err
		}
		// Unlinked at once where the system allows it (the open file stays readable), so that a run killed
		// midway leaves no file of gigabytes behind; elsewhere Close removes it.
		s.f, s.unlinked = f, os.Remove(f.Name()) == nil
	} else {
		if err := s.f.Truncate(0); err != nil {
			return nil, err
		}
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	return bufio.NewWriterSize(s.f, WriteSize), nil
}

// WriteSize is the size of the writes that fill a temporary file of gigabytes (the spool's, and the
// conversation scorer's and integrity's spills, which take it from here). Written in writes of 1 MiB, the
// file's pages cost the writer several times the system time that writes of 64 KiB do on this project's
// machines (virtual machines on Linux 6.18, ext4), in most minutes: dd wrote 1.5 GB in 2.5-2.9 s of system
// time against 0.29-0.38 s, and a million-member verify spent 4.5-4.8 s of system time on its 1.5 GB spool
// against 15-17 s (55-56 s wall against 67-72 s, alternating), though in some minutes both paid 12-15 s.
// (Likely cause: ext4 caches a file in folios sized by its writes, and a large folio takes a high-order
// block of memory, which a virtual machine's host may have taken back until its first touch.)
const WriteSize = 64 << 10

// fail gives the file up: every later walk reads the source, and the disk space is freed.
func (s *Spool) fail() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failed = true
	if s.f != nil {
		s.f.Close()
		if !s.unlinked {
			os.Remove(s.f.Name())
		}
		s.f = nil
	}
}

// The attrs value tags of the file's encoding.
const (
	tagString = 's' // a string
	tagNumber = 'n' // a json.Number, as the store decodes numbers
	tagFloat  = 'd' // a float64, its IEEE 754 bits
	tagInt    = 'i' // an int
	tagInt64  = 'l' // an int64
	tagTrue   = 't'
	tagFalse  = 'f'
	tagNull   = 'z'
	tagJSON   = 'j' // anything else as JSON, decoded with json.Decoder.UseNumber
	// A list or an object of what JSON decodes to ([]any, map[string]any, string, json.Number, bool, nil),
	// written as its parts instead of as JSON: it comes back as the JSON would, without a decoder a value.
	tagList   = 'a' // a count, then each value tagged
	tagObject = 'o' // a count, then each key and its value tagged
)

// maxTree is how deep a list or object is written as its parts; a deeper one is written as JSON.
const maxTree = 32

// encoder writes records. Each record is its length and then its body: seq, the source and kind, the ids'
// lengths and then their bytes (external id, actor, target, target author: one string when read back),
// the content, the time and the attrs, lengths and integers as varints. The names (sources, kinds, attr
// and object keys), which repeat
// across events, go as a number once seen: 0 and the name the first time (it takes the next number), the
// number + 1 after, for the first maxNames names of a file.
type encoder struct {
	names map[string]uint64
	keys  []string // an event's attr keys, sorted
}

// maxNames is how many distinct names a file numbers; later ones are written whole each time.
const maxNames = 1 << 16

// name appends name s.
func (c *encoder) name(b []byte, s string) []byte {
	if id, ok := c.names[s]; ok {
		return binary.AppendUvarint(b, id+1)
	}
	if c.names != nil && len(c.names) < maxNames {
		c.names[s] = uint64(len(c.names))
	}
	return appendString(append(b, 0), s)
}

// event appends e's record body.
func (c *encoder) event(b []byte, e *plaudit.Event) ([]byte, error) {
	b = binary.AppendVarint(b, e.Seq)
	b = c.name(b, string(e.Source))
	b = c.name(b, string(e.Kind))
	ids := [...]string{e.ExternalID, e.Actor, e.Target, e.TargetAuthor}
	for _, s := range ids {
		b = binary.AppendUvarint(b, uint64(len(s)))
	}
	for _, s := range ids {
		b = append(b, s...)
	}
	b = appendString(b, e.Content)
	// Another zone than UTC comes back as a fixed zone of its name and offset at that instant (the store's
	// times are all UTC).
	utc := e.Time.Location() == time.UTC
	if utc {
		b = append(b, 0)
	} else {
		b = append(b, 1)
	}
	b = binary.AppendVarint(b, e.Time.Unix())
	b = binary.AppendUvarint(b, uint64(e.Time.Nanosecond()))
	if !utc {
		name, offset := e.Time.Zone()
		b = appendString(b, name)
		b = binary.AppendVarint(b, int64(offset))
	}
	if e.Attrs == nil {
		return append(b, 0), nil
	}
	b = binary.AppendUvarint(b, uint64(len(e.Attrs))+1)
	// Keys sorted, so that events with the same attrs end their records with the same bytes: a replay
	// decodes them once (reader.attrs).
	c.keys = c.keys[:0]
	for k := range e.Attrs {
		c.keys = append(c.keys, k)
	}
	slices.Sort(c.keys)
	for _, k := range c.keys {
		v := e.Attrs[k]
		b = c.name(b, k)
		switch v := v.(type) {
		case string:
			b = appendString(append(b, tagString), v)
		case json.Number:
			b = appendString(append(b, tagNumber), string(v))
		case float64:
			b = binary.LittleEndian.AppendUint64(append(b, tagFloat), math.Float64bits(v))
		case int:
			b = binary.AppendVarint(append(b, tagInt), int64(v))
		case int64:
			b = binary.AppendVarint(append(b, tagInt64), v)
		case bool:
			if v {
				b = append(b, tagTrue)
			} else {
				b = append(b, tagFalse)
			}
		case nil:
			b = append(b, tagNull)
		case []any, map[string]any:
			if jsonTree(v, 0) {
				b = c.tree(b, v)
				break
			}
			j, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("spool: event %s: attr %q: %w", e.Key(), k, err)
			}
			b = appendString(append(b, tagJSON), string(j))
		default:
			j, err := json.Marshal(v)
			if err != nil {
				return nil, fmt.Errorf("spool: event %s: attr %q: %w", e.Key(), k, err)
			}
			b = appendString(append(b, tagJSON), string(j))
		}
	}
	return b, nil
}

// jsonTree reports whether v is made only of what decoding JSON with json.Decoder.UseNumber gives (lists,
// objects, valid UTF-8 strings, valid numbers, booleans, nulls), within maxTree levels: a value that its JSON
// round trip gives back as it is, so that its parts can be written instead (encoder.tree).
func jsonTree(v any, depth int) bool {
	switch v := v.(type) {
	case string:
		return utf8.ValidString(v)
	case json.Number:
		return validNumber(string(v))
	case bool, nil:
		return true
	case []any:
		if depth >= maxTree {
			return false
		}
		for _, x := range v {
			if !jsonTree(x, depth+1) {
				return false
			}
		}
		return true
	case map[string]any:
		if depth >= maxTree {
			return false
		}
		for k, x := range v {
			if !utf8.ValidString(k) || !jsonTree(x, depth+1) {
				return false
			}
		}
		return true
	}
	return false
}

// tree appends v, which jsonTree accepts, tagged.
func (c *encoder) tree(b []byte, v any) []byte {
	switch v := v.(type) {
	case string:
		return appendString(append(b, tagString), v)
	case json.Number:
		return appendString(append(b, tagNumber), string(v))
	case bool:
		if v {
			return append(b, tagTrue)
		}
		return append(b, tagFalse)
	case []any:
		if v == nil {
			return append(b, tagNull) // as JSON writes it
		}
		b = binary.AppendUvarint(append(b, tagList), uint64(len(v)))
		for _, x := range v {
			b = c.tree(b, x)
		}
		return b
	case map[string]any:
		if v == nil {
			return append(b, tagNull)
		}
		b = binary.AppendUvarint(append(b, tagObject), uint64(len(v)))
		for k, x := range v {
			b = c.tree(c.name(b, k), x)
		}
		return b
	}
	return append(b, tagNull)
}

// validNumber reports whether s is a JSON number, as json.Marshal checks a json.Number.
func validNumber(s string) bool {
	i := 0
	digits := func() bool {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i > start
	}
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		digits()
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if !digits() {
			return false
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if !digits() {
			return false
		}
	}
	return i == len(s)
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// replay reads the size bytes of f's records from the start and yields each as an event valid only during
// its yield (the events' structs are recycled; their strings are new, and their attributes new or shared
// with earlier events of the walk that have the same: reader.attrs). It reads
// through ReadAt, so that walks may replay the file side by side, and decodes on a goroutine of its own a
// batch ahead of the consumer, which a whole-history run keeps busy on the other core.
func replay(f *os.File, size int64, noContent bool, yield func(*plaudit.Event) error) error {
	type batch struct {
		events []plaudit.Event
		err    error // after the batch's events: the read's error; io.EOF at the end
	}
	// The events are decoded into slabs of replayBatch that go back to the decoder once every event of
	// theirs has been yielded (an event is valid only during its yield): a walk of millions of events
	// allocates no Event of its own, only their strings and attributes.
	batches := make(chan batch, 2)
	free := make(chan []plaudit.Event, 4)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		defer close(batches)
		r := &reader{r: bufio.NewReaderSize(io.NewSectionReader(f, 0, size), 1<<20), noContent: noContent, attrs: recent.New[map[string]any](maxAttrs)}
		for {
			var b batch
			select {
			case b.events = <-free:
				b.events = b.events[:0]
			default:
				b.events = make([]plaudit.Event, 0, replayBatch)
			}
			for len(b.events) < replayBatch && b.err == nil {
				b.events = append(b.events, plaudit.Event{})
				if b.err = r.event(&b.events[len(b.events)-1]); b.err != nil {
					b.events = b.events[:len(b.events)-1]
				}
			}
			select {
			case batches <- b:
			case <-stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	for b := range batches {
		for i := range b.events {
			if err := yield(&b.events[i]); err != nil {
				return err
			}
		}
		if b.err == io.EOF {
			return nil
		}
		if b.err != nil {
			return fmt.Errorf("spool: read %s: %w", f.Name(), b.err)
		}
		select {
		case free <- b.events:
		default:
		}
	}
	return nil
}

// replayBatch is how many events the decoding goroutine hands over at a time.
const replayBatch = 256

// reader decodes records. A record's body is decoded from the buffer it was read into (p), without a call
// per byte; names holds the file's numbered names (encoder).
type reader struct {
	r         *bufio.Reader
	names     []string
	noContent bool // skip each event's Content
	p         []byte
	i         int
	scratch   []byte // a record longer than r's buffer
	err       error
	// attrs, in a replay, keeps recent events' attrs maps by their records' attrs bytes (a record's last
	// part): an event with the same attrs as a recent one gets the same map, read-only like every event's
	// attrs, instead of a new one. Attrs repeat (a Discord reaction's emoji, a poster's account fields),
	// and their maps and boxed values were half of what a replay allocated.
	attrs *recent.Values[map[string]any]
}

// maxAttrs bounds a replay's reader.attrs; when it is full it starts again empty.
const maxAttrs = 4096

// event decodes the next record into e, which is zero.
func (r *reader) event(e *plaudit.Event) error {
	n, err := binary.ReadUvarint(r.r)
	if err != nil {
		return err // io.EOF at a record's start is the end
	}
	if n > math.MaxInt32 {
		return fmt.Errorf("a record of %d bytes", n)
	}
	if int(n) <= r.r.Size() {
		if r.p, err = r.r.Peek(int(n)); err != nil {
			return noEOF(err)
		}
		defer r.r.Discard(int(n))
	} else {
		r.scratch = slices.Grow(r.scratch[:0], int(n))[:n]
		if _, err := io.ReadFull(r.r, r.scratch); err != nil {
			return noEOF(err)
		}
		r.p = r.scratch
	}
	return r.body(e)
}

// body decodes the record r.p into e.
func (r *reader) body(e *plaudit.Event) error {
	r.i, r.err = 0, nil
	seq := r.varint()
	e.Seq = seq
	e.Source = plaudit.Source(r.name())
	e.Kind = plaudit.Kind(r.name())
	r.ids(e)
	if r.noContent {
		r.bytes()
	} else {
		e.Content = r.string()
	}
	utc := r.byte() == 0
	sec, nsec := r.varint(), r.uvarint()
	if e.Time = time.Unix(sec, int64(nsec)).UTC(); !utc {
		name := r.string()
		e.Time = e.Time.In(time.FixedZone(name, int(r.varint())))
	}
	start := r.i
	if n := r.uvarint(); n > 0 && r.err == nil {
		if m, ok := r.attrs.Get(r.p[start:]); ok {
			e.Attrs, r.i = m, len(r.p)
			return nil
		}
		names := len(r.names)
		e.Attrs = make(map[string]any, min(n-1, 64))
		for i := uint64(1); i < n && r.err == nil; i++ {
			k := r.name()
			e.Attrs[k] = r.value(k, r.byte(), 0)
		}
		// A record that named a name for the first time is not the bytes of a later one with it.
		if r.err == nil && r.i == len(r.p) && len(r.names) == names {
			r.attrs.Put(r.p[start:], e.Attrs)
		}
	}
	if r.err == nil && r.i != len(r.p) {
		r.err = fmt.Errorf("%d bytes past the record's end", len(r.p)-r.i)
	}
	if r.err != nil {
		return fmt.Errorf("event after seq %d: %w", seq, r.err)
	}
	return nil
}

// AppendRecord appends e to b as a record of its own, read back by ReadRecord: the spool's binary form of an
// event (its attrs as a store's or a spool's events carry them come back as they were), for a caller that
// keeps events in a file of its own and reads them back in any order.
func AppendRecord(b []byte, e *plaudit.Event) ([]byte, error) {
	var c encoder // numbers no names: a record read alone must name them whole
	return c.event(b, e)
}

// ReadRecord decodes into e, which is zero, the record AppendRecord wrote as p.
func ReadRecord(p []byte, e *plaudit.Event) error {
	r := &reader{p: p}
	return r.body(e)
}

// noEOF reports a record cut short as io.ErrUnexpectedEOF.
func noEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// value decodes the value of attr k tagged tag, depth lists or objects deep.
func (r *reader) value(k string, tag byte, depth int) any {
	switch tag {
	case tagString:
		return r.string()
	case tagNumber:
		return json.Number(r.string())
	case tagFloat:
		if r.err == nil && len(r.p)-r.i < 8 {
			r.err = io.ErrUnexpectedEOF
		}
		if r.err != nil {
			return nil
		}
		v := math.Float64frombits(binary.LittleEndian.Uint64(r.p[r.i:]))
		r.i += 8
		return v
	case tagInt:
		return int(r.varint())
	case tagInt64:
		return r.varint()
	case tagTrue:
		return true
	case tagFalse:
		return false
	case tagNull:
		return nil
	case tagJSON:
		var v any
		dec := json.NewDecoder(bytes.NewReader(r.bytes()))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil && r.err == nil {
			r.err = err
		}
		return v
	case tagList, tagObject:
		n := r.uvarint()
		if r.err != nil {
			return nil
		}
		if depth >= maxTree || n > uint64(len(r.p)-r.i) {
			r.err = fmt.Errorf("attr %q: a list or object %d deep of %d values", k, depth+1, n)
			return nil
		}
		if tag == tagList {
			l := make([]any, 0, n)
			for i := uint64(0); i < n && r.err == nil; i++ {
				l = append(l, r.value(k, r.byte(), depth+1))
			}
			return l
		}
		o := make(map[string]any, n)
		for i := uint64(0); i < n && r.err == nil; i++ {
			key := r.name()
			o[key] = r.value(k, r.byte(), depth+1)
		}
		return o
	}
	if r.err == nil {
		r.err = fmt.Errorf("attr %q: unknown tag %q", k, tag)
	}
	return nil
}

func (r *reader) byte() byte {
	if r.err != nil {
		return 0
	}
	if r.i >= len(r.p) {
		r.err = io.ErrUnexpectedEOF
		return 0
	}
	c := r.p[r.i]
	r.i++
	return c
}

func (r *reader) varint() int64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Varint(r.p[r.i:])
	if n <= 0 {
		r.err = fmt.Errorf("a bad varint at byte %d of the record", r.i)
		return 0
	}
	r.i += n
	return v
}

func (r *reader) uvarint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.p[r.i:])
	if n <= 0 {
		r.err = fmt.Errorf("a bad varint at byte %d of the record", r.i)
		return 0
	}
	r.i += n
	return v
}

// bytes returns the next string's bytes, valid until the next record.
func (r *reader) bytes() []byte {
	n := r.uvarint()
	if r.err != nil || n == 0 {
		return nil
	}
	if n > uint64(len(r.p)-r.i) {
		r.err = fmt.Errorf("a string of %d bytes past the record's end", n)
		return nil
	}
	p := r.p[r.i : r.i+int(n)]
	r.i += int(n)
	return p
}

func (r *reader) string() string {
	return string(r.bytes())
}

// ids reads e's external id, actor, target and target author: their lengths, then their bytes, made one
// string that the four share (plaudit.Event.SetIDs).
func (r *reader) ids(e *plaudit.Event) {
	var n [4]uint64
	for k := range n {
		n[k] = r.uvarint()
	}
	if r.err != nil {
		return
	}
	rest, total := uint64(len(r.p)-r.i), uint64(0)
	for _, l := range n {
		if total += l; l > rest || total > rest { // each at most rest: the sum cannot overflow
			r.err = fmt.Errorf("ids of %d, %d, %d and %d bytes past the record's end", n[0], n[1], n[2], n[3])
			return
		}
	}
	if total == 0 {
		return
	}
	e.SetIDs(string(r.p[r.i:r.i+int(total)]), int(n[0]), int(n[1]), int(n[2]))
	r.i += int(total)
}

// name returns the next name: one copy of each source, kind and attr key however often it comes.
func (r *reader) name() string {
	id := r.uvarint()
	if r.err != nil {
		return ""
	}
	if id > 0 {
		if id > uint64(len(r.names)) {
			r.err = fmt.Errorf("name %d of %d", id, len(r.names))
			return ""
		}
		return r.names[id-1]
	}
	s := r.string()
	if len(r.names) < maxNames {
		r.names = append(r.names, s)
	}
	return s
}
