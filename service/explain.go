package service

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// Explanation says why an event scored what it did, or how a member's total adds up, and what the
// integrity layer holds against it: every rule that fired with its inputs and points, the stored verdicts
// and the flags.
type Explanation struct {
	// Policy is the policy the scores are under.
	Policy *policy.Policy
	// Stored is true when the scores are the policy's stored scores, false when none were stored and the
	// log was scored now.
	Stored bool
	// Event is the event explained; nil when a member is.
	Event *plaudit.Event
	// Member is the member explained, or the event's author.
	Member string
	// Scores are the event's scores, or the member's scores largest first (then by event).
	Scores []plaudit.Score
	// Total is the member's total with its points by rule, largest first; nil for an event, or for a
	// member without scores under the policy.
	Total *score.MemberTotal
	// Integrity is the stored verdicts on the subject (event key or member:HANDLE) and its flags.
	Integrity *SubjectIntegrity
}

// isEventKey reports whether s looks like "source/id" with a known source.
func isEventKey(s string) bool {
	src, id, ok := strings.Cut(s, "/")
	return ok && id != "" && plaudit.Source(src).Valid()
}

// Explain explains subject under pol (the active policy when nil): an event key source/id, else a member
// handle or an account key such as x:12345, which names the member holding it. The scores are the ones
// stored under the policy (by `plaudit score` or the scheduler); when there are none the log is scored
// afresh. An unknown event or member is ENOTFOUND.
func (s *Service) Explain(ctx context.Context, subject string, pol *policy.Policy) (*Explanation, error) {
	if pol == nil {
		var err error
		if pol, err = s.ActivePolicy(ctx); err != nil {
			return nil, err
		}
	}
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	dir := log.Directory(0)
	x := &Explanation{Policy: pol}

	// Who or what is explained.
	var event string
	if isEventKey(subject) {
		src, id, _ := strings.Cut(subject, "/")
		e, err := s.store.EventByKey(ctx, plaudit.Source(src), id)
		if err != nil {
			return nil, err
		}
		x.Event, x.Member, event = e, dir.MemberOfActor(e), e.Key()
	} else {
		x.Member = subject
		if strings.Contains(subject, ":") {
			if m := dir.MemberOf(subject); m != "" {
				x.Member = m
			}
		}
		if _, ok := dir.Member(x.Member); !ok {
			return nil, plaudit.Errorf(plaudit.ENOTFOUND, "no member or event %q (an event is source/id, e.g. x/123)", subject)
		}
	}

	// The stored scores when the policy has any (a store scored before score states were kept has scores
	// but no state); otherwise the log scored now.
	state, err := s.store.ScoreState(ctx, pol.Hash())
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", subject, err)
	}
	if x.Event != nil {
		x.Scores, err = s.store.ScoresByEvent(ctx, pol.Hash(), event)
	} else {
		x.Scores, err = s.store.ScoresByMember(ctx, pol.Hash(), x.Member)
	}
	if err != nil {
		return nil, fmt.Errorf("explain %s: %w", subject, err)
	}
	if x.Stored = state.ScoredSeq > 0 || len(x.Scores) > 0; !x.Stored {
		all, _, err := score.Run(pol, log.Events, nil)
		if err != nil {
			return nil, err
		}
		for _, sc := range all {
			if (x.Event != nil && sc.Event == event) || (x.Event == nil && sc.Member == x.Member) {
				x.Scores = append(x.Scores, sc)
			}
		}
	}

	integritySubject := event
	if x.Event == nil {
		integritySubject = plaudit.MemberSubject(x.Member)
		if totals := score.Totals(x.Scores); len(totals) > 0 {
			x.Total = &totals[0]
		}
		SortScores(x.Scores)
	}
	if x.Integrity, err = s.SubjectIntegrity(ctx, integritySubject); err != nil {
		return nil, err
	}
	return x, nil
}

// SortScores orders scores by points, largest first, then by event: how a member's scores are listed.
func SortScores(s []plaudit.Score) {
	sort.SliceStable(s, func(i, j int) bool {
		if s[i].Points != s[j].Points {
			return s[i].Points > s[j].Points
		}
		return s[i].Event < s[j].Event
	})
}

// SubjectIntegrity is what the integrity layer holds on one subject: every stored integrity run's verdict
// on it, newest run first, and the flags on it (or, for a member, against it).
type SubjectIntegrity struct {
	Subject string // an event key source/id, or member:HANDLE
	Runs    []plaudit.RunVerdict
	Flags   []plaudit.Flag
}

// Empty reports whether there is neither a verdict nor a flag on the subject.
func (si *SubjectIntegrity) Empty() bool { return len(si.Runs) == 0 && len(si.Flags) == 0 }

// IntegritySubject returns the integrity subject s names: an event key source/id or member:HANDLE as
// given, anything else a member handle (member:s).
func IntegritySubject(s string) string {
	if isEventKey(s) || strings.HasPrefix(s, "member:") {
		return s
	}
	return plaudit.MemberSubject(s)
}

// SubjectIntegrity returns the stored verdicts and the flags on subject (normalised by IntegritySubject).
func (s *Service) SubjectIntegrity(ctx context.Context, subject string) (*SubjectIntegrity, error) {
	si := &SubjectIntegrity{Subject: IntegritySubject(subject)}
	var err error
	if si.Runs, err = s.store.SubjectVerdicts(ctx, si.Subject); err != nil {
		return nil, fmt.Errorf("verdicts on %s: %w", si.Subject, err)
	}
	filter := plaudit.FlagFilter{Subject: si.Subject}
	if h, ok := moderation.IsMemberSubject(si.Subject); ok {
		filter = plaudit.FlagFilter{Member: h}
	}
	if si.Flags, err = s.store.Flags(ctx, filter); err != nil {
		return nil, fmt.Errorf("flags on %s: %w", si.Subject, err)
	}
	return si, nil
}

// EpochVerdicts returns the verdicts closed epoch id was settled with (none when it was settled without);
// an epoch not closed is ENOTFOUND.
func (s *Service) EpochVerdicts(ctx context.Context, id string) ([]plaudit.Verdict, error) {
	if _, err := s.store.Epoch(ctx, id); err != nil {
		return nil, err
	}
	vs, err := s.store.EpochVerdicts(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("verdicts of epoch %s: %w", id, err)
	}
	return vs, nil
}
