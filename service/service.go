// Package service is Plaudit's application layer: each use case once — append events, score and rescore,
// run integrity, close and verify epochs — over the store interfaces of the root package and the pure
// engine packages. The CLI, the HTTP API, the scheduled jobs, and later the Discord bot and the panel call
// these functions; none of them writes a use case again, and nothing here prints.
//
// The service keeps the pipeline correct by itself: an epoch closes only from whole-history scores of
// exactly the log it settles from (rescoring first when they are stale), with an integrity run over exactly
// its events (running one when none fits), in order, and records the log position it settled from, so that
// verify rebuilds it from the log as it stood then.
package service

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// Service runs Plaudit's use cases over one store. It is safe for concurrent use; scoring runs one at a
// time per Service.
type Service struct {
	store  plaudit.Store
	now    func() time.Time
	log    *slog.Logger
	notify Notifier
	stream bool

	publish Publisher // the bus AppendEvents publishes to; nil stores at once

	scoreMu sync.Mutex // one scoring run (streamed or whole-history) at a time
	live    *liveEngine
	// advanced counts the catch-ups that moved the live engine over events another process scored,
	// instead of rebuilding it from the log (tests read it).
	advanced int

	boards boardCache // the live leaderboards of the store's current state
	rep    repCache   // the reputation snapshot of the epoch in progress, for member pages
}

// Options configure a Service; the zero value is fine.
type Options struct {
	// Now is the clock (time.Now when nil): what decides whether an epoch has ended.
	Now func() time.Time
	// Logger receives what the service does (slog.Default() when nil).
	Logger *slog.Logger
	// Notify is told when events are appended and when a policy is activated, so that a scheduler can
	// score them soon; nil tells nobody.
	Notify Notifier
	// Streaming keeps the scoring engine of the last run in memory, so that each CatchUp scores only the
	// events that arrived since (a long-running server wants it; a command that scores once does not, and
	// saves the memory).
	Streaming bool
	// Publish, when set, takes the events AppendEvents accepts to a bus (NATS JetStream) instead of the
	// store: receivers publish, and workers store what they consume with StoreEvents. nil stores at once.
	Publish Publisher
}

// Publisher takes validated events to a durable bus, returning once the bus holds every one of them (an
// error means some may not be held, and the caller should answer so that the sender retries).
type Publisher interface {
	PublishEvents(ctx context.Context, events []plaudit.Event) error
}

// Notifier hears of changes that call for scoring: the server's scheduler implements it.
type Notifier interface {
	// EventsAppended says that n new events were appended to the log.
	EventsAppended(n int)
	// PolicyActivated says that the policy with the given hash became the active one.
	PolicyActivated(hash string)
}

// New returns a Service over st. The caller keeps st and closes it.
func New(st plaudit.Store, o Options) *Service {
	s := &Service{store: st, now: o.Now, log: o.Logger, notify: o.Notify, publish: o.Publish, stream: o.Streaming}
	if s.now == nil {
		s.now = time.Now
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	return s
}

// Store returns the store the service runs over.
func (s *Service) Store() plaudit.Store { return s.store }

// Progress hears how far a long step has come: done of total units of stage ("events", "scores"); total
// is 0 when unknown. Calls come from the goroutine doing the work; keep them cheap.
type Progress func(stage string, done, total int64)

func (p Progress) report(stage string, done, total int64) {
	if p != nil {
		p(stage, done, total)
	}
}

// ActivePolicy returns the store's active policy, parsed and checked against its recorded hash.
func (s *Service) ActivePolicy(ctx context.Context) (*policy.Policy, error) {
	rec, err := s.store.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	return PolicyFromRecord(rec)
}

// PolicyFromRecord parses a stored policy and checks that it still hashes to the hash it was stored under.
func PolicyFromRecord(rec *plaudit.PolicyRecord) (*policy.Policy, error) {
	p, err := policy.Parse([]byte(rec.Document), "policy "+rec.Name)
	if err != nil {
		return nil, fmt.Errorf("load policy %s: %w", rec.Hash, err)
	}
	if p.Hash() != rec.Hash {
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "the policy %s was stored as %s but now hashes to %s (this version of plaudit fills in different defaults): review it with `plaudit policy show` and activate it again",
			rec.Name, rec.Hash, p.Hash())
	}
	return p, nil
}

// Log is the event log as read at one moment: the events in seq order, through Seq.
type Log struct {
	Events []plaudit.Event
	Seq    int64 // the highest seq read (0 for an empty log)
}

// Through returns the events with seq ≤ seq (all of them when seq ≤ 0 or past the end).
func (l *Log) Through(seq int64) []plaudit.Event {
	if seq <= 0 || seq >= l.Seq {
		return l.Events
	}
	n := len(l.Events)
	for n > 0 && l.Events[n-1].Seq > seq {
		n--
	}
	return l.Events[:n]
}

// ReadLog reads the whole event log in seq order. Appends hold the log's order (seq order is commit
// order), so what it reads is a prefix of the log: every event with seq ≤ Log.Seq.
func (s *Service) ReadLog(ctx context.Context, progress Progress) (*Log, error) {
	l := &Log{}
	var total int64
	if progress != nil {
		if stats, err := s.store.EventStats(ctx); err == nil {
			total = stats.Total
		}
	}
	err := s.store.ScanEvents(ctx, plaudit.EventFilter{}, func(e *plaudit.Event) error {
		l.Events = append(l.Events, *e)
		l.Seq = e.Seq
		if n := int64(len(l.Events)); n%16384 == 0 {
			progress.report("events", n, total)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the event log: %w", err)
	}
	progress.report("events", int64(len(l.Events)), max(total, int64(len(l.Events))))
	return l, nil
}

// Directory returns the member directory as the log stood at seq (the whole log when seq ≤ 0): identity
// changes recorded later do not count.
func (l *Log) Directory(seq int64) *plaudit.Directory {
	return plaudit.BuildDirectory(l.Through(seq))
}

// liveEngine is the streaming engine of one policy, kept between catch-ups so that each scores only the
// events that arrived since the last.
type liveEngine struct {
	hash string
	seq  int64 // every event through seq has been added
	en   *score.Engine
}
