package service

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/moderation"
	"github.com/plaudit/plaudit/policy"
)

// The moderation use cases: flags on events and members, moderators' decisions, appeals, the moderator
// role, and each epoch's audit sample. Every action is stored with who did it and when (the service's
// clock, to the microsecond so that it reads back the same from either database); package moderation holds
// the rules, the store keeps the records. See docs/moderation.md.

// actionTime is the time recorded for a moderation action.
func (s *Service) actionTime() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// directory replays the whole log into the member directory, as moderation and member changes check
// names against it.
func (s *Service) directory(ctx context.Context) (*plaudit.Directory, error) {
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	return log.Directory(0), nil
}

// lookup is the event lookup moderation.Raise needs, over the store.
func (s *Service) lookup(ctx context.Context) moderation.EventLookup {
	return func(src plaudit.Source, id string) (*plaudit.Event, error) { return s.store.EventByKey(ctx, src, id) }
}

// RaiseFlag raises a flag on subject — an event key source/id (the flag is against its author) or
// member:HANDLE — by the member by, for reason, and stores it open. The event and both members must be in
// the log (ENOTFOUND), else nothing is stored; a member may hold one open flag per subject (ECONFLICT).
// Members may be named by an account key they hold; the flag records handles.
func (s *Service) RaiseFlag(ctx context.Context, subject, by, reason string) (*plaudit.Flag, error) {
	if _, _, _, err := moderation.ParseSubject(subject); err != nil {
		return nil, err // before reading the whole log
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	f, err := moderation.Raise(dir, s.lookup(ctx), subject, by, reason, s.actionTime())
	if err != nil {
		return nil, err
	}
	return s.store.AddFlag(ctx, f)
}

// FlagDetail is one flag and every action on it, in order.
type FlagDetail struct {
	Flag    *plaudit.Flag        `json:"flag"`
	History []plaudit.FlagAction `json:"history"`
}

// Flag returns flag id with its whole history (ENOTFOUND when there is no such flag).
func (s *Service) Flag(ctx context.Context, id int64) (*FlagDetail, error) {
	f, err := s.store.Flag(ctx, id)
	if err != nil {
		return nil, err
	}
	hist, err := s.store.FlagHistory(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("history of flag %d: %w", id, err)
	}
	return &FlagDetail{Flag: f, History: hist}, nil
}

// Flags returns the flags filter selects, by id. An unknown status is EINVALID.
func (s *Service) Flags(ctx context.Context, filter plaudit.FlagFilter) ([]plaudit.Flag, error) {
	if filter.Status != "" && !ValidFlagStatus(filter.Status) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "flag status %q: want open, confirmed or rejected", filter.Status)
	}
	return s.store.Flags(ctx, filter)
}

// ValidFlagStatus reports whether st is a status a flag can have, so that callers can refuse a filter
// that would select nothing.
func ValidFlagStatus(st plaudit.FlagStatus) bool {
	for _, x := range moderation.Statuses {
		if x == st {
			return true
		}
	}
	return false
}

// FlagImport says what importing the log's flag events did.
type FlagImport struct {
	Raised, Already, Refused int
	// Refusals are the first few flag events that could not be raised (at most MaxRefusals), with why.
	Refusals []FlagRefusal
}

// MaxRefusals is how many refused flag events FlagImport lists; the rest are only counted.
const MaxRefusals = 10

// FlagRefusal is one flag event that could not be raised as a flag.
type FlagRefusal struct {
	Event string // the flag event's key
	Err   error  // EINVALID, ENOTFOUND or ECONFLICT
}

// flagSubject returns the flag subject a flag event names: its target when that is an event key or a
// member subject, else an event of the event's own source.
func flagSubject(e *plaudit.Event) string {
	if strings.HasPrefix(e.Target, "member:") || strings.Contains(e.Target, "/") {
		return e.Target
	}
	return string(e.Source) + "/" + e.Target
}

// ImportFlagEvents raises a flag for every flag event of the log (a member's /flag on a platform) not raised
// yet, each once: the flag is by the member holding the event's account, at the event's time, and records
// the event. Operator flag events (source plaudit) are moderators' own and are left alone. A flag event that
// cannot be raised (an unknown target, a second open flag by one member on one subject) is counted as
// refused and changes nothing.
func (s *Service) ImportFlagEvents(ctx context.Context) (*FlagImport, error) {
	n := &FlagImport{}
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	dir := log.Directory(0)
	existing, err := s.store.Flags(ctx, plaudit.FlagFilter{})
	if err != nil {
		return nil, err
	}
	raised := map[string]bool{}
	for _, f := range existing {
		if f.Event != "" {
			raised[f.Event] = true
		}
	}
	lookup := s.lookup(ctx)
	for i := range log.Events {
		e := &log.Events[i]
		if e.Kind != plaudit.KindFlag || e.Source == plaudit.SourcePlaudit {
			continue
		}
		if raised[e.Key()] {
			n.Already++
			continue
		}
		reason, _ := e.Attrs["reason"].(string)
		if strings.TrimSpace(reason) == "" {
			reason = "(no reason given)"
		}
		f, err := moderation.Raise(dir, lookup, flagSubject(e), dir.MemberOfActor(e), reason, e.Time)
		if err == nil {
			f.Event = e.Key()
			_, err = s.store.AddFlag(ctx, f)
		}
		switch code := plaudit.ErrorCode(err); {
		case err == nil:
			n.Raised++
		case code == plaudit.EINVALID || code == plaudit.ENOTFOUND || code == plaudit.ECONFLICT:
			if len(n.Refusals) < MaxRefusals {
				n.Refusals = append(n.Refusals, FlagRefusal{Event: e.Key(), Err: err})
			}
			n.Refused++
		default:
			return n, fmt.Errorf("import flag event %s: %w", e.Key(), err)
		}
	}
	return n, nil
}

// ModerationPolicy returns the policy whose integrity section and program moderation decisions follow:
// the active policy, or the default preset when none was activated, so that a confirmation's exclusions
// line up with the epochs settlement will close.
func (s *Service) ModerationPolicy(ctx context.Context) (*policy.Policy, error) {
	p, err := s.ActivePolicy(ctx)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return policy.Load("preset:default")
	}
	return p, err
}

// ModerationConfig is the moderation configuration of policy p's integrity section: what a confirmed flag
// costs.
func ModerationConfig(p *policy.Policy) moderation.Config {
	m := p.Integrity.Moderation
	return moderation.Config{Penalty: m.Penalty, PenaltyEpochs: m.PenaltyEpochs, EventMultiplier: m.EventMultiplier}
}

// ConfirmFlag confirms open flag id as moderator by, with note, and excludes the member from rewards for
// excludeEpochs epochs starting with the one in progress. The effects (penalty, event multiplier,
// exclusion) come from the moderation policy and are fixed now. Only a moderator who neither raised the
// flag nor is its subject may confirm it (EFORBIDDEN); nothing is written when it is refused.
func (s *Service) ConfirmFlag(ctx context.Context, id int64, by, note string, excludeEpochs int) (*plaudit.Flag, error) {
	p, err := s.ModerationPolicy(ctx)
	if err != nil {
		return nil, err
	}
	prog, err := ProgramOf(p, "")
	if err != nil {
		return nil, err
	}
	epochAt := func(t time.Time) (time.Time, time.Time, error) {
		w, err := prog.EpochAt(t)
		return w.Start, w.End, err
	}
	cfg, at := ModerationConfig(p), s.actionTime()
	return s.store.UpdateFlag(ctx, id, by, func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		eff, err := cfg.Effects(epochAt, at, excludeEpochs)
		if err != nil {
			return plaudit.FlagAction{}, fmt.Errorf("confirm flag %d: %w", id, err)
		}
		return moderation.ConfirmAction(f, moderation.Actor{Handle: by, Moderator: isMod}, at, note, eff)
	})
}

// RejectFlag rejects open flag id as moderator by, with note. The rules are ConfirmFlag's.
func (s *Service) RejectFlag(ctx context.Context, id int64, by, note string) (*plaudit.Flag, error) {
	at := s.actionTime()
	return s.store.UpdateFlag(ctx, id, by, func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		return moderation.RejectAction(f, moderation.Actor{Handle: by, Moderator: isMod}, at, note)
	})
}

// AppealFlag records the flagged member's one appeal of confirmed flag id, with reason. by may be the
// member's handle or an account key it holds; only the flagged member appeals (EFORBIDDEN), once
// (ECONFLICT).
func (s *Service) AppealFlag(ctx context.Context, id int64, by, reason string) (*plaudit.Flag, error) {
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	member, err := moderation.KnownMember(dir, fmt.Sprintf("appeal flag %d: --by", id), by)
	if err != nil {
		return nil, err
	}
	at := s.actionTime()
	return s.store.UpdateFlag(ctx, id, member, func(f *plaudit.Flag, _ bool) (plaudit.FlagAction, error) {
		return moderation.AppealAction(f, member, at, reason)
	})
}

// DecideAppeal upholds (keeping its effects) or overturns (lifting them, exclusion included) the appeal of
// flag id, as moderator by with note. The moderator who confirmed the flag does not decide its appeal.
func (s *Service) DecideAppeal(ctx context.Context, id int64, by string, o plaudit.AppealOutcome, note string) (*plaudit.Flag, error) {
	at := s.actionTime()
	return s.store.UpdateFlag(ctx, id, by, func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		return moderation.DecideAppealAction(f, moderation.Actor{Handle: by, Moderator: isMod}, at, o, note)
	})
}

// GrantModerator makes member (a handle, or an account key it holds) a moderator, recorded as done by the
// operator by with note, and returns the member's handle. An unknown member is ENOTFOUND; a moderator
// already, ECONFLICT.
func (s *Service) GrantModerator(ctx context.Context, member, by, note string) (string, error) {
	dir, err := s.directory(ctx)
	if err != nil {
		return "", err
	}
	if member, err = moderation.KnownMember(dir, "moderator add", member); err != nil {
		return "", err
	}
	c := plaudit.ModeratorChange{Member: member, Grant: true, By: operator(by), At: s.actionTime(), Note: note}
	if err := s.store.SetModerator(ctx, c); err != nil {
		return "", err
	}
	return member, nil
}

// RevokeModerator takes the moderator role from member, recorded as done by the operator by with note. A
// member who is not a moderator is ECONFLICT. The handle is taken as given, so that the role of a member
// since merged away can still be revoked.
func (s *Service) RevokeModerator(ctx context.Context, member, by, note string) error {
	return s.store.SetModerator(ctx, plaudit.ModeratorChange{Member: member, Grant: false, By: operator(by), At: s.actionTime(), Note: note})
}

// Moderators returns the current moderators, sorted.
func (s *Service) Moderators(ctx context.Context) ([]string, error) { return s.store.Moderators(ctx) }

// ModeratorHistory returns every grant and revocation of the moderator role, in order.
func (s *Service) ModeratorHistory(ctx context.Context) ([]plaudit.ModeratorChange, error) {
	return s.store.ModeratorHistory(ctx)
}

// AuditDrawRequest asks to draw an epoch's audit sample.
type AuditDrawRequest struct {
	Epoch string // an epoch id such as default@2026-11-16T00:00:00Z
	Size  int    // how many rewarded events to draw
	// Rate, when not nil, draws this share (0 to 1) of the rewarded events instead of Size, rounded up.
	Rate *plaudit.Ratio
	By   string // who draws it, for the record
}

// AuditDraw is a drawn audit sample.
type AuditDraw struct {
	Epoch    string
	Rewarded int      // the epoch's rewarded events
	Sample   []string // the drawn event keys, in rank order
	By       string
}

// DrawAudit draws and stores an epoch's audit sample: the rewarded events (RewardedEvents) ranked by
// moderation.SampleRank, lowest first, so that anyone can draw it again. Drawing the same sample again
// changes nothing; a different one for a drawn epoch is ECONFLICT.
func (s *Service) DrawAudit(ctx context.Context, req AuditDrawRequest) (*AuditDraw, error) {
	if req.Size < 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "audit %s: sample size %d: want 0 or more", req.Epoch, req.Size)
	}
	if req.Rate != nil && (*req.Rate < 0 || *req.Rate > plaudit.One) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "audit %s: rate %s: want a share between 0 and 1", req.Epoch, *req.Rate)
	}
	keys, err := s.RewardedEvents(ctx, req.Epoch)
	if err != nil {
		return nil, err
	}
	n := req.Size
	if req.Rate != nil {
		n = moderation.SampleSize(len(keys), *req.Rate)
	}
	d := &AuditDraw{Epoch: req.Epoch, Rewarded: len(keys), Sample: moderation.Sample(req.Epoch, keys, n), By: operator(req.By)}
	if err := s.store.DrawAudit(ctx, req.Epoch, d.Sample, d.By, s.actionTime()); err != nil {
		return nil, fmt.Errorf("draw the audit of %s: %w", req.Epoch, err)
	}
	return d, nil
}

// AuditEntries returns the audit queue of epoch (every epoch when ""), of one status when status is not "",
// by epoch and rank. An unknown status is EINVALID.
func (s *Service) AuditEntries(ctx context.Context, epoch string, status plaudit.AuditStatus) ([]plaudit.AuditEntry, error) {
	switch status {
	case "", plaudit.AuditPending, plaudit.AuditPassed, plaudit.AuditFailed:
	default:
		return nil, plaudit.Errorf(plaudit.EINVALID, "audit status %q: want pending, passed or failed", status)
	}
	return s.store.AuditEntries(ctx, epoch, status)
}

// ReviewAudit passes or fails (status) the pending audit entry of event in epoch, as moderator by with
// note. A reviewer who is not a moderator is EFORBIDDEN; an entry reviewed already, ECONFLICT.
func (s *Service) ReviewAudit(ctx context.Context, epoch, event string, status plaudit.AuditStatus, by, note string) error {
	if status != plaudit.AuditPassed && status != plaudit.AuditFailed {
		return plaudit.Errorf(plaudit.EINVALID, "audit review %q: want passed or failed", status)
	}
	return s.store.ReviewAudit(ctx, epoch, event, status, by, note, s.actionTime())
}

// RewardedEvents returns the distinct events with positive points in epoch id, in score order: under the
// policy that closed it, or under the active policy's program when it is still open. An id that is not an
// epoch of that program is EINVALID.
func (s *Service) RewardedEvents(ctx context.Context, id string) ([]string, error) {
	program, start, err := plaudit.ParseEpochID(id)
	if err != nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "epoch %q: %v (want an id such as default@2026-11-16T00:00:00Z)", id, plaudit.ErrorMessage(err))
	}
	var hash string
	var end time.Time
	if ep, err := s.store.Epoch(ctx, id); err == nil {
		hash, start, end = ep.PolicyHash, ep.Start, ep.End
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, err
	} else {
		p, err := s.ActivePolicy(ctx)
		if err != nil {
			return nil, fmt.Errorf("audit %s: %w", id, err)
		}
		prog, err := ProgramOf(p, program)
		if err != nil {
			return nil, err
		}
		w, err := prog.EpochAt(start)
		if err != nil {
			return nil, err
		}
		if w.ID != id {
			return nil, plaudit.Errorf(plaudit.EINVALID, "epoch %q: not an epoch of program %s (the epoch at that time is %s)", id, program, w.ID)
		}
		hash, end = p.Hash(), w.End
	}
	scores, err := s.store.Scores(ctx, plaudit.ScoreFilter{PolicyHash: hash, Since: start, Until: end})
	if err != nil {
		return nil, fmt.Errorf("scores of %s: %w", id, err)
	}
	var keys []string
	seen := map[string]bool{}
	for _, sc := range scores {
		if sc.Points > 0 && !seen[sc.Event] {
			seen[sc.Event] = true
			keys = append(keys, sc.Event)
		}
	}
	return keys, nil
}
