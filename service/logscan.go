package service

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/settle"
	"github.com/plaudit/plaudit/spool"
)

// logView is what an epoch close and an integrity run need of the event log: where it ends (Seq), the
// member directory of all of it (directory), the members' kinds and wallets (memberInfos), and, on demand,
// the events of one window and whether anything that changes a window's integrity run was recorded after
// some position.
//
// A streamed view (peekLogView) holds nothing at first: it knows where the log ends, builds the directory by
// streaming the log from the store once, when first asked, and reads a window's events again, one window at
// a time, when an integrity run needs them. A close whose integrity runs are current never builds the
// directory: the members' kinds and wallets come from the few events of plaudit.DirectoryKinds, read by an
// index. That is what keeps a close of a million-member community within bounded memory and time. A view of
// a Log already in memory (Log.view) answers from it instead.
type logView struct {
	Seq      int64
	dir      *plaudit.Directory // the whole log's directory, once built
	log      *Log               // the whole log, when it was read into memory; nil for a streamed view
	st       *Service           // the service whose store a streamed view reads
	progress Progress           // told of the walk that builds a streamed view's directory
	// keptMembers is set when memberInfos took the members' kinds and wallets a rescore kept.
	keptMembers bool
}

// view returns the logView of a log read into memory.
func (l *Log) view() *logView {
	return &logView{Seq: l.Seq, dir: l.Directory(0), log: l}
}

// peekLogView returns a streamed view of the log as it ends now, reading none of it.
func (s *Service) peekLogView(ctx context.Context, progress Progress) (*logView, error) {
	seq, err := s.store.LogSeq(ctx)
	if err != nil {
		return nil, err
	}
	return &logView{Seq: seq, st: s, progress: progress}, nil
}

// streamLogView returns a streamed view of the log as it ends now with its directory built.
func (s *Service) streamLogView(ctx context.Context, progress Progress) (*logView, error) {
	v, err := s.peekLogView(ctx, progress)
	if err != nil {
		return nil, err
	}
	if _, err := v.directory(ctx); err != nil {
		return nil, err
	}
	return v, nil
}

// directory returns the member directory of the view's log: for a streamed view, built event by event
// (exactly as plaudit.BuildDirectory builds it from the whole log, but without its identity history) by
// reading the log through Seq once, the first time it is asked for. What reads it (the integrity checks,
// the sybil check's account moves through AccountHolders) needs no history, which at a million members was
// 580 MB of an integrity run's live heap; memberInfos reads the wallets from the identity events instead.
func (v *logView) directory(ctx context.Context) (*plaudit.Directory, error) {
	if v.dir != nil {
		return v.dir, nil
	}
	dir := plaudit.NewDirectory().WithoutHistory()
	var n int64
	err := v.st.logSource(ctx, v.Seq)(func(e *plaudit.Event) error {
		dir.Apply(e)
		if n++; n%16384 == 0 {
			v.progress.report("events", n, max(v.Seq, n)) // Seq bounds the count (seqs may have gaps)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the event log: %w", err)
	}
	v.progress.report("events", n, n)
	v.dir = dir
	return dir, nil
}

// memberInfos returns every member's kind and payout wallet as MemberInfos gives them from the whole log's
// directory. A streamed view takes those the rescore of the log through Seq kept, when the store kept them
// (plaudit.MemberPayoutStore); else it reads only the events of plaudit.DirectoryKinds through Seq (its
// directory, when built, keeps no history, where MemberInfos finds the wallets). Both leave out community
// members without a wallet, which is what a close takes a member missing from the map for.
func (v *logView) memberInfos(ctx context.Context) (map[string]settle.MemberInfo, error) {
	if v.log != nil {
		return MemberInfos(v.dir), nil
	}
	// The rescore whose scores are the log's through Seq kept them (plaudit.MemberPayoutStore).
	if ps, ok := v.st.store.(plaudit.MemberPayoutStore); ok && v.Seq > 0 {
		ms, through, err := ps.MemberPayouts(ctx)
		switch {
		case err == nil && through == v.Seq:
			v.keptMembers = true
			out := make(map[string]settle.MemberInfo, len(ms))
			for _, m := range ms {
				out[m.Member] = settle.MemberInfo{Kind: m.Kind, Wallet: m.Wallet}
			}
			return out, nil
		case err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND:
			return nil, err
		}
	}
	dir := plaudit.NewDirectory().WithWalletHistory() // MemberInfos reads the wallet changes alone
	if v.Seq > 0 {
		err := v.st.store.ScanEvents(ctx, plaudit.EventFilter{DirectoryKinds: true}, func(e *plaudit.Event) error {
			if e.Seq > v.Seq {
				return errStopScan // recorded after the view was read: not part of it
			}
			dir.Apply(e)
			return nil
		})
		if err != nil && !errors.Is(err, errStopScan) {
			return nil, fmt.Errorf("read the identity events: %w", err)
		}
	}
	return MemberInfos(dir), nil
}

// errStopScan ends a scan early; it never leaves this file.
var errStopScan = errors.New("stop the scan")

// stream returns the events of the view with times in [from, to) (zero: unbounded) as a replayable stream
// in seq order: each walk filters the log in memory or scans the store afresh, up to the view's end, so
// that an integrity run holds none of them.
func (v *logView) stream(ctx context.Context, from, to time.Time) plaudit.EventStream {
	in := func(e *plaudit.Event) bool {
		return (from.IsZero() || !e.Time.Before(from)) && (to.IsZero() || e.Time.Before(to))
	}
	if v.log != nil {
		events := v.log.Events
		return func(yield func(*plaudit.Event) error) error {
			for i := range events {
				if in(&events[i]) {
					if err := yield(&events[i]); err != nil {
						return err
					}
				}
			}
			return nil
		}
	}
	if v.Seq <= 0 {
		return plaudit.StreamOf(nil) // the log was empty when the view was read
	}
	if from.IsZero() && to.IsZero() {
		return v.st.logSource(ctx, v.Seq)
	}
	return func(yield func(*plaudit.Event) error) error {
		var yieldErr error
		err := v.st.store.ScanEvents(ctx, plaudit.EventFilter{Since: from, Until: to}, func(e *plaudit.Event) error {
			if e.Seq > v.Seq {
				return errStopScan // recorded after the view was read: not part of it
			}
			if !in(e) {
				return nil
			}
			if yieldErr = yield(e); yieldErr != nil {
				return yieldErr
			}
			return nil
		})
		if yieldErr != nil {
			return yieldErr
		}
		if err != nil && !errors.Is(err, errStopScan) {
			return fmt.Errorf("read the events of %s – %s: %w", from.Format(time.RFC3339), to.Format(time.RFC3339), err)
		}
		return nil
	}
}

// changedSince reports whether the view holds, after seq, an event of the window [from, to) or an identity
// change: either would change an integrity run over the window.
func (v *logView) changedSince(ctx context.Context, seq int64, from, to time.Time) (bool, error) {
	changes := func(e *plaudit.Event) bool {
		return e.Kind.IsIdentity() || (!e.Time.Before(from) && e.Time.Before(to))
	}
	if v.log != nil {
		for i := len(v.log.Events) - 1; i >= 0 && v.log.Events[i].Seq > seq; i-- {
			if changes(&v.log.Events[i]) {
				return true, nil
			}
		}
		return false, nil
	}
	changed := false
	err := v.st.store.ScanEvents(ctx, plaudit.EventFilter{AfterSeq: seq}, func(e *plaudit.Event) error {
		if e.Seq > v.Seq {
			return errStopScan
		}
		if changes(e) {
			changed = true
			return errStopScan
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return false, fmt.Errorf("read the events after seq %d: %w", seq, err)
	}
	return changed, nil
}

// readLogThrough reads the events with seq ≤ through (the whole log when through ≤ 0) into memory: what
// verify replays of an epoch closed at through, without the events recorded since.
func (s *Service) readLogThrough(ctx context.Context, through int64) (*Log, error) {
	if through <= 0 {
		return s.ReadLog(ctx, nil)
	}
	l := &Log{}
	err := s.store.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		if e.Seq > through {
			return errStopScan
		}
		l.Events = append(l.Events, *e)
		l.Seq = e.Seq
		return nil
	})
	if err != nil && !errors.Is(err, errStopScan) {
		return nil, fmt.Errorf("read the event log through seq %d: %w", through, err)
	}
	return l, nil
}

// logSource is the event log through seq (the whole log when through ≤ 0) as a replayable plaudit.EventStream:
// each walk is a fresh scan of the store, so nothing of the log is held between events.
//
// A walk reads the log in pages of logPage events by seq, each its own query, read whole before its events
// are handed on (the next page is read meanwhile, beside the consumer): no read transaction stays open
// while the walk's consumer writes. SQLite cannot restart its
// write-ahead log while a reader holds a snapshot, so a rescore whose scoring walk was one query grew the
// WAL by every score it wrote meanwhile (7.5 GB at 100,000 members); PostgreSQL's vacuum likewise waits for
// the oldest snapshot. The log is append-only and each walk ends at a fixed seq, so the pages together are
// the same events as one query.
func (s *Service) logSource(ctx context.Context, through int64) plaudit.EventStream {
	return func(yield func(*plaudit.Event) error) error {
		end := through
		if end <= 0 {
			var err error
			if end, err = s.store.LogSeq(ctx); err != nil {
				return err
			}
		}
		// The next page is read while the walk's consumer takes this one: the store's query (the
		// PostgreSQL server's work, SQLite's decoding) runs beside the consumer on a machine's other core.
		type result struct {
			page []*plaudit.Event
			err  error
		}
		pages := make(chan result, 1)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			defer close(pages)
			for after := int64(0); after < end; {
				page := make([]*plaudit.Event, 0, logPage)
				err := s.store.ScanEvents(ctx, plaudit.EventFilter{AfterSeq: after, Limit: logPage}, func(e *plaudit.Event) error {
					if e.Seq > end {
						return errStopScan
					}
					page = append(page, e)
					return nil
				})
				last := err != nil || len(page) < logPage
				if errors.Is(err, errStopScan) {
					err = nil
				}
				select {
				case pages <- result{page, err}:
				case <-stop:
					return
				}
				if last {
					return
				}
				after = page[len(page)-1].Seq
			}
		}()
		defer func() {
			close(stop)
			<-done
		}()
		for r := range pages {
			if r.err != nil {
				return r.err
			}
			for _, e := range r.page {
				if err := yield(e); err != nil {
					return err
				}
			}
		}
		return nil
	}
}

// spooled returns src as a stream whose walks after its first complete one read a temporary file (in the
// system's temporary directory, TMPDIR) instead of the store, the same without the events' Content for the
// walks that read no text (spool.Spool.WithoutContent), and the function that removes the file. It is
// for the whole-history runs that walk the log five or six times: a walk of the store costs about 3 µs an
// event on SQLite, a walk of the file about 1 µs. The file is about two thirds the size of the events' JSON
// Lines (1.8 GB for the 9.8 million events of a generated million-member community). Every walk stops
// with ctx's error soon after ctx is done, as a walk of the store does, so that a run interrupted
// (SIGINT, SIGTERM) stops in its replays too.
func spooled(ctx context.Context, src plaudit.EventStream) (whole, textless plaudit.EventStream, remove func()) {
	sp := spool.New(src, "")
	return cancelable(ctx, sp.Stream()), cancelable(ctx, sp.WithoutContent()), func() {
		if err := sp.Close(); err != nil {
			slog.Warn("remove the event spool", "err", err)
		}
	}
}

// cancelable returns src stopping with ctx's error within a few thousand events of ctx being done.
func cancelable(ctx context.Context, src plaudit.EventStream) plaudit.EventStream {
	done := ctx.Done()
	if done == nil {
		return src
	}
	return func(yield func(*plaudit.Event) error) error {
		n := 0
		return src(func(e *plaudit.Event) error {
			if n++; n%4096 == 0 {
				select {
				case <-done:
					return ctx.Err()
				default:
				}
			}
			return yield(e)
		})
	}
}

// logPage is how many events one query of a walk of the log reads (logSource). A page is held whole: pages
// of 20,000 showed as 170–270 MB of a rescore's largest live heap (profiles at 100,000 and 1,000,000
// members); 5,000 hold a quarter of that, and the 2,000 queries of a walk of 10,000,000 events cost little.
var logPage = 5_000
