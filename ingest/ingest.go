// Package ingest imports event files into a store: the logic behind `plaudit import`, shared with the demo
// and anything else that loads a file of events.
//
// An import is all or nothing at the level of the file: Check reads the whole file first and reports every
// bad line, and only a clean file (or, with SkipInvalid, its good lines) is appended. Appending is streamed:
// one goroutine decodes batches while another appends the previous batch in a transaction, so decoding and
// writing overlap and memory stays at a few batches whatever the file's size. Because the store is
// idempotent on (source, id), an import killed half-way is finished by running it again: the events already
// stored come back as duplicates.
package ingest

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"unicode/utf8"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/eventio"
)

// DefaultBatch is the number of events appended per transaction unless Options.Batch says otherwise: big
// enough that a transaction's fixed cost is noise, small enough that a crash loses little work.
const DefaultBatch = 5000

// DefaultCommitEvery is how many events an import appends between commits when the store can append in
// bulk (plaudit.BulkEventStore, such as SQLite): enough that the store's index is written out a few times
// per million events rather than once per batch, few enough that other writers get the lock every second
// or so and a crash loses little. Stores without bulk appends commit every batch.
const DefaultCommitEvery = 250_000

// Options control an import.
type Options struct {
	Format      eventio.Format // the input's format (JSONL or CSV)
	Batch       int            // events per append; DefaultBatch if 0
	CommitEvery int            // events per transaction on a bulk store; DefaultCommitEvery if 0
	SkipInvalid bool           // append the good lines of a file with bad ones, instead of refusing it
	// Rejects, if set, receives one JSON line per problem of each bad line (see Reject). Used with SkipInvalid.
	Rejects io.Writer
	// Progress, if set, is called now and then with the number of input bytes consumed so far.
	Progress func(offset int64)
	// Gate, if set, is called before the import makes anything durable: before its first commit on a bulk
	// store, before its first append on any other. If it returns an error, the import stops with that
	// error and nothing is stored. ImportFile passes a Checker's Gate, so that a file is checked while it
	// is imported and yet nothing of a bad file is kept.
	Gate func() error
}

// Result counts what an import did. New + Duplicate + Rejected is the number of events (non-blank lines or
// CSV records) in the input.
type Result struct {
	New       int64 `json:"new"`
	Duplicate int64 `json:"duplicate"`
	Rejected  int64 `json:"rejected"`
}

// String is the summary line that `plaudit import` prints and other tools read:
// "imported N new, M duplicate, K rejected".
func (r Result) String() string {
	return fmt.Sprintf("imported %d new, %d duplicate, %d rejected", r.New, r.Duplicate, r.Rejected)
}

// Reject is one problem of one rejected line, as written to a rejects file.
type Reject struct {
	Line      int    `json:"line"`
	Field     string `json:"field"`
	Reason    string `json:"reason"`
	Raw       string `json:"raw"`                  // the line as read; invalid UTF-8 shows as U+FFFD…
	RawBase64 string `json:"raw_base64,omitempty"` // …and then the exact bytes are here
}

// CheckResult is what Check found.
type CheckResult struct {
	Events  int64                // valid events
	Invalid []*eventio.LineError // the first MaxReported bad lines
	Bad     int64                // bad lines in all
}

// MaxReported bounds the bad lines Check keeps in memory; onBad still sees every one.
const MaxReported = 1000

// Check reads r in format f and reports every bad line, without touching a store. onBad, if not nil, is
// called for each bad line as it is found, with the line's bytes (valid only during the call). The error is
// nil unless reading failed or the file is unreadable as a whole (a bad CSV header); bad lines are in the
// result.
//
// JSON Lines are checked in parallel, one worker per core, with results reported in input order.
func Check(ctx context.Context, r io.Reader, f eventio.Format, progress func(int64), onBad func(le *eventio.LineError, raw []byte)) (*CheckResult, error) {
	if w := numWorkers(); f == eventio.JSONL && w > 1 {
		return checkParallel(ctx, r, w, progress, onBad)
	}
	return checkSerial(ctx, r, f, progress, onBad)
}

func checkSerial(ctx context.Context, r io.Reader, f eventio.Format, progress func(int64), onBad func(le *eventio.LineError, raw []byte)) (*CheckResult, error) {
	d := eventio.NewDecoder(r, f)
	res := &CheckResult{}
	var ev plaudit.Event
	for n := 0; ; n++ {
		if n%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return res, err
			}
			if progress != nil {
				progress(d.Offset())
			}
		}
		err := d.Decode(&ev)
		if err == io.EOF {
			break
		}
		var le *eventio.LineError
		if errors.As(err, &le) {
			res.Bad++
			if len(res.Invalid) < MaxReported {
				res.Invalid = append(res.Invalid, le)
			}
			if onBad != nil {
				onBad(le, d.Raw())
			}
			continue
		}
		if err != nil {
			return res, err
		}
		res.Events++
	}
	if progress != nil {
		progress(d.Offset())
	}
	return res, nil
}

// batch is a run of decoded events and the input line of each.
type batch struct {
	events []plaudit.Event
	lines  []int
}

// Import decodes r and appends its events to store in batches, decoding the next batch while the previous
// one is written. A store that can append in bulk (plaudit.BulkEventStore) gets the batches in one
// transaction per opts.CommitEvery events; any other store commits each batch. Bad lines stop the import
// with a *plaudit.ValidationError unless opts.SkipInvalid is set, in which case they are counted, written to
// opts.Rejects, and skipped — so check the file first (or as it is imported, with opts.Gate) when it must be
// refused whole. On an error, what was committed stays stored and the Result counts it; running the same
// import again completes it.
func Import(ctx context.Context, store plaudit.EventStore, r io.Reader, opts Options) (Result, error) {
	size := opts.Batch
	if size <= 0 {
		size = DefaultBatch
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()

	var res Result
	var badLines int64 // written by the decoder, read after it has finished
	batches := make(chan batch, 2)
	decodeErr := make(chan error, 1)
	rejects := newRejectWriter(opts.Rejects)
	go func() {
		defer close(batches)
		decodeErr <- decode(ctx, r, opts, size, batches, &badLines, rejects)
	}()

	var (
		appendErr   error
		pending     Result // counts of the batches appended since the last commit
		uncommitted int
	)
	app, err := beginAppend(ctx, store)
	if err != nil {
		cancel()
		for range batches { // let the decoder finish
		}
		<-decodeErr
		return res, err
	}
	defer app.Close()
	_, perBatch := app.(batchAppender)
	bulk := !perBatch
	gate := opts.Gate // called once, then nil
	passGate := func() bool {
		if gate == nil {
			return true
		}
		g := gate
		gate = nil
		if appendErr = g(); appendErr != nil {
			cancel()
			return false
		}
		return true
	}
	commitEvery := opts.CommitEvery
	if commitEvery <= 0 {
		commitEvery = DefaultCommitEvery
	}
	commit := func() {
		if bulk && !passGate() {
			return
		}
		if appendErr = app.Commit(ctx); appendErr != nil {
			cancel()
			return
		}
		res.New += pending.New
		res.Duplicate += pending.Duplicate
		res.Rejected += pending.Rejected
		pending, uncommitted = Result{}, 0
	}
batches:
	for b := range batches {
		if appendErr != nil || (!bulk && !passGate()) {
			continue // drain, so that the decoder can finish
		}
		results, err := app.AppendEvents(ctx, b.events)
		if err != nil {
			appendErr = fmt.Errorf("append events of lines %d–%d: %w", b.lines[0], b.lines[len(b.lines)-1], err)
			cancel()
			continue
		}
		for i, ar := range results {
			switch ar.Status {
			case plaudit.Accepted:
				pending.New++
			case plaudit.Duplicate:
				pending.Duplicate++
			default: // the store refused an event that passed validation
				fe := ar.Error
				if fe == nil {
					fe = &plaudit.FieldError{Reason: "rejected by the store"}
				}
				fe.Line = b.lines[i]
				if !opts.SkipInvalid {
					appendErr = &plaudit.ValidationError{Input: "input", Errors: []*plaudit.FieldError{fe}}
					cancel()
					continue batches
				}
				pending.Rejected++
				rejects.write(fe.Line, []*plaudit.FieldError{fe}, nil)
			}
		}
		if uncommitted += len(b.events); !bulk || uncommitted >= commitEvery {
			commit()
		}
	}
	if appendErr == nil && uncommitted > 0 {
		commit()
	}
	err = <-decodeErr
	res.Rejected += badLines
	if appendErr != nil {
		return res, appendErr
	}
	if err != nil {
		return res, err
	}
	if rejects.err != nil {
		return res, fmt.Errorf("write rejects: %w", rejects.err)
	}
	return res, nil
}

// beginAppend starts a bulk append if store offers one, and otherwise returns an appender that commits each
// batch as it goes.
func beginAppend(ctx context.Context, store plaudit.EventStore) (plaudit.EventAppender, error) {
	if bs, ok := store.(plaudit.BulkEventStore); ok {
		return bs.BeginAppend(ctx)
	}
	return batchAppender{store}, nil
}

// batchAppender appends each batch in a transaction of its own.
type batchAppender struct{ plaudit.EventStore }

func (batchAppender) Commit(ctx context.Context) error { return ctx.Err() }
func (batchAppender) Close() error                     { return nil }

// decode is Import's producer: it sends batches of valid events and handles bad lines.
func decode(ctx context.Context, r io.Reader, opts Options, size int, out chan<- batch, rejected *int64, rejects *rejectWriter) error {
	d := eventio.NewDecoder(r, opts.Format)
	b := batch{events: make([]plaudit.Event, 0, size), lines: make([]int, 0, size)}
	send := func() bool {
		if opts.Progress != nil {
			opts.Progress(d.Offset())
		}
		select {
		case out <- b:
		case <-ctx.Done():
			return false
		}
		b = batch{events: make([]plaudit.Event, 0, size), lines: make([]int, 0, size)}
		return true
	}
	for {
		b.events = append(b.events, plaudit.Event{})
		err := d.Decode(&b.events[len(b.events)-1])
		if err != nil {
			b.events = b.events[:len(b.events)-1]
		}
		if err == io.EOF {
			break
		}
		var le *eventio.LineError
		if errors.As(err, &le) {
			if !opts.SkipInvalid {
				return &plaudit.ValidationError{Input: "input", Errors: le.Errors}
			}
			*rejected++
			rejects.write(le.Line, le.Errors, d.Raw())
			continue
		}
		if err != nil {
			return err
		}
		b.lines = append(b.lines, d.Line())
		if len(b.events) == size && !send() {
			return ctx.Err()
		}
	}
	if len(b.events) > 0 && !send() {
		return ctx.Err()
	}
	return nil
}

// rejectWriter writes Reject lines; it is used by the decoding goroutine and, for events the store refuses,
// by the appending one, so it serialises its writes.
type rejectWriter struct {
	mu  chan struct{}
	w   io.Writer
	enc *json.Encoder
	err error
}

func newRejectWriter(w io.Writer) *rejectWriter {
	rw := &rejectWriter{mu: make(chan struct{}, 1), w: w}
	if w != nil {
		rw.enc = json.NewEncoder(w)
		rw.enc.SetEscapeHTML(false)
	}
	return rw
}

func (rw *rejectWriter) write(line int, errs []*plaudit.FieldError, raw []byte) {
	if rw.enc == nil {
		return
	}
	rw.mu <- struct{}{}
	defer func() { <-rw.mu }()
	for _, fe := range errs {
		rec := Reject{Line: line, Field: fe.Field, Reason: fe.Reason, Raw: string(raw)}
		if !utf8.Valid(raw) {
			rec.RawBase64 = base64.StdEncoding.EncodeToString(raw)
		}
		if err := rw.enc.Encode(rec); err != nil && rw.err == nil {
			rw.err = err
		}
	}
}

// ImportFile imports the file at path: with opts.SkipInvalid it appends the good lines and writes the bad
// ones to opts.Rejects; otherwise it checks the whole file as it imports it (see Checker) and, if any line
// is bad, stores nothing and returns a *plaudit.ValidationError listing the bad lines, with Result.Rejected
// counting them. onBad, if set, sees each bad line as the check finds it.
func ImportFile(ctx context.Context, store plaudit.EventStore, path string, opts Options, onBad func(le *eventio.LineError, raw []byte)) (Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return Result{}, plaudit.Errorf(plaudit.EINVALID, "open %s: %v", path, errors.Unwrap(err))
	}
	defer f.Close()
	var chk *Checker
	if !opts.SkipInvalid {
		g, err := os.Open(path)
		if err != nil {
			return Result{}, plaudit.Errorf(plaudit.EINVALID, "open %s: %v", path, errors.Unwrap(err))
		}
		defer g.Close()
		chk = StartCheck(ctx, g, opts.Format, nil, onBad)
		defer chk.Stop()
		opts.Gate = chk.Gate
	}
	res, err := Import(ctx, store, f, opts)
	if chk != nil {
		// The check's verdict on the file comes first: it lists every bad line, where the import stopped
		// at the first, and it is why nothing was stored.
		cres, cerr := chk.Wait()
		if cerr != nil && ctx.Err() == nil {
			return Result{}, fmt.Errorf("check %s: %w", path, cerr)
		}
		if cerr == nil && cres.Bad > 0 {
			return Result{Rejected: cres.Bad}, cres.Err(path)
		}
	}
	if err != nil {
		var ve *plaudit.ValidationError
		if errors.As(err, &ve) {
			ve.Input = path
		}
		return res, fmt.Errorf("import %s: %w", path, err)
	}
	return res, nil
}
