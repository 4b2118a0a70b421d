package service

import (
	"context"
	"fmt"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/integrity"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/settle"
)

// IntegrityRequest asks for an integrity run over the events of [Since, Until) (zero: unbounded).
type IntegrityRequest struct {
	Since, Until time.Time
	By           string // who runs it, for the record
	Progress     Progress
}

// IntegrityResult is a stored integrity run and the report behind it (rings, sybil signals, flagged members).
type IntegrityResult struct {
	Run    *plaudit.VerdictRun
	Report *integrity.Report
}

// RunIntegrity runs the integrity checks over the events of the request's window with the active policy's
// integrity options (integrity.DefaultOptions when no policy is active), identities taken from the whole
// log, and stores the run.
func (s *Service) RunIntegrity(ctx context.Context, req IntegrityRequest) (*IntegrityResult, error) {
	if !req.Since.IsZero() && !req.Until.IsZero() && !req.Until.After(req.Since) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "integrity: until %s is not after since %s", req.Until.Format(time.RFC3339), req.Since.Format(time.RFC3339))
	}
	pol, err := s.ActivePolicy(ctx)
	if err != nil && plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, err
	}
	// The log is read once for the directory, then the run's events (the whole log or a window, up to
	// where that read ended) are streamed from the store as the checks walk them: nothing holds the events.
	view, err := s.streamLogView(ctx, req.Progress)
	if err != nil {
		return nil, err
	}
	return s.integrityRun(ctx, pol, view, req.Since, req.Until, req.By)
}

// integrityRun checks the events of log in [from, to) under pol (nil: default options) with the directory
// of the whole log, and stores the run with the log position it read.
func (s *Service) integrityRun(ctx context.Context, pol *policy.Policy, log *logView, from, to time.Time, by string) (*IntegrityResult, error) {
	opts, hash := integrity.DefaultOptions(), ""
	if pol != nil {
		opts, hash = pol.Integrity.Options(), pol.Hash()
	}
	dir, err := log.directory(ctx)
	if err != nil {
		return nil, err
	}
	if log.log == nil {
		// The run drops the directory before its collusion search (integrity.RunStream), so a streamed
		// view does not keep it too: memory over time, since a close of several epochs that must run the
		// integrity checks of each walks the log again for the next one's directory.
		log.dir = nil
	}
	events := log.stream(ctx, from, to)
	if log.log == nil {
		// The checks walk the events twice: the second replays the first's from a temporary file.
		var unspool func()
		events, _, unspool = spooled(ctx, events)
		defer unspool()
	}
	rep, err := integrity.RunStreamContext(ctx, events, dir, opts)
	if err != nil {
		return nil, err
	}
	if by == "" {
		by = "plaudit"
	}
	run := &plaudit.VerdictRun{PolicyHash: hash, Since: from, Until: to, Events: rep.Events, ThroughSeq: log.Seq, By: by,
		At: s.now().UTC().Truncate(time.Microsecond), Verdicts: rep.Verdicts}
	run.ID, err = s.store.SaveVerdictRun(ctx, run)
	s.forgetLiveState()
	if err != nil {
		return nil, fmt.Errorf("store integrity run: %w", err)
	}
	return &IntegrityResult{Run: run, Report: rep}, nil
}

// epochIntegrity is what a close applies to window win of log: the stored integrity run over exactly the
// window's events under pol — one that read the log up to a point after which no event of the window and no
// identity change was recorded — or, when there is none, a new run over them; merged with the moderators'
// standing flags. It returns the verdicts, the run used, and whether it ran it now.
func (s *Service) epochIntegrity(ctx context.Context, pol *policy.Policy, log *logView, win settle.Window, by string) ([]plaudit.Verdict, *plaudit.VerdictRun, bool, error) {
	runs, err := s.store.VerdictRuns(ctx)
	if err != nil {
		return nil, nil, false, err
	}
	var use *plaudit.VerdictRun
	ran := false
	for i := range runs { // newest first
		r := &runs[i]
		if r.PolicyHash != pol.Hash() || !r.Since.Equal(win.Start) || !r.Until.Equal(win.End) || r.ThroughSeq <= 0 || r.ThroughSeq > log.Seq {
			continue
		}
		if changed, err := log.changedSince(ctx, r.ThroughSeq, win.Start, win.End); err != nil {
			return nil, nil, false, err
		} else if changed {
			continue
		}
		if use, err = s.store.VerdictRunByID(ctx, r.ID); err != nil {
			return nil, nil, false, err
		}
		break
	}
	if use == nil {
		res, err := s.integrityRun(ctx, pol, log, win.Start, win.End, by)
		if err != nil {
			return nil, nil, false, fmt.Errorf("integrity run for %s: %w", win.ID, err)
		}
		use, ran = res.Run, true
	}
	flags, err := s.store.Flags(ctx, plaudit.FlagFilter{Status: plaudit.FlagConfirmed})
	if err != nil {
		return nil, nil, false, err
	}
	return moderation.Merge(use.Verdicts, moderation.Verdicts(flags, win.Start, win.End)), use, ran, nil
}

// EpochIntegrityResult is what EpochIntegrity did for one epoch window.
type EpochIntegrityResult struct {
	Window settle.Window
	Run    *plaudit.VerdictRun
	Ran    bool // false when a stored run over the window was still current
}

// EpochIntegrity keeps the integrity runs of the active policy's program current, as the scheduler's
// integrity job does: for the epoch in progress and each pending epoch that has ended (at most limit of
// them, oldest first), it runs the checks over exactly the epoch's events unless a stored run over them is
// still current. A close then finds its run ready. No active policy, or a program without scored events,
// is nothing to do.
func (s *Service) EpochIntegrity(ctx context.Context, by string, limit int) ([]EpochIntegrityResult, error) {
	pol, err := s.ActivePolicy(ctx)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, nil
	} else if err != nil {
		return nil, err
	}
	prog, err := ProgramOf(pol, "")
	if err != nil {
		return nil, err
	}
	now := s.now().UTC()
	current, err := prog.EpochAt(now)
	if err != nil {
		return nil, err
	}
	closed, err := s.store.Epochs(ctx, prog.Name)
	if err != nil {
		return nil, err
	}
	wins := []settle.Window{}
	if len(closed) > 0 {
		w, err := nextAfter(prog, closed[len(closed)-1])
		if err != nil {
			return nil, err
		}
		for ; w.End.Before(current.End) && len(wins) < limit; w, err = prog.EpochAt(w.End) {
			if err != nil {
				return nil, err
			}
			wins = append(wins, w)
		}
	}
	wins = append(wins, current)
	log, err := s.peekLogView(ctx, nil) // the directory is read only if a run must be made
	if err != nil {
		return nil, err
	}
	var out []EpochIntegrityResult
	for _, w := range wins {
		_, run, ran, err := s.epochIntegrity(ctx, pol, log, w, by)
		if err != nil {
			return out, err
		}
		out = append(out, EpochIntegrityResult{Window: w, Run: run, Ran: ran})
	}
	return out, nil
}
