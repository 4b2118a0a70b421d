package service

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/reputation"
	"github.com/plaudit/plaudit/score"
)

// ScoreResult says what a scoring run did.
type ScoreResult struct {
	Policy *policy.Policy
	// Full is true for a whole-history run (every event rescored), false for a catch-up that streamed only
	// the events that arrived since the last run.
	Full bool
	// Events is how many events were scored: the whole log for a full run, the new ones for a catch-up.
	Events int
	// Through is the log position the policy's scores now reach.
	Through int64
	// Scores are the scores made: every score of the log for a full run, the new ones for a catch-up. A
	// streamed rescore (RescoreStreamed) holds none: Count, Members and Top say what it made.
	Scores []plaudit.Score
	// Count is how many scores were made (len(Scores) when they are kept).
	Count int
	// Members is how many members got a score, and Top the first of them by points (RescoreStreamed's top),
	// with their reasons, as score.Totals orders them.
	Members int
	Top     []score.MemberTotal
}

// RescoreStreamed is Rescore in bounded memory, what `plaudit score` and the rescore job run: the log is
// read from the store as a stream (score.RunStream walks it three times, holding per-member and per-post
// state but no events), and the scores are written through a ScoreRewriter as they are made, never held.
// The stored result is Rescore's, row for row. It returns the count of scores and members and the top
// members (their totals and reasons read back from the store), not the scores. A service that streams
// catch-ups (serve) rescores with the log in memory instead, since its live engine continues from it.
func (s *Service) RescoreStreamed(ctx context.Context, progress Progress, top int) (*ScoreResult, error) {
	if s.stream {
		res, err := s.Rescore(ctx, progress)
		if err != nil {
			return nil, err
		}
		totals := score.Totals(res.Scores)
		res.Members, res.Top = len(totals), totals[:min(top, len(totals))]
		res.Scores = nil
		return res, nil
	}
	pol, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	s.scoreMu.Lock()
	defer s.scoreMu.Unlock()
	// The first walk reads the log to its end and fixes that end: later walks stop there, so events appended
	// meanwhile are left to the next run, as Rescore leaves those appended after its read.
	var through, events int64
	first := true
	var total int64
	if progress != nil {
		if stats, err := s.store.EventStats(ctx); err == nil {
			total = stats.Total
		}
	}
	src := func(yield func(*plaudit.Event) error) error {
		if !first {
			if through == 0 {
				return nil // the log was empty: events appended since are left to the next run
			}
			return s.logSource(ctx, through)(yield)
		}
		err := s.logSource(ctx, 0)(func(e *plaudit.Event) error {
			through = e.Seq
			if events++; events%16384 == 0 {
				progress.report("events", events, max(total, events))
			}
			return yield(e)
		})
		if err == nil {
			first = false
			progress.report("events", events, events)
		}
		return err
	}
	src, textless, unspool := spooled(ctx, src)
	defer unspool()
	hash := pol.Hash()
	type tally struct {
		points plaudit.Points
		n      int
	}
	byMember := map[string]*tally{}
	var rw plaudit.ScoreRewriter
	var batch []plaudit.Score
	count := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		err := rw.Add(ctx, batch)
		batch = batch[:0]
		return err
	}
	s.live = nil
	// The epoch reputation vectors the run weighs scores with are kept with the scores (when the store
	// can), so that an epoch close of this log does not walk it twice to compute its epoch's again.
	type computed struct {
		start time.Time
		trust []plaudit.TrustValue
	}
	var snaps []computed
	opt := score.StreamOptions{Progress: func(done int) { progress.report("scored", int64(done), events) }, WithoutContent: textless}
	if _, ok := s.store.(plaudit.ScoreReputationStore); ok {
		opt.Snapshot = func(start time.Time, snap *reputation.Snapshot) {
			snaps = append(snaps, computed{start, snap.Trust()})
		}
	}
	// So are the members' kinds and wallets at the log's end, which the close would otherwise replay the
	// identity events for: held encoded while scoring (bytes the collector does not scan).
	var payouts []byte
	if _, ok := s.store.(plaudit.MemberPayoutStore); ok {
		opt.Members = func(dir *plaudit.Directory) { payouts = plaudit.EncodeMemberPayouts(memberPayouts(dir)) }
	}
	_, err = score.RunStream(pol, src, opt,
		func(sc *plaudit.Score) error {
			if rw == nil {
				var err error
				if rw, err = s.store.RewriteScores(ctx, hash, through); err != nil {
					return err
				}
			}
			count++
			t := byMember[sc.Member]
			if t == nil {
				t = &tally{}
				byMember[sc.Member] = t
			}
			t.points += sc.Points
			t.n++
			batch = append(batch, *sc)
			if len(batch) == 1024 {
				return flush()
			}
			return nil
		})
	if err == nil && rw == nil {
		// No scores: the rewrite still records that the log through its end is scored (or, for an empty
		// log, removes the policy's scores, as ReplaceScores does).
		if through > 0 {
			rw, err = s.store.RewriteScores(ctx, hash, through)
		} else {
			err = s.store.ReplaceScores(ctx, hash, 0, nil)
		}
	}
	if err == nil && rw != nil {
		if err = flush(); err == nil {
			err = rw.Commit(ctx)
		}
	}
	if rs, ok := s.store.(plaudit.ScoreReputationStore); ok && err == nil && through > 0 {
		for _, c := range snaps {
			if err = rs.SaveScoreReputation(ctx, hash, c.start, through, c.trust); err != nil {
				break
			}
		}
	}
	if ps, ok := s.store.(plaudit.MemberPayoutStore); ok && err == nil && through > 0 && payouts != nil {
		var ms []plaudit.MemberPayout
		if ms, err = plaudit.DecodeMemberPayouts(payouts); err == nil {
			err = ps.SaveMemberPayouts(ctx, through, ms)
		}
	}
	s.forgetLiveState()
	if err != nil {
		return nil, fmt.Errorf("rescore under %s: %w", hash, err)
	}
	s.log.Info("rescored the log", "policy", hash, "events", events, "scores", count, "through", through)
	res := &ScoreResult{Policy: pol, Full: true, Events: int(events), Through: through, Count: count, Members: len(byMember)}
	// The top members, ordered as score.Totals orders them, with their reasons from their stored scores.
	type entry struct {
		member string
		points plaudit.Points
	}
	ranked := make([]entry, 0, len(byMember))
	for m, t := range byMember {
		ranked = append(ranked, entry{m, t.points})
	}
	slices.SortFunc(ranked, func(a, b entry) int {
		if a.points != b.points {
			return cmp.Compare(b.points, a.points)
		}
		return strings.Compare(a.member, b.member)
	})
	for _, e := range ranked[:min(top, len(ranked))] {
		scores, err := s.store.ScoresByMember(ctx, hash, e.member)
		if err != nil {
			return nil, err
		}
		if t := score.Totals(scores); len(t) == 1 {
			res.Top = append(res.Top, t[0])
		}
	}
	return res, nil
}

// Rescore scores the whole log under the active policy and replaces that policy's stored scores with the
// result (in bounded transactions, so appends are not kept waiting). This is what settlement needs: the
// whole-history scores of exactly the log it settles from.
func (s *Service) Rescore(ctx context.Context, progress Progress) (*ScoreResult, error) {
	pol, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	log, err := s.ReadLog(ctx, progress)
	if err != nil {
		return nil, err
	}
	s.scoreMu.Lock()
	defer s.scoreMu.Unlock()
	scores, err := s.rescoreLocked(ctx, pol, log, progress)
	if err != nil {
		return nil, err
	}
	return &ScoreResult{Policy: pol, Full: true, Events: len(log.Events), Through: log.Seq, Scores: scores, Count: len(scores)}, nil
}

// rescoreLocked scores log under pol with the whole-history engine and stores the result as the policy's
// scores through log.Seq. The caller holds scoreMu.
func (s *Service) rescoreLocked(ctx context.Context, pol *policy.Policy, log *Log, progress Progress) ([]plaudit.Score, error) {
	total := int64(len(log.Events))
	scores, en, err := score.RunEngine(pol, log.Events, nil, func(done int) { progress.report("scored", int64(done), total) })
	if err != nil {
		return nil, err
	}
	s.live = nil
	err = s.store.ReplaceScores(ctx, pol.Hash(), log.Seq, scores)
	s.forgetLiveState()
	if err != nil {
		return nil, fmt.Errorf("save the scores of %s: %w", pol.Hash(), err)
	}
	// The engine has seen the whole log: catch-ups stream from it.
	if s.stream {
		s.live = &liveEngine{hash: pol.Hash(), seq: log.Seq, en: en}
	}
	s.log.Info("rescored the log", "policy", pol.Hash(), "events", len(log.Events), "scores", len(scores), "through", log.Seq)
	return scores, nil
}

// CatchUp scores the events that arrived since the active policy's scores were last brought up to date,
// with the streaming engine (each event scored as it arrives, seeing only what came before it). A policy
// never scored gets a whole-history run instead. A catch-up with nothing new does nothing.
//
// Streamed scores keep leaderboards current; an epoch close still settles only from whole-history scores
// (CloseEpochs rescores first when the log has grown), because a like or a reply that arrives later can
// change what an earlier event is worth.
func (s *Service) CatchUp(ctx context.Context) (*ScoreResult, error) {
	pol, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	s.scoreMu.Lock()
	defer s.scoreMu.Unlock()
	hash := pol.Hash()
	state, err := s.store.ScoreState(ctx, hash)
	if err != nil {
		return nil, err
	}
	res := &ScoreResult{Policy: pol, Through: state.ScoredSeq}
	var fresh []plaudit.Event
	if s.live != nil && s.live.hash == hash && s.live.seq < state.ScoredSeq && state.FullSeq >= 0 && s.live.seq >= state.FullSeq {
		// Another process (a second worker on the same database) scored the events after ours: the
		// engine is deterministic, so adding them, and dropping the scores it saved already, leaves it where
		// a rebuild from the log would, for the events since instead of the whole log.
		err := s.store.ScanEvents(ctx, plaudit.EventFilter{AfterSeq: s.live.seq}, func(e *plaudit.Event) error {
			if e.Seq <= state.ScoredSeq {
				s.live.en.Add(e)
				s.live.seq = e.Seq
				return nil
			}
			fresh = append(fresh, *e)
			return nil
		})
		if err == nil {
			err = s.live.en.Err()
		}
		if err != nil {
			s.live = nil
			return nil, fmt.Errorf("read the events another process scored: %w", err)
		}
		s.live.seq = state.ScoredSeq
		s.advanced++
	} else if s.live == nil || s.live.hash != hash || s.live.seq != state.ScoredSeq {
		// Build the streaming engine from the log the scores already cover.
		log, err := s.ReadLog(ctx, nil)
		if err != nil {
			return nil, err
		}
		if state.ScoredSeq <= 0 || state.FullSeq < 0 {
			scores, err := s.rescoreLocked(ctx, pol, log, nil)
			if err != nil {
				return nil, err
			}
			res.Full, res.Events, res.Through, res.Scores, res.Count = true, len(log.Events), log.Seq, scores, len(scores)
			return res, nil
		}
		// A whole-history pass over what is scored already (its scores are not saved) leaves an engine that
		// has seen it all, from which the new events stream.
		old := log.Through(state.ScoredSeq)
		_, en, err := score.RunEngine(pol, old, nil, nil)
		if err != nil {
			return nil, err
		}
		s.live = &liveEngine{hash: hash, seq: state.ScoredSeq, en: en}
		fresh = log.Events[len(old):]
	} else {
		err := s.store.ScanEvents(ctx, plaudit.EventFilter{AfterSeq: s.live.seq}, func(e *plaudit.Event) error {
			fresh = append(fresh, *e)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("read new events: %w", err)
		}
	}
	if len(fresh) == 0 {
		return res, nil
	}
	var scores []plaudit.Score
	for i := range fresh {
		scores = append(scores, s.live.en.Add(&fresh[i])...)
	}
	if err := s.live.en.Err(); err != nil {
		s.live = nil
		return nil, err
	}
	through := fresh[len(fresh)-1].Seq
	err = s.store.SaveScores(ctx, hash, through, scores)
	s.forgetLiveState()
	if err != nil {
		s.live = nil
		return nil, fmt.Errorf("save streamed scores: %w", err)
	}
	s.live.seq = through
	if !s.stream {
		s.live = nil
	}
	res.Events, res.Through, res.Scores, res.Count = len(fresh), through, scores, len(scores)
	return res, nil
}

// currentScores makes sure the stored scores of pol are the whole-history scores of exactly log, rescoring
// when they are not (or, with noRescore, refusing with a message that says what to run). It reports
// whether it rescored. A log that another process has since rescored past returns errLogMoved: read it
// again.
func (s *Service) currentScores(ctx context.Context, pol *policy.Policy, log *Log, noRescore bool, progress Progress) (bool, error) {
	state, err := s.store.ScoreState(ctx, pol.Hash())
	if err != nil {
		return false, err
	}
	switch {
	case state.FullSeq == log.Seq:
		return false, nil
	case state.FullSeq > log.Seq:
		return false, errLogMoved
	case noRescore:
		have := "no whole-history scores"
		if state.FullSeq > 0 {
			have = fmt.Sprintf("whole-history scores through event seq %d", state.FullSeq)
		} else if state.FullSeq < 0 {
			have = "a rescore under way"
		}
		return false, plaudit.Errorf(plaudit.ECONFLICT, "the scores under policy %s are stale: it has %s, but the log holds events through seq %d: run `plaudit score` first (or close without --no-rescore)",
			pol.Hash(), have, log.Seq)
	}
	s.scoreMu.Lock()
	defer s.scoreMu.Unlock()
	if _, err := s.rescoreLocked(ctx, pol, log, progress); err != nil {
		return false, err
	}
	return true, nil
}

// errLogMoved says that the log grew and was rescored by someone else while a close read it.
var errLogMoved = plaudit.Errorf(plaudit.ECONFLICT, "the log was rescored past what this close read: read it again")
