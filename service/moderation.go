package service

import (
	"context"
	"fmt"
	"slices"
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
		return nil, plaudit.Errorf(plaudit.EINVALID, "flag status %q: want open, confirmed, rejected or overturned", filter.Status)
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
	// Recorded is how many moderators' decisions were missing from the event log (an append that failed
	// after the decision was stored, or a decision made before decisions were logged) and were appended.
	Recorded int
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
// refused and changes nothing. It then appends to the log every decision of the flags' histories missing
// from it (RecordDecisions).
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
	if n.Recorded, err = s.RecordDecisions(ctx); err != nil {
		return n, err
	}
	return n, nil
}

// RecordDecisions appends to the event log every confirm, reject, uphold and overturn of the flags'
// histories that is not in it yet, as moderation.DecisionEvent builds it from the flag and the history entry
// (the same event the decision appended, so a decision is never recorded twice), and returns how many it
// appended. It repairs a decision whose append failed after the flag was updated.
func (s *Service) RecordDecisions(ctx context.Context) (int, error) {
	flags, err := s.store.Flags(ctx, plaudit.FlagFilter{})
	if err != nil {
		return 0, err
	}
	n := 0
	for i := range flags {
		f := &flags[i]
		if f.Status == plaudit.FlagOpen {
			continue
		}
		hist, err := s.store.FlagHistory(ctx, f.ID)
		if err != nil {
			return n, fmt.Errorf("history of flag %d: %w", f.ID, err)
		}
		for _, a := range hist {
			e, ok := moderation.DecisionEvent(f, a)
			if !ok {
				continue
			}
			if _, err := s.store.EventByKey(ctx, e.Source, e.ExternalID); err == nil {
				continue
			} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
				return n, fmt.Errorf("decision %s: %w", e.Key(), err)
			}
			if err := s.appendDecision(ctx, e); err != nil {
				return n, err
			}
			n++
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

// FlagDecision is a flag as a moderator's decision left it, with the decision event recorded in the log
// (the one scoring reads) and, when there is one, a notice for the moderator. Its JSON is the flag's, plus
// decision_event and notice.
type FlagDecision struct {
	*plaudit.Flag
	// DecisionEvent is the key of the decision event appended to the log ("plaudit/flag-ID-ACTION").
	DecisionEvent string `json:"decision_event,omitempty"`
	// Notice says what the moderator should know: that a confirmation on an event of a closed epoch
	// leaves that epoch as paid and lands its penalty on the epoch in progress.
	Notice string `json:"notice,omitempty"`
}

// decideFlag runs one moderator decision on flag id: it checks that the moderator by and the member the
// flag is against are members of the log (ENOTFOUND), applies step in the store's transaction, then
// appends the decision's event to the log, so that every scoring run — rescore, catch-up, close, verify —
// replays the decision from the log rather than from the flags table. The event's id is derived from the
// flag and the action, so a retry after a failed append records it once.
func (s *Service) decideFlag(ctx context.Context, id int64, by, what string, step func(f *plaudit.Flag, by moderation.Actor) (plaudit.FlagAction, error)) (*FlagDecision, error) {
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	who := fmt.Sprintf("%s flag %d: --by", what, id)
	if by, err = moderation.KnownMember(dir, who, by); err != nil {
		return nil, err
	}
	var act plaudit.FlagAction
	f, err := s.store.UpdateFlag(ctx, id, by, func(f *plaudit.Flag, isMod bool) (plaudit.FlagAction, error) {
		if _, ok := dir.Member(f.Member); !ok {
			return plaudit.FlagAction{}, plaudit.Errorf(plaudit.ENOTFOUND, "%s flag %d: it is against %q, who is not a member of the event log", what, id, f.Member)
		}
		a, err := step(f, moderation.Actor{Handle: by, Moderator: isMod})
		act = a
		return a, err
	})
	if err != nil {
		return nil, err
	}
	out := &FlagDecision{Flag: f}
	if e, ok := moderation.DecisionEvent(f, act); ok {
		if err := s.appendDecision(ctx, e); err != nil {
			return nil, fmt.Errorf("%s flag %d: decided, but %w (plaudit flags import records it)", what, id, err)
		}
		out.DecisionEvent = e.Key()
	}
	return out, nil
}

// appendDecision validates decision event e and appends it to the log. The same event appended again (a
// retry) is accepted as it is; a different one under its id is ECONFLICT.
func (s *Service) appendDecision(ctx context.Context, e plaudit.Event) error {
	if errs := e.Validate(); len(errs) > 0 {
		return &plaudit.ValidationError{Input: string(e.Kind), Errors: errs}
	}
	res, err := s.store.AppendEvents(ctx, []plaudit.Event{e})
	if err != nil {
		return fmt.Errorf("record decision %s in the log: %w", e.Key(), err)
	}
	switch r := res[0]; r.Status {
	case plaudit.Rejected:
		return &plaudit.ValidationError{Input: e.Key(), Errors: []*plaudit.FieldError{r.Error}}
	case plaudit.Duplicate:
		return nil
	}
	if s.notify != nil {
		s.notify.EventsAppended(1)
	}
	s.log.Info("recorded a decision", "event", e.Key(), "decision", e.Attrs[moderation.AttrDecision], "by", e.Attrs[moderation.AttrBy])
	return nil
}

// closedEpochNotice returns, for a confirmation of flag f at time at, a notice when f is on an event of an
// epoch already closed: that epoch stays as it was paid, and the penalty lands on the epoch in progress.
func (s *Service) closedEpochNotice(ctx context.Context, f *plaudit.Flag, epochAt func(time.Time) (string, error), at time.Time) (string, error) {
	_, src, eid, err := moderation.ParseSubject(f.Subject)
	if err != nil || src == "" {
		return "", nil // a member subject: no event, no epoch
	}
	e, err := s.store.EventByKey(ctx, src, eid)
	if err != nil {
		return "", fmt.Errorf("event %s of flag %d: %w", f.Subject, f.ID, err)
	}
	of, err := epochAt(e.Time)
	if err != nil {
		return "", nil // before the program's first epoch: nothing closed
	}
	if _, err := s.store.Epoch(ctx, of); plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return "", nil
	} else if err != nil {
		return "", err
	}
	now, err := epochAt(at)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("event %s is in epoch %s, which is closed: its payouts stand as paid; the penalty lands on the epoch in progress, %s", f.Subject, of, now), nil
}

// ConfirmFlag confirms open flag id as moderator by, with note, and excludes the member from rewards for
// excludeEpochs epochs starting with the one in progress. The effects (penalty, event multiplier,
// exclusion) come from the moderation policy and are fixed now. Only a moderator who neither raised the
// flag nor is its subject may confirm it (EFORBIDDEN), and both must be members of the log (ENOTFOUND);
// nothing is written when it is refused. The confirmation is recorded in the log too: it is what makes the
// flag event earn (score/poe). A flag on an event of a closed epoch gets a Notice that the penalty lands on
// the epoch in progress.
func (s *Service) ConfirmFlag(ctx context.Context, id int64, by, note string, excludeEpochs int) (*FlagDecision, error) {
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
	d, err := s.decideFlag(ctx, id, by, "confirm", func(f *plaudit.Flag, by moderation.Actor) (plaudit.FlagAction, error) {
		eff, err := cfg.Effects(epochAt, at, excludeEpochs)
		if err != nil {
			return plaudit.FlagAction{}, fmt.Errorf("confirm flag %d: %w", id, err)
		}
		return moderation.ConfirmAction(f, by, at, note, eff)
	})
	if err != nil {
		return nil, err
	}
	epochID := func(t time.Time) (string, error) {
		w, err := prog.EpochAt(t)
		return w.ID, err
	}
	if d.Notice, err = s.closedEpochNotice(ctx, d.Flag, epochID, at); err != nil {
		return nil, fmt.Errorf("confirm flag %d: confirmed, but %w", id, err)
	}
	return d, nil
}

// RejectFlag rejects open flag id as moderator by, with note. The rules are ConfirmFlag's.
func (s *Service) RejectFlag(ctx context.Context, id int64, by, note string) (*FlagDecision, error) {
	at := s.actionTime()
	return s.decideFlag(ctx, id, by, "reject", func(f *plaudit.Flag, by moderation.Actor) (plaudit.FlagAction, error) {
		return moderation.RejectAction(f, by, at, note)
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
// An overturn reads "overturned" from then on and is recorded in the log, which lifts the flag event's
// reward.
func (s *Service) DecideAppeal(ctx context.Context, id int64, by string, o plaudit.AppealOutcome, note string) (*FlagDecision, error) {
	at := s.actionTime()
	return s.decideFlag(ctx, id, by, "decide appeal of", func(f *plaudit.Flag, by moderation.Actor) (plaudit.FlagAction, error) {
		return moderation.DecideAppealAction(f, by, at, o, note)
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

// AuditDraw is a drawn audit sample, with the seed it was drawn from so that anyone can draw it again.
type AuditDraw struct {
	Epoch    string
	Seed     string   // the closed epoch's Merkle root (or digest when nothing was paid): moderation.AuditSeed
	SeedFrom string   // "root" or "digest"
	Rewarded int      // the epoch's rewarded events
	Sample   []string // the drawn event keys, in rank order
	By       string
}

// AuditRule is the published rule of the audit draw, for output next to the seed.
const AuditRule = `rank each rewarded event key by hex(sha256(SEED + "\x00" + KEY)), lowest first; take the first N`

// epochAuditSeed returns the audit seed of closed epoch id (moderation.AuditSeed); an epoch not closed yet
// is ECONFLICT, since its seed does not exist until it closes.
func (s *Service) epochAuditSeed(ctx context.Context, id string) (seed, from string, err error) {
	ep, err := s.store.Epoch(ctx, id)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return "", "", plaudit.Errorf(plaudit.ECONFLICT, "audit %s: the epoch is not closed: its audit is drawn from its Merkle root, fixed at close (plaudit epoch close)", id)
	} else if err != nil {
		return "", "", fmt.Errorf("audit %s: %w", id, err)
	}
	seed, from, err = moderation.AuditSeed(ep)
	if err != nil {
		return "", "", fmt.Errorf("audit %s: %w", id, err)
	}
	return seed, from, nil
}

// DrawAudit draws and stores a closed epoch's audit sample: the rewarded events (RewardedEvents) ranked by
// moderation.SampleRank from the epoch's seed (its Merkle root, fixed at close, after every rewarded event
// was made — so nobody could know in advance whether their event would be drawn), lowest first, so that
// anyone with the published seed can draw it again. An open epoch is ECONFLICT. Drawing the same sample
// again changes nothing; a different one for a drawn epoch is ECONFLICT.
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
	seed, from, err := s.epochAuditSeed(ctx, req.Epoch)
	if err != nil {
		return nil, err
	}
	n := req.Size
	if req.Rate != nil {
		n = moderation.SampleSize(len(keys), *req.Rate)
	}
	d := &AuditDraw{Epoch: req.Epoch, Seed: seed, SeedFrom: from, Rewarded: len(keys), Sample: moderation.Sample(seed, keys, n), By: operator(req.By)}
	if err := s.store.DrawAudit(ctx, req.Epoch, d.Sample, d.By, s.actionTime()); err != nil {
		return nil, fmt.Errorf("draw the audit of %s: %w", req.Epoch, err)
	}
	return d, nil
}

// AuditEntries returns the audit queue of epoch (every epoch when ""), of one status when status is not "",
// by epoch and rank. An unknown status is EINVALID.
func (s *Service) AuditEntries(ctx context.Context, epoch string, status plaudit.AuditStatus) ([]plaudit.AuditEntry, error) {
	if status != "" && !ValidAuditStatus(status) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "audit status %q: want pending, passed or failed", status)
	}
	return s.store.AuditEntries(ctx, epoch, status)
}

// AuditStatuses are the statuses an audit entry can have, pending first: the one list that every edge's
// audit filter (the CLI's --status, the API's ?status=) checks against, as moderation.Statuses is for
// flags. Callers must not change it.
var AuditStatuses = []plaudit.AuditStatus{plaudit.AuditPending, plaudit.AuditPassed, plaudit.AuditFailed}

// ValidAuditStatus reports whether st is a status an audit entry can have (one of AuditStatuses), so that
// callers can refuse a filter that would select nothing before they open a store.
func ValidAuditStatus(st plaudit.AuditStatus) bool { return slices.Contains(AuditStatuses, st) }

// AuditQueue is an epoch's audit queue with the seed it was drawn from and the rule, so that anyone can
// redraw it.
type AuditQueue struct {
	Epoch    string               `json:"epoch,omitempty"`
	Seed     string               `json:"seed,omitempty"`
	SeedFrom string               `json:"seed_from,omitempty"`
	Rule     string               `json:"rule"`
	Entries  []plaudit.AuditEntry `json:"entries"`
}

// Audit returns the audit queue of epoch (every epoch when "", then without a seed), of one status when
// status is not "", with the closed epoch's seed. An unknown status is EINVALID.
func (s *Service) Audit(ctx context.Context, epoch string, status plaudit.AuditStatus) (*AuditQueue, error) {
	es, err := s.AuditEntries(ctx, epoch, status)
	if err != nil {
		return nil, err
	}
	q := &AuditQueue{Epoch: epoch, Rule: AuditRule, Entries: es}
	if epoch != "" {
		if q.Seed, q.SeedFrom, err = s.epochAuditSeed(ctx, epoch); err != nil && len(es) > 0 {
			return nil, err
		}
	}
	return q, nil
}

// ReviewAudit passes or fails (status) the pending audit entry of event in epoch, as moderator by with
// note. A reviewer who is not a moderator is EFORBIDDEN; an entry reviewed already, ECONFLICT. A failed
// audit opens a flag on the event, raised by the reviewer, for another moderator to confirm or reject; it is
// returned (nil for a pass). A reviewer who wrote the event cannot fail it (EFORBIDDEN: nobody flags
// themselves); nothing is written when the review is refused.
func (s *Service) ReviewAudit(ctx context.Context, epoch, event string, status plaudit.AuditStatus, by, note string) (*plaudit.Flag, error) {
	if status != plaudit.AuditPassed && status != plaudit.AuditFailed {
		return nil, plaudit.Errorf(plaudit.EINVALID, "audit review %q: want passed or failed", status)
	}
	at := s.actionTime()
	var f *plaudit.Flag
	if status == plaudit.AuditFailed {
		// The reviewer's role first: a member who may not review gets that answer, not one about the flag
		// the review would open.
		mods, err := s.store.Moderators(ctx)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(mods, by) {
			return nil, plaudit.Errorf(plaudit.EFORBIDDEN, "audit of %s in %s: %s is not a moderator", event, epoch, by)
		}
		dir, err := s.directory(ctx)
		if err != nil {
			return nil, err
		}
		reason := "failed audit of " + epoch
		if strings.TrimSpace(note) != "" {
			reason += ": " + note
		}
		if f, err = moderation.Raise(dir, s.lookup(ctx), event, by, reason, at); err != nil {
			return nil, fmt.Errorf("fail audit of %s in %s: %w", event, epoch, err)
		}
		by = f.By
	}
	if err := s.store.ReviewAudit(ctx, epoch, event, status, by, note, at); err != nil {
		return nil, err
	}
	if f == nil {
		return nil, nil
	}
	stored, err := s.store.AddFlag(ctx, f)
	if plaudit.ErrorCode(err) == plaudit.ECONFLICT { // the reviewer has an open flag on the event already
		open, ferr := s.store.Flags(ctx, plaudit.FlagFilter{Status: plaudit.FlagOpen, Subject: f.Subject})
		if ferr != nil {
			return nil, ferr
		}
		for i := range open {
			if open[i].By == f.By {
				return &open[i], nil
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("audit of %s in %s failed, but flagging it: %w", event, epoch, err)
	}
	s.log.Info("a failed audit opened a flag", "epoch", epoch, "event", event, "flag", stored.ID, "by", by)
	return stored, nil
}

// FeedbackAdoption is an operator's adoption of a member's feedback, as recorded in the log.
type FeedbackAdoption struct {
	Feedback string        `json:"feedback"` // the feedback event's key
	Author   string        `json:"author"`   // the member who gave it
	By       string        `json:"by"`       // the operator who adopted it
	Event    plaudit.Event `json:"event"`    // the decision event appended to the log
}

// AdoptFeedback records that operator by adopted the feedback event key ("source/id"), with note: an
// operator event (source plaudit, kind decision) appended to the log, which is the only thing that makes a
// feedback earn its adoption points under the poe scorer — a member's own attrs.adopted counts for nothing.
// An unknown event is ENOTFOUND; one that is not a member's feedback, EINVALID; adoption by its own author,
// EFORBIDDEN; a second adoption, ECONFLICT. Nothing is written when it is refused.
func (s *Service) AdoptFeedback(ctx context.Context, key, by, note string) (*FeedbackAdoption, error) {
	src, id, ok := strings.Cut(key, "/")
	if !ok || id == "" || !plaudit.Source(src).Valid() {
		return nil, plaudit.Errorf(plaudit.EINVALID, "adopt %q: want a feedback event key source/id (e.g. discord/123)", key)
	}
	fb, err := s.store.EventByKey(ctx, plaudit.Source(src), id)
	if plaudit.ErrorCode(err) == plaudit.ENOTFOUND {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "adopt %s: no such event in the log", key)
	} else if err != nil {
		return nil, fmt.Errorf("adopt %s: %w", key, err)
	}
	dir, err := s.directory(ctx)
	if err != nil {
		return nil, err
	}
	by = operator(by)
	if h, err := moderation.KnownMember(dir, "adopt", by); err == nil {
		by = h // an operator who is also a member is named by handle, so that self-adoption is caught
	}
	e, err := moderation.AdoptionEvent(fb, dir.MemberOfActor(fb), by, note, s.actionTime())
	if err != nil {
		return nil, err
	}
	if prev, err := s.store.EventByKey(ctx, e.Source, e.ExternalID); err == nil {
		pby, _ := prev.Attrs[moderation.AttrBy].(string)
		return nil, plaudit.Errorf(plaudit.ECONFLICT, "adopt %s: adopted already by %s at %s", key, pby, prev.Time.Format(time.RFC3339))
	} else if plaudit.ErrorCode(err) != plaudit.ENOTFOUND {
		return nil, fmt.Errorf("adopt %s: %w", key, err)
	}
	if err := s.appendDecision(ctx, e); err != nil {
		return nil, fmt.Errorf("adopt %s: %w", key, err)
	}
	return &FeedbackAdoption{Feedback: key, Author: e.Actor, By: by, Event: e}, nil
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
