package service

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/big"
	"sort"
	"sync"
	"time"

	"github.com/plaudit/plaudit"
	"github.com/plaudit/plaudit/integrity"
	"github.com/plaudit/plaudit/policy"
	"github.com/plaudit/plaudit/score"
)

// LeaderboardRequest asks for the members by points: under the active policy's stored scores (all time or
// one ISO week), in one closed epoch, or summed over a program's closed epochs. Points are always after
// integrity verdicts.
type LeaderboardRequest struct {
	// Year and Week select one ISO week (Monday to Sunday, UTC); both zero: all time.
	Year, Week int
	// Epoch selects one closed epoch by id: the points and payouts it settled.
	Epoch string
	// Program selects every closed epoch of the program, summed.
	Program string
	// Limit is how many members to return, most points first (0: all).
	Limit int
}

// BoardEntry is one member's line on a leaderboard. Points are after integrity verdicts; Raw is what the
// member's scores came to before them, so that what integrity took is visible (Raw − Points).
type BoardEntry struct {
	Member string
	Points plaudit.Points
	// Raw is the points before verdicts; on epoch and program boards, where settlement stored only the
	// points after verdicts, it is the same as Points unless a verdict is known.
	Raw    plaudit.Points
	Scores int
	// Reasons are the rules the points came from, largest first; integrity's share shows as the rule
	// "integrity.multiplier" with negative points.
	Reasons []score.Reason
	// Verdict is the integrity verdict on the member themself (subject "member:HANDLE") that applies to
	// the board, if any; Adjusted counts the member's scores that an event or member verdict changed.
	Verdict  *plaudit.RunVerdict
	Adjusted int
	// Paid and Wallet are set on epoch and program boards: base units of the epoch's token paid, and the
	// wallet paid (the last one, on a program board).
	Paid   *big.Int
	Wallet string
	// Epochs counts the closed epochs the member has an allocation in (program boards).
	Epochs int
}

// Leaderboard is the members by points, after integrity verdicts, with their reasons.
type Leaderboard struct {
	// Policy is the active policy's record (all-time and weekly boards) or the policy of the epoch (epoch
	// boards); on a program board, the policy of its newest epoch.
	Policy *plaudit.PolicyRecord
	// Year and Week are the ISO week of the board; zero for all time.
	Year, Week int
	// Epoch is the closed epoch of an epoch board; Program and Epochs name a program board's program and
	// how many closed epochs it sums.
	Epoch   *plaudit.Epoch
	Program string
	Epochs  int
	// Token and Decimals say what Paid is counted in (epoch and program boards).
	Token    string
	Decimals int
	// Scores is how many stored scores the board read; Unscored says that nothing was scored under the
	// active policy yet (live boards).
	Scores   int
	Unscored bool
	// Runs are the integrity runs whose verdicts the board applied, newest first.
	Runs []int64
	// Version names the state of the store the board was computed from (the policy, how far its scores
	// reach, the integrity runs; for epoch and program boards, the epochs): two boards with one Version are
	// the same board, so a server can answer an unchanged board from a cache or with 304 Not Modified.
	Version string
	// Members is how many members have points on the board; Entries the first Limit of them, most points
	// first (then by handle).
	Members int
	Entries []BoardEntry
}

// Leaderboard returns the members by points after integrity verdicts: all time or one ISO week under the
// active policy's stored scores (it scores nothing), one closed epoch, or a program's closed epochs.
//
// On the live boards each score takes the verdicts of the newest integrity run of the active policy whose
// window holds the score's time, as an epoch close would. A long-running server keeps the last boards it
// computed and reuses them while the stored scores and integrity runs are unchanged, so that a busy board
// costs three small reads.
func (s *Service) Leaderboard(ctx context.Context, req LeaderboardRequest) (*Leaderboard, error) {
	weekly := req.Year != 0 || req.Week != 0
	if weekly && (req.Week < 1 || req.Week > 53 || req.Year < minYear || req.Year > maxYear) {
		return nil, plaudit.Errorf(plaudit.EINVALID, "leaderboard: ISO week %d-W%02d: want a week 1 to 53 of a year %d–%d", req.Year, req.Week, minYear, maxYear)
	}
	if req.Limit < 0 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "leaderboard: limit %d: want 0 (all) or more", req.Limit)
	}
	set := 0
	for _, on := range []bool{weekly, req.Epoch != "", req.Program != ""} {
		if on {
			set++
		}
	}
	if set > 1 {
		return nil, plaudit.Errorf(plaudit.EINVALID, "leaderboard: choose one of a week, an epoch or a program")
	}
	var (
		b   *Leaderboard
		err error
	)
	switch {
	case req.Epoch != "":
		b, err = s.epochBoard(ctx, req.Epoch)
	case req.Program != "":
		b, err = s.programBoard(ctx, req.Program)
	default:
		b, err = s.liveBoard(ctx, req.Year, req.Week)
	}
	if err != nil {
		return nil, err
	}
	out := *b // the cached board is shared: cut a copy
	if req.Limit > 0 && req.Limit < len(out.Entries) {
		out.Entries = out.Entries[:req.Limit]
	}
	return &out, nil
}

// boardKey is what a live board depends on: the policy, how far its scores reach and when they last
// changed, and the integrity runs there are.
type boardKey struct {
	policy       string
	full, scored int64
	updated      time.Time
	newestRun    int64
	runs         int
	year, week   int
}

// version digests the key: what Leaderboard.Version says.
func (k boardKey) version() string {
	sum := sha256.Sum256(fmt.Appendf(nil, "live\x00%s\x00%d\x00%d\x00%d\x00%d\x00%d\x00%d\x00%d", k.policy, k.full, k.scored,
		k.updated.UnixNano(), k.newestRun, k.runs, k.year, k.week))
	return hex.EncodeToString(sum[:12])
}

// boardCache keeps the live boards of the last key seen, and the live state read last.
type boardCache struct {
	mu     sync.Mutex
	boards map[boardKey]*Leaderboard

	stateMu sync.Mutex
	state   *plaudit.LiveState
	stateAt time.Time // when state was read (monotonic); zero: read it again
}

// liveStateFor is how long a live state read is trusted before it is read again. The service forgets it at
// once when it writes scores, integrity runs or activations itself; what other processes write shows on the
// boards within this time.
const liveStateFor = 250 * time.Millisecond

// liveState returns the store's live state, read at most once per liveStateFor.
func (s *Service) liveState(ctx context.Context) (*plaudit.LiveState, error) {
	c := &s.boards
	c.stateMu.Lock()
	defer c.stateMu.Unlock()
	if c.state != nil && !c.stateAt.IsZero() && time.Since(c.stateAt) < liveStateFor {
		return c.state, nil
	}
	st, err := s.store.LiveState(ctx)
	if err != nil {
		return nil, err
	}
	c.state, c.stateAt = st, time.Now()
	return st, nil
}

// forgetLiveState makes the next board read the live state again: called after the service itself wrote
// what the boards depend on.
func (s *Service) forgetLiveState() {
	s.boards.stateMu.Lock()
	s.boards.state, s.boards.stateAt = nil, time.Time{}
	s.boards.stateMu.Unlock()
}

// maxCachedBoards bounds the boards kept (all time plus recent weeks) for one state of the store.
const maxCachedBoards = 32

func (s *Service) liveBoard(ctx context.Context, year, week int) (*Leaderboard, error) {
	st, err := s.liveState(ctx)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	key := boardKey{policy: st.PolicyHash, full: st.FullSeq, scored: st.ScoredSeq, updated: st.UpdatedAt, newestRun: st.NewestRun, runs: st.Runs, year: year, week: week}
	cacheable := st.FullSeq >= 0 // a rewrite under way commits its scores in parts: never keep a board of one
	c := &s.boards
	c.mu.Lock()
	defer c.mu.Unlock() // one computation at a time: a burst of requests waits for the first one's board
	if b, ok := c.boards[key]; ok && cacheable {
		return b, nil
	}
	// The board is of the policy the state was read for, even if another was activated since.
	rec, err := s.store.ActivePolicy(ctx)
	if err == nil && rec.Hash != st.PolicyHash {
		rec, err = s.store.PolicyByHash(ctx, st.PolicyHash)
	}
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	runs, err := s.policyRuns(ctx, rec.Hash)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: %w", err)
	}
	f := plaudit.ScoreFilter{PolicyHash: rec.Hash}
	if year != 0 {
		f.Since = isoWeekStart(year, week)
		f.Until = f.Since.AddDate(0, 0, 7)
	}
	scores, err := s.store.Scores(ctx, f)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: scores of %s: %w", rec.Hash, err)
	}
	b := &Leaderboard{Policy: rec, Year: year, Week: week, Scores: len(scores), Unscored: st.ScoredSeq <= 0 && st.FullSeq <= 0}
	adjusted, used, memberVerdicts, err := s.applyRunVerdicts(ctx, scores, runs)
	if err != nil {
		return nil, err
	}
	b.Runs = used
	b.Version = key.version()
	b.Entries = boardEntries(scores, adjusted, memberVerdicts)
	b.Members = len(b.Entries)
	if cacheable {
		if c.boards == nil || len(c.boards) >= maxCachedBoards {
			c.boards = map[boardKey]*Leaderboard{}
		}
		for k := range c.boards { // another state of the store: its boards are stale
			if k.policy != key.policy || k.full != key.full || k.scored != key.scored || !k.updated.Equal(key.updated) || k.newestRun != key.newestRun || k.runs != key.runs {
				delete(c.boards, k)
			}
		}
		c.boards[key] = b
	}
	return b, nil
}

// policyRuns returns the integrity runs made under the policy with the given hash, newest first, without
// their verdicts.
func (s *Service) policyRuns(ctx context.Context, hash string) ([]plaudit.VerdictRun, error) {
	all, err := s.store.VerdictRuns(ctx)
	if err != nil {
		return nil, err
	}
	var runs []plaudit.VerdictRun
	for _, r := range all {
		if r.PolicyHash == hash {
			runs = append(runs, r)
		}
	}
	return runs, nil
}

// applyRunVerdicts applies to each score the verdicts of the newest run (runs are newest first) whose
// window holds the score's time. It returns the adjusted scores in the order given, the ids of the runs
// used, newest first, and each member's own verdict from the newest run used for their scores.
func (s *Service) applyRunVerdicts(ctx context.Context, scores []plaudit.Score, runs []plaudit.VerdictRun) ([]plaudit.Score, []int64, map[string]plaudit.RunVerdict, error) {
	out := make([]plaudit.Score, len(scores))
	copy(out, scores)
	if len(runs) == 0 {
		return out, nil, nil, nil
	}
	groups := make(map[int][]int) // run index → score indexes
	for i := range scores {
		t := scores[i].Time
		for j := range runs {
			r := &runs[j]
			if (r.Since.IsZero() || !t.Before(r.Since)) && (r.Until.IsZero() || t.Before(r.Until)) {
				groups[j] = append(groups[j], i)
				break
			}
		}
	}
	order := make([]int, 0, len(groups))
	for j := range groups {
		order = append(order, j)
	}
	sort.Ints(order) // newest run first
	var used []int64
	members := map[string]plaudit.RunVerdict{}
	for _, j := range order {
		run, err := s.store.VerdictRunByID(ctx, runs[j].ID)
		if err != nil {
			return nil, nil, nil, fmt.Errorf("leaderboard: %w", err)
		}
		used = append(used, run.ID)
		idx := groups[j]
		in := make([]plaudit.Score, len(idx))
		for k, i := range idx {
			in[k] = scores[i]
		}
		for k, sc := range integrity.Apply(in, run.Verdicts) {
			out[idx[k]] = sc
		}
		for _, v := range run.Verdicts {
			h, ok := plaudit.MemberOfSubject(v.Subject)
			if !ok {
				continue
			}
			if _, seen := members[h]; !seen {
				members[h] = plaudit.RunVerdict{Run: run.ID, PolicyHash: run.PolicyHash, At: run.At, Verdict: v}
			}
		}
	}
	return out, used, members, nil
}

// boardEntries sums raw and adjusted scores per member, most points first, then by handle.
func boardEntries(raw, adjusted []plaudit.Score, verdicts map[string]plaudit.RunVerdict) []BoardEntry {
	totals := score.Totals(adjusted)
	rawBy := make(map[string]plaudit.Points, len(totals))
	changed := make(map[string]int, len(totals))
	for i := range raw {
		rawBy[raw[i].Member] += raw[i].Points
		if raw[i].Points != adjusted[i].Points {
			changed[raw[i].Member]++
		}
	}
	out := make([]BoardEntry, len(totals))
	for i, t := range totals {
		e := BoardEntry{Member: t.Member, Points: t.Points, Raw: rawBy[t.Member], Scores: t.Scores, Reasons: t.Reasons, Adjusted: changed[t.Member]}
		if v, ok := verdicts[t.Member]; ok {
			e.Verdict = &v
		}
		out[i] = e
	}
	return out
}

// epochBoard is the closed epoch's allocations by points after verdicts, with what each member was paid.
func (s *Service) epochBoard(ctx context.Context, id string) (*Leaderboard, error) {
	ce, err := s.Epoch(ctx, id)
	if err != nil {
		return nil, err
	}
	ep := ce.Epoch
	rec, err := s.store.PolicyByHash(ctx, ep.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: policy %s of epoch %s: %w", ep.PolicyHash, ep.ID, err)
	}
	verdicts, err := s.epochMemberVerdicts(ctx, ep)
	if err != nil {
		return nil, err
	}
	b := &Leaderboard{Policy: rec, Epoch: ep, Program: ep.Program, Epochs: 1, Token: ep.Token, Decimals: ep.Decimals, Version: epochsVersion(ep)}
	for _, a := range ce.Allocations {
		if a.Points == 0 && (a.Paid == nil || a.Paid.Sign() == 0) {
			continue // a carry alone
		}
		e := BoardEntry{Member: a.Member, Points: a.Points, Raw: a.Points, Scores: a.Events, Wallet: a.Wallet, Epochs: 1, Reasons: []score.Reason{}}
		e.Paid = new(big.Int)
		if a.Paid != nil {
			e.Paid.Set(a.Paid)
		}
		if v, ok := verdicts[a.Member]; ok {
			e.Verdict = &v
		}
		b.Entries = append(b.Entries, e)
	}
	sortEntries(b.Entries)
	b.Members = len(b.Entries)
	return b, nil
}

// epochMemberVerdicts returns the member verdicts the epoch applied at its close.
func (s *Service) epochMemberVerdicts(ctx context.Context, ep *plaudit.Epoch) (map[string]plaudit.RunVerdict, error) {
	vs, err := s.store.EpochVerdicts(ctx, ep.ID)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: verdicts of epoch %s: %w", ep.ID, err)
	}
	out := map[string]plaudit.RunVerdict{}
	for _, v := range vs {
		if h, ok := plaudit.MemberOfSubject(v.Subject); ok {
			out[h] = plaudit.RunVerdict{PolicyHash: ep.PolicyHash, At: ep.ClosedAt, Verdict: v}
		}
	}
	return out, nil
}

// programBoard sums the allocations of every closed epoch of program. Paid is summed only when every epoch
// paid the same token.
func (s *Service) programBoard(ctx context.Context, program string) (*Leaderboard, error) {
	eps, err := s.Epochs(ctx, program)
	if err != nil {
		return nil, err
	}
	if len(eps) == 0 {
		return nil, plaudit.Errorf(plaudit.ENOTFOUND, "leaderboard: program %q has no closed epochs", program)
	}
	newest := eps[len(eps)-1]
	rec, err := s.store.PolicyByHash(ctx, newest.PolicyHash)
	if err != nil {
		return nil, fmt.Errorf("leaderboard: policy %s of epoch %s: %w", newest.PolicyHash, newest.ID, err)
	}
	b := &Leaderboard{Policy: rec, Program: program, Epochs: len(eps), Token: newest.Token, Decimals: newest.Decimals, Version: epochsVersion(eps...)}
	oneToken := true
	for _, ep := range eps {
		if ep.Token != newest.Token || ep.Decimals != newest.Decimals {
			oneToken = false
		}
	}
	by := map[string]*BoardEntry{}
	for _, ep := range eps { // oldest first: the newest verdict and wallet win
		ce, err := s.Epoch(ctx, ep.ID)
		if err != nil {
			return nil, err
		}
		verdicts, err := s.epochMemberVerdicts(ctx, ep)
		if err != nil {
			return nil, err
		}
		for _, a := range ce.Allocations {
			if a.Points == 0 && (a.Paid == nil || a.Paid.Sign() == 0) {
				continue
			}
			e := by[a.Member]
			if e == nil {
				e = &BoardEntry{Member: a.Member, Paid: new(big.Int), Reasons: []score.Reason{}}
				by[a.Member] = e
			}
			e.Points += a.Points
			e.Raw += a.Points
			e.Scores += a.Events
			e.Epochs++
			if a.Wallet != "" {
				e.Wallet = a.Wallet
			}
			if a.Paid != nil {
				e.Paid.Add(e.Paid, a.Paid)
			}
			if v, ok := verdicts[a.Member]; ok {
				e.Verdict = &v
			}
		}
	}
	for _, e := range by {
		if !oneToken {
			e.Paid = nil
		}
		b.Entries = append(b.Entries, *e)
	}
	if !oneToken {
		b.Token, b.Decimals = "", 0
	}
	sortEntries(b.Entries)
	b.Members = len(b.Entries)
	return b, nil
}

// epochsVersion names boards read from closed epochs by their ids and digests.
func epochsVersion(eps ...*plaudit.Epoch) string {
	h := sha256.New()
	for _, ep := range eps {
		fmt.Fprintf(h, "epoch\x00%s\x00%s\x00%s\n", ep.ID, ep.Digest, ep.Root)
	}
	return hex.EncodeToString(h.Sum(nil)[:12])
}

// sortEntries orders a board: most points first, then by handle.
func sortEntries(es []BoardEntry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].Points != es[j].Points {
			return es[i].Points > es[j].Points
		}
		return es[i].Member < es[j].Member
	})
}

// ReplayRow is one member's points under the active policy and under the new one.
type ReplayRow struct {
	Member string         `json:"member"`
	Active plaudit.Points `json:"active"`
	New    plaudit.Points `json:"new"`
	Change plaudit.Points `json:"change"` // New − Active
}

// Replay is the whole log scored under the active policy and under a new one, compared member by member:
// what publishing the new policy would change.
type Replay struct {
	Events int // events in the log
	Active *policy.Policy
	New    *policy.Policy
	// ActivePoints and NewPoints are the points of every score under each policy.
	ActivePoints, NewPoints plaudit.Points
	// Rows are the members with points under either policy, largest absolute change first (then by handle).
	Rows []ReplayRow
}

// Replay scores the whole log under the active policy and under next, in memory, and compares the members'
// totals, before next is published. It stores nothing. Replay is the policy preview: the panel and the CLI
// show it before `policy activate`.
func (s *Service) Replay(ctx context.Context, next *policy.Policy) (*Replay, error) {
	if next == nil {
		return nil, plaudit.Errorf(plaudit.EINVALID, "replay: no policy to compare with the active one")
	}
	cur, err := s.ActivePolicy(ctx)
	if err != nil {
		return nil, err
	}
	log, err := s.ReadLog(ctx, nil)
	if err != nil {
		return nil, err
	}
	a, _, err := score.Run(cur, log.Events, nil)
	if err != nil {
		return nil, fmt.Errorf("replay under the active policy %s: %w", cur.Hash(), err)
	}
	b, _, err := score.Run(next, log.Events, nil)
	if err != nil {
		return nil, fmt.Errorf("replay under %s: %w", next.Hash(), err)
	}
	r := &Replay{Events: len(log.Events), Active: cur, New: next, Rows: CompareTotals(score.Totals(a), score.Totals(b))}
	for _, sc := range a {
		r.ActivePoints += sc.Points
	}
	for _, sc := range b {
		r.NewPoints += sc.Points
	}
	return r, nil
}

// CompareTotals compares two sets of member totals member by member, largest absolute change first (then
// by handle); a member missing from one set has 0 points there.
func CompareTotals(active, next []score.MemberTotal) []ReplayRow {
	rows := map[string]*ReplayRow{}
	get := func(m string) *ReplayRow {
		r := rows[m]
		if r == nil {
			r = &ReplayRow{Member: m}
			rows[m] = r
		}
		return r
	}
	for _, t := range active {
		get(t.Member).Active = t.Points
	}
	for _, t := range next {
		get(t.Member).New = t.Points
	}
	out := make([]ReplayRow, 0, len(rows))
	for _, r := range rows {
		r.Change = r.New - r.Active
		out = append(out, *r)
	}
	abs := func(p plaudit.Points) plaudit.Points {
		if p < 0 {
			return -p
		}
		return p
	}
	sort.Slice(out, func(i, j int) bool {
		if a, b := abs(out[i].Change), abs(out[j].Change); a != b {
			return a > b
		}
		return out[i].Member < out[j].Member
	})
	return out
}
